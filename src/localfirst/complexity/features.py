"""What the complexity scorer looks at: the kind of prompt, named signals, and hashed words.

A prompt is first sorted into one of three kinds, because what makes a prompt hard differs
between them and each has its own evidence:

- `EXAM`: a question with lettered answer choices. Scored by a model trained on thousands of
  MMLU questions (hashed words say which topics a small model gets wrong).
- `WORD_PROBLEM`: a short narrative with quantities and a question (GSM8K-like). Scored by a
  small model trained on GSM8K over a few measures of how many steps the arithmetic takes.
- `OPEN`: everything else (chat, code, writing, advice). There are no per-prompt labels for
  these, so they are scored by hand-weighted signals, as LiteLLM's complexity router does.

*Signals* are hand-written detectors (code, debugging, proof, system design, small talk, ...).
Each has a value in [0, 1], a prior weight and a short label that the route explanation shows.

Everything here is pure Python and deterministic across processes (`zlib.crc32`, not `hash`),
so the training script and the shipped scorer compute identical features.
"""

from __future__ import annotations

import itertools
import math
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

# Only this much of a prompt is read word by word: keeps scoring within a few milliseconds on
# pasted documents. The length measures still see the full length.
MAX_SCORED_CHARS = 6000
# The signals read less, from both ends: in a pasted log or document the request is at the
# start or the end, and the dozens of detectors cost more per character than the hashing.
SIGNAL_HEAD_CHARS = 2500
SIGNAL_TAIL_CHARS = 1000

EXAM = "exam"
WORD_PROBLEM = "word_problem"
OPEN = "open"
KINDS = (EXAM, WORD_PROBLEM, OPEN)

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)*|[^\sa-z\d]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Lettered answer choices as exams write them ("\nA. ...\nB. ..."); a chat list "a) ..." is not.
_CHOICE_A = re.compile(r"\n\(?A[.)] ")
_CHOICE_B = re.compile(r"\n\(?B[.)] ")
_SENTENCE_END = re.compile(r"[.?!](?:\s|$)")
_MATH_SYMBOL = re.compile(r"[=+*/^<>|√∑∫≤≥]|(?<=\d)\s?-\s?(?=\d)")


def _words(*phrases: str) -> re.Pattern[str]:
    """One pattern matching any of the (lower-case) phrases as whole words.

    Matched against lower-cased text rather than with `re.IGNORECASE`, which is several times
    slower. Lookarounds rather than word boundaries, so that phrases ending in punctuation
    ("c++", "O(n)", "f(x)") still match before a space.
    """
    return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)")


def _count(pattern: re.Pattern[str], text: str, cap: int) -> float:
    """Matches of `pattern`, up to `cap`, as a share of `cap` (stops searching at the cap)."""
    return sum(1 for _ in itertools.islice(pattern.finditer(text), cap)) / cap


def _distinct(pattern: re.Pattern[str], text: str, cap: int) -> float:
    """Different words `pattern` matches, up to `cap`, as a share of `cap`: a story about
    four trees is not four times as much about data structures."""
    seen: set[str] = set()
    for match in pattern.finditer(text):
        seen.add(match.group())
        if len(seen) >= cap:
            break
    return len(seen) / cap


@dataclass(frozen=True)
class _Text:
    """The part of a prompt the detectors read, as typed and lower-cased once."""

    raw: str  # for case-sensitive cues: stack traces, SQL keywords
    lower: str  # for every word list
    code_lines: int  # lines of pasted code, up to 2 (their "=" and "*" are not mathematics)
    length: int  # of the whole prompt, which may be longer than what is read


# --- signal detectors --------------------------------------------------------------------------
# Each branch starts at a word start or a fixed character, so a 6,000-character "word"
# cannot make the search quadratic.
_CODE_SYNTAX = re.compile(
    r"```|\bdef \w+\(|\bfunction\s*\w*\(|#include|^[ \t]*(?:import|from) [\w.]+|\breturn\b.*;"
    r"|[{};][ \t]*$|(?<!\w)\w+\(\w*\)\s*\{|=>|\bconsole\.log|\bprint\(|^[ \t]*(?:class|public|"
    r"private|const|let|var|fn|func|SELECT|UPDATE|INSERT)\b|->\w|\bself\.\w"
    r"|(?<!\w)\w+\[\w*\][ \t]*[+\-*/]?=",
    re.MULTILINE,
)
_CODE_WORDS = _words(
    r"python",
    r"javascript",
    r"typescript",
    r"java",
    r"c\+\+",
    r"c#",
    r"golang",
    r"rust",
    r"kotlin",
    r"swift",
    r"sql",
    r"html",
    r"css",
    r"bash",
    r"react",
    r"regex",
    r"regular expression",
    r"api",
    r"algorithm",
    r"data structures?",
    r"binary (?:search|tree|heap)",
    r"linked list",
    r"hash ?map",
    r"array",
    r"recursion",
    r"dynamic programming",
    r"time complexity",
    r"space complexity",
    r"o\([^)]{1,12}\)",
    r"graphs?",
    r"shortest paths?",
    r"lru",
    r"parser",
    r"endpoints?",
    r"compile[rd]?",
    r"refactor\w*",
    r"unit tests?",
    r"thread-safe",
    r"concurren\w+",
    r"goroutines?",
    r"(?:quick|merge|heap|bubble|insertion|radix)sort",
    r"sorting algorithms?",
    r"mutex",
    r"deadlocks?",
    r"race condition",
    r"memory leaks?",
)
# Words that are about code only next to other signs of code ("a class of 30 pupils").
_CODE_CONTEXT_WORDS = _words(
    r"trees?",
    r"stacks?",
    r"queues?",
    r"cache",
    r"nodes",
    r"functions?",
    r"class(?:es)?",
    r"query",
    r"loops?",
    r"variables?",
)
_PROGRAMMING_LANGUAGE = (
    r"python|javascript|typescript|java|c\+\+|c#|golang|go|rust|kotlin|swift|ruby|php|scala|"
    r"haskell|sql|bash|html|css|react|node(?:\.js)?"
)
_CODE_REQUEST = _words(
    r"(?:write|implement|develop|create|code|build|fix|refactor|optimi[sz]e|debug|convert|port)"
    r" (?:a |an |the |this |my )?(?:[\w+#.-]+ ){0,4}(?:function|program|script|class|method|"
    r"query|website|app|algorithm|module|endpoint|component|code|cache|parser|api|server|"
    r"library|cli|regex|test)s?",
    rf"(?:in|using|with) (?:{_PROGRAMMING_LANGUAGE})",
    r"implement",
)
# An error message or a stack trace is proof enough; "it crashes" is a hint.
_DEBUG_TRACE = re.compile(
    r"Traceback \(most recent call last\)|^[ \t]*File \"[^\"]+\", line \d+"
    r"|(?<!\w)[A-Z]\w*(?:Error|Exception)\b"
    r"|\bsegfaults?\b|segmentation fault|stack ?trace|core dumped|\bpanicked at\b|"
    r"\bundefined is not\b|\bnull pointer\b|\bOOMKilled\b|\bexit code \d+|\bstack overflow\b|"
    r"^[ \t]+at [\w.$]+\(|\b[Ee]rror(?: code)?:|\bCannot read propert",
    re.MULTILINE,
)
_DEBUG_HINT = _words(
    r"not working",
    r"doesn'?t work",
    r"crash(?:es|ed|ing)?",
    r"throws?",
    r"bug",
    r"debug\w*",
    r"fails? with",
    r"leaks?",
    r"hangs",
    r"why does (?:this|my|the) (?:\w+ ){0,3}(?:return|print|output|give)",
)
_MATH_WORDS = _words(
    r"equations?",
    r"solve for",
    r"integers?",
    r"primes?",
    r"probability",
    r"derivative",
    r"integral",
    r"integrate",
    r"differentiat\w+",
    r"polynomial",
    r"inequality",
    r"remainder",
    r"divisible",
    r"triangle",
    r"vertices",
    r"sqrt",
    r"square root",
    r"irrational",
    r"theorem",
    r"lemma",
    r"matrix",
    r"matrices",
    r"eigen\w*",
    r"logarithm",
    r"factorial",
    r"real solutions?",
    r"f\(x\)",
    r"express \w+ in",
    r"by induction",
    r"derive",
    r"formula",
    r"line segment",
    r"coordinates?",
    r"endpoints",
    r"slope",
    r"radius",
    r"perimeter",
    r"hypotenuse",
    r"modulo",
    r"remainder when",
    r"sequences? of (?:real|integers|numbers)",
    r"series",
    r"converge\w*",
    r"limits? of",
    r"real numbers",
    r"rational",
    r"vectors?",
    r"eigenvalues?",
    r"monotone",
    r"bounded",
    r"continuous",
    r"statistical",
    r"variance",
    r"standard deviation",
    r"z-test",
    r"t-test",
    r"p-value",
    r"regression",
    r"determinants?",
    r"recurrences?",
    r"closed[- ]form",
    r"gradients?",
    r"asymptotic\w*",
    r"expected value",
    r"permutations?",
    r"combinatori\w+",
    r"quadratic",
    r"system of equations",
    r"linear algebra",
    r"calculus",
    r"trigonometr\w+",
    r"(?:sine|cosine|tangent)",
    r"exponential",
)
_PROOF_REQUEST = re.compile(r"\s*(?:prove|show that|derive)\b")
_PROOF = _words(r"prove", r"proof", r"show that", r"derive", r"demonstrate that", r"by induction")
_REASONING = _words(
    r"reason(?:ing)? through",
    r"think (?:carefully|through)",
    r"what is the relationship",
    r"true, false, or uncertain",
    r"does not belong",
    r"deduce",
    r"which direction",
    r"what(?:'s| is) (?:your|the) (?:current )?position",
    r"must (?:some|all|it|they|this) \w+",
    r"must be true",
    r"contradict\w*",
    r"counterexample",
    r"why or why not",
    r"valid arrangements?",
    r"how many ways",
    r"(?:sit|sits|seated|standing) in a (?:row|circle|line)",
    r"immediately (?:left|right) of",
    r"(?:always|never) (?:lies|tells the truth)",
    r"truth-tellers?",
)
_REASONING_HINT = _words(
    r"puzzle",
    r"riddle",
    r"logic(?:al)?",
    r"infer",
    r"paradox",
    r"explain (?:your|the) (?:reasoning|answer)",
)
_STEP_BY_STEP = _words(r"step[- ]by[- ]step", r"show (?:your|the) (?:work|calculation)")
_SYSTEM_DESIGN = _words(
    r"architect\w*",
    r"system design",
    r"design (?:a|an|the) (?:[\w-]+ ){0,3}(?:system|service|backend|platform|pipeline|schema|api)",
    r"(?:\d[\d,.]*|millions?|thousands?|billions?) (?:of )?(?:concurrent |daily |active )?"
    r"(?:users|requests|connections|events|messages|transactions)",
    r"(?:how|will|to) (?:it |they |this )?scales?",
    r"exactly-once",
    r"event-driven",
    r"message queues?",
    r"database schema",
    r"data model",
    r"scal(?:ing|able|ability)",
    r"at scale",
    r"scale (?:up|out|to|it|this)",
    r"distributed",
    r"microservices?",
    r"load balanc\w+",
    r"shard\w*",
    r"replication",
    r"high availability",
    r"throughput",
    r"latency",
    r"(?:eventual|strong) consistency",
    r"multi-tenant",
    r"kubernetes",
    r"kafka",
    r"caching",
    r"requests per second",
    r"writes per second",
    r"reads per second",
    r"qps",
    r"fault[- ]toleran\w+",
)
_LEGAL = _words(
    r"legal\w*",
    r"lawyer",
    r"attorney",
    r"laws?",
    r"contract",
    r"clause",
    r"lease",
    r"landlord",
    r"tenants? rights",
    r"evict\w*",
    r"sued",
    r"suing",
    r"sue (?:me|my|the|them|him|her|us|you)",
    r"lawsuit",
    r"liab(?:le|ility)",
    r"statute",
    r"court (?:case|order|ruling|date|hearing)",
    r"in court",
    r"small claims",
    r"jurisdiction",
    r"copyright",
    r"trademark",
    r"patent",
    r"gdpr",
    r"hipaa",
    r"complian(?:t|ce)",
    r"enforceable",
    r"custody",
    r"negligence",
    r"regulation",
    r"indemnif\w+",
    r"non-compete",
)
_MEDICAL = _words(
    r"symptoms?",
    r"diagnos\w+",
    r"dos(?:e|age|ing)",
    r"\d+ ?mg",
    r"medications?",
    r"prescri\w+",
    r"side effects?",
    r"interactions?",
    r"patient",
    r"blood pressure",
    r"fever",
    r"rash",
    r"chest pain",
    r"treatment",
    r"chronic",
    r"infection",
    r"pregnan\w+",
    r"differential",
    r"mri",
    r"lab results",
    r"warfarin",
    r"insulin",
    r"antibiotics?",
    r"doctor",
    r"urgent",
    r"headaches?",
    r"migraines?",
    r"swelling",
    r"swollen",
    r"bleeding",
    r"dizz\w+",
    r"nausea",
    r"vomiting",
    r"blurred vision",
    r"seeing spots",
    r"(?:chest|abdominal|back|joint) pain",
    r"shortness of breath",
    r"allerg\w+",
    r"blood (?:test|sugar|work)",
    r"weeks pregnant",
    r"ibuprofen",
    r"paracetamol",
    r"acetaminophen",
    r"lithium",
    r"metformin",
)
_FINANCE = _words(
    r"tax(?:es|ation)?",
    r"401\(?k\)?",
    r"roth",
    r"ira",
    r"capital gains?",
    r"retire\w*",
    r"pension",
    r"portfolio",
    r"amorti[sz]\w+",
    r"interest rates?",
    r"compound interest",
    r"dividends?",
    r"index funds?",
    r"stock options?",
    r"valuation",
    r"cash flow",
)
_ANALYSIS = _words(
    r"analy[sz]e",
    r"compare and contrast",
    r"trade-?offs?",
    r"implications",
    r"critique",
    r"evaluate",
    r"in depth",
    r"recommend (?:a|one|an) (?:\w+ ){0,2}(?:strategy|approach|option)",
    r"investigate",
    r"most efficient",
    r"why\b.{3,80}\band how",
)
# Requirements a user stacks into one request: each one a small model may drop.
_CONSTRAINT = _words(
    r"must",
    r"should",
    r"need(?:s)? (?:to|one|a)",
    r"at (?:least|most)",
    r"no (?:more|less|fewer) than",
    r"(?:under|within|fewer than|less than|up to) \d[\d,.:]*",
    r"exactly",
    r"without",
    r"avoid\w*",
    r"(?:don't|do not|never|cannot|can't|can not)",
    r"only",
    r"budget",
    r"make sure",
    r"includ(?:e|es|ing)",
    r"requir(?:e|es|ed|ing)",
    r"prefer\w*",
    r"keep(?:ing)? it",
    r"(?:in|with|using) an? (?:[\w-]+ ){0,2}(?:tone|style|voice)",
    r"mentions?",
    r"ends? with",
    r"(?:as|in|into) (?:a |an )?(?:\w+ )?(?:table|json|csv|markdown|spreadsheet)",
)
_CREATIVE = _words(
    r"(?:write|compose|draft|craft|create|help me (?:write|construct)) (?:a |an |the |me )?"
    r"(?:[\w'-]+ ){0,4}(?:poem|story|email|letter|blog|post|essay|speech|script|review|"
    r"announcement|headline|paragraph|song|lyrics|tweet|limerick|haiku|slogan|toast|"
    r"description|outline|lesson plan|invitation|ad|advertisement|podcast|message|text|note|"
    r"caption|bio|joke)",
    r"short story",
    r"travel blog",
    r"persuasive",
    r"catchy",
    r"vivid",
    r"tell me a joke",
)
_ROLEPLAY = _words(
    r"pretend",
    r"act as",
    r"role of",
    r"roleplay",
    r"role-play",
    r"persona",
    r"embody",
    r"imagine (?:you are|yourself)",
    r"picture yourself",
    r"you are a",
    r"as an? (?:\w+ ){0,2}(?:captain|knight|chef|commentator|superhero|coach|teacher|"
    r"detective|character|colonist|traveler|pirate)",
)
_SMALL_TALK = _words(
    r"hi",
    r"hiya",
    r"hello",
    r"hey",
    r"yo",
    r"cheers",
    r"sup",
    r"thanks",
    r"thank you",
    r"good (?:morning|afternoon|evening|night)",
    r"how are you",
    r"how's it going",
    r"what's up",
    r"bye",
    r"goodbye",
    r"see you",
    r"talk later",
    r"lol",
    r"haha",
    r"ok(?:ay)?",
    r"cool",
    r"nice",
    r"great",
    r"who are you",
)
_FACTUAL = re.compile(
    r"\s*(?:who|what|when|where|which|whose|define|how (?:many|much|old|tall|far|long|big|do you "
    r"say|do i say)|what's|who's|where's|is|are|was|does|did|can you recommend|spell)\b"
)
_REWRITE = _words(
    r"rewrite",
    r"rephrase",
    r"paraphrase",
    r"reword",
    r"proofread",
    r"(?:fix|correct|check) (?:the |my |any )?(?:\w+ )?(?:grammar|spelling|typos?|punctuation)",
    r"make (?:this|it) (?:\w+ )?(?:shorter|longer|clearer|simpler|more \w+|less \w+)",
    r"shorten",
    r"simplify (?:this|the) (?:text|sentence|paragraph|wording)",
    r"summari[sz]e",
    r"(?:one-line |short |brief )?summary of (?:this|the following|it)",
    r"tl;?dr",
    r"extract",
    r"turn (?:this|it) into",
    r"bullet (?:points|list)",
    r"synonym",
    r"named entities",
    r"format (?:this|it) as",
)
_LANGUAGE = (
    r"(?:french|spanish|german|italian|portuguese|japanese|chinese|mandarin|korean|russian|"
    r"arabic|hindi|dutch|swedish|polish|turkish|greek|hebrew|english)"
)
_TRANSLATE = re.compile(
    rf"\btranslat\w*\b|\bhow (?:do|would) (?:you|i) say\b|\binto {_LANGUAGE}\b"
    rf"|\bin {_LANGUAGE}\s*\?|\bto {_LANGUAGE}\s*:"
)
_ADVICE = _words(
    r"how can i",
    r"how do i",
    r"what are (?:some|the most|the main|good)",
    r"tips",
    r"advice",
    r"suggest",
    r"recommend",
    r"what should i",
    r"ideas? for",
    r"pros and cons",
)


@dataclass(frozen=True)
class Signal:
    """A hand-written detector: a name (artefact key), a label (shown to users) and a prior.

    `prior` is the hand weight, in units of "expected accuracy gained by escalating" (+0.3
    means the cloud model is expected to get 30 points more of such prompts right). It is the
    whole story for open prompts, for which no per-prompt labels exist, as in LiteLLM's
    hand-weighted router.
    """

    name: str
    label: str
    prior: float
    measure: Callable[[_Text], float]


def _code(text: _Text) -> float:
    syntax = text.code_lines / 2
    words = _distinct(_CODE_WORDS, text.lower, 3)
    if words or syntax:
        words = min(1.0, words + _distinct(_CODE_CONTEXT_WORDS, text.lower, 3))
    request = 1.0 if _CODE_REQUEST.search(text.lower) else 0.0
    return min(1.0, syntax + 0.8 * words + 0.6 * request)


def _debugging(text: _Text) -> float:
    if _DEBUG_TRACE.search(text.raw):
        return 1.0
    return 0.5 * _count(_DEBUG_HINT, text.lower, 2)


def _math(text: _Text) -> float:
    symbols = 0.0 if text.code_lines else _count(_MATH_SYMBOL, text.raw, 4)
    words = _distinct(_MATH_WORDS, text.lower, 2)
    return min(1.0, 0.5 * symbols + 0.6 * words)


def _proof(text: _Text) -> float:
    # "prove" alone is everyday English ("prove my identity"); a proof needs mathematics in it,
    # or to be what the prompt asks for first ("Prove that ...").
    if _PROOF_REQUEST.match(text.lower):
        return 1.0
    if not _PROOF.search(text.lower):
        return 0.0
    return 1.0 if _math(text) else 0.0


def _reasoning(text: _Text) -> float:
    strong = 0.6 * _count(_REASONING, text.lower, 2) * 2
    hints = 0.25 * _count(_REASONING_HINT, text.lower, 2) * 2
    return min(1.0, strong + hints + 0.25 * _count(_STEP_BY_STEP, text.lower, 1))


def _system_design(text: _Text) -> float:
    return _distinct(_SYSTEM_DESIGN, text.lower, 3)


def _legal(text: _Text) -> float:
    return _distinct(_LEGAL, text.lower, 2)


def _medical(text: _Text) -> float:
    return _distinct(_MEDICAL, text.lower, 2)


def _finance(text: _Text) -> float:
    return _distinct(_FINANCE, text.lower, 2)


def _analysis(text: _Text) -> float:
    return _distinct(_ANALYSIS, text.lower, 2)


_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*•]|\d+[.)])[ \t]+\S", re.MULTILINE)


_REQUEST_VERB = re.compile(
    r"\s*(?:please )?(?:write|create|plan|design|draft|build|make|prepare|organi[sz]e|develop|"
    r"produce|generate|propose|outline|put together|come up with)\b"
)


def _constraints(text: _Text) -> float:
    # Two requirements are an ordinary request; from the third on, each is one more a small
    # model may drop. A bulleted or numbered list of requirements counts one per line, and a
    # request's comma-separated list of deliverables half a requirement per item past two.
    stated = _count(_CONSTRAINT, text.lower, 6) * 6 + _count(_LIST_ITEM, text.raw, 6) * 6
    if _REQUEST_VERB.match(text.lower):
        stated += 0.5 * max(min(text.raw.count(","), 8) - 2, 0)
    return min(max(stated - 2, 0), 4) / 4


def _long(text: _Text) -> float:
    # 0 up to ~300 characters, 1 from ~3000: the log keeps pasted documents from dominating.
    return min(1.0, max(0.0, math.log(text.length + 1, 10) - 2.5))


def _creative(text: _Text) -> float:
    return _count(_CREATIVE, text.lower, 1)


def _roleplay(text: _Text) -> float:
    return _count(_ROLEPLAY, text.lower, 1)


def _small_talk(text: _Text) -> float:
    if len(text.raw) > 60:
        return 0.0
    return 1.0 if _SMALL_TALK.search(text.lower) else 0.0


def _factual(text: _Text) -> float:
    """A short single question asking for a fact: what small models answer from memory."""
    if len(text.raw) > 90 or text.raw.count("?") > 1 or "\n" in text.raw.strip():
        return 0.0
    return 1.0 if _FACTUAL.match(text.lower) else 0.0


def _rewrite(text: _Text) -> float:
    return _count(_REWRITE, text.lower, 1)


def _translation(text: _Text) -> float:
    if not _TRANSLATE.search(text.lower):
        return 0.0
    # Translating a sentence is easy; a long document or legal text less so.
    return 1.0 if len(text.raw) < 400 else 0.5


def _advice(text: _Text) -> float:
    return _count(_ADVICE, text.lower, 1)


SIGNALS: tuple[Signal, ...] = (
    Signal("code", "code", 0.30, _code),
    Signal("debugging", "debugging an error", 0.30, _debugging),
    Signal("math", "math", 0.30, _math),
    Signal("proof", "proof", 0.25, _proof),
    Signal("reasoning", "reasoning puzzle", 0.30, _reasoning),
    Signal("system_design", "system design", 0.30, _system_design),
    Signal("legal", "legal question", 0.25, _legal),
    Signal("medical", "medical question", 0.25, _medical),
    Signal("finance", "financial planning", 0.20, _finance),
    Signal("analysis", "in-depth analysis", 0.10, _analysis),
    Signal("constraints", "many constraints", 0.30, _constraints),
    Signal("long", "long prompt", 0.10, _long),
    Signal("creative", "creative writing", -0.10, _creative),
    Signal("roleplay", "role-play", -0.20, _roleplay),
    Signal("small_talk", "small talk", -0.40, _small_talk),
    Signal("factual", "short factual question", -0.25, _factual),
    Signal("rewrite", "rewriting or extraction", -0.20, _rewrite),
    Signal("translation", "simple translation", -0.25, _translation),
    Signal("advice", "everyday advice", -0.10, _advice),
)
SIGNAL_NAMES = tuple(s.name for s in SIGNALS)
# The expected gain of an open prompt before its signals: a plain question or request that
# a small model answers about as well as a large one, so it stays local unless a signal says
# otherwise.
OPEN_BASE_GAIN = 0.05
# Signals that make a short question more than a trivia lookup ("how many integers solve
# |x| < 3?").
_TASKS = ("translation", "rewrite", "roleplay", "creative")
_TECHNICAL = (
    "code",
    "debugging",
    "math",
    "proof",
    "reasoning",
    "system_design",
    "legal",
    "medical",
    "finance",
)


def signal_values(text: str) -> dict[str, float]:
    """Each signal's value in [0, 1] for `text`."""
    if len(text) > SIGNAL_HEAD_CHARS + SIGNAL_TAIL_CHARS:
        text_read = text[:SIGNAL_HEAD_CHARS] + "\n" + text[-SIGNAL_TAIL_CHARS:]
    else:
        text_read = text
    code_lines = sum(1 for _ in itertools.islice(_CODE_SYNTAX.finditer(text_read), 2))
    read = _Text(text_read, text_read.lower(), code_lines, len(text))
    values = {signal.name: signal.measure(read) for signal in SIGNALS}
    # Resolve overlaps the way a reader would: "how do you say thank you in Japanese?" is a
    # translation, not small talk; "what's up?" is small talk, not a trivia question.
    if any(values[name] for name in _TASKS):
        values["small_talk"] = 0.0
    if values["small_talk"] or any(values[name] for name in _TECHNICAL):
        values["factual"] = 0.0
    return values


# --- the kind of prompt ------------------------------------------------------------------------
_NUMBER_WORD = _words(
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty",
    r"forty|fifty|hundred|thousand|million|twice|half|double|triple|third|quarter|dozen|once",
)
_QUESTION_CUE = _words(
    r"how (?:many|much|long|far|old|fast)",
    r"calculate",
    r"compute",
    r"find",
    r"determine",
    r"what",
    r"which",
    r"when",
)
# Equations, code and requests to reformat text are not word problems, even with numbers in.
_NOT_A_WORD_PROBLEM = re.compile(
    r"=|\^|```|\bdef \w|\bf\(x\)|\bsolve for\b|\bextract (?:the|all|every|each)|\bsummari[sz]e"
    r"|\brewrite|\bjson\b|\bcsv\b|\b(?:in|as) a table\b|\bprove\b|\bcode\b|\bprogram\b"
    # Advice and design questions ask for judgement, not a number.
    r"|\bshould (?:i|we)\b|\bis it (?:better|worth)\b|\bwould you recommend\b|\bhow would you\b"
)
# Mathematics beyond arithmetic: scored as math (open), not as a grade-school word problem.
_ADVANCED_MATH = _words(
    r"probability",
    r"integrals?",
    r"derivatives?",
    r"equations?",
    r"polynomials?",
    r"primes?",
    r"theorem",
    r"matri(?:x|ces)",
    r"inequality",
    r"logarithms?",
    r"factorial",
    r"irrational",
    r"real solutions?",
    r"vertices",
    r"coordinates?",
    r"endpoints?",
    r"remainder when",
    r"divisible",
    r"modulo",
)
_WORD_PROBLEM_MAX_CHARS = 1500


def has_choices(text: str) -> bool:
    """Whether the prompt lists lettered answer choices (a multiple-choice question)."""
    head = text[:MAX_SCORED_CHARS]
    return _CHOICE_A.search(head) is not None and _CHOICE_B.search(head) is not None


def quantity_count(text: str) -> int:
    """Numbers written in digits or words ("twice", "a dozen" count) in lower-cased `text`."""
    return len(_NUMBER.findall(text)) + len(_NUMBER_WORD.findall(text))


def _other_domain(signals: dict[str, float]) -> bool:
    """Evidence that a narrative with numbers is about something else than arithmetic (a
    patient's symptoms, a lease, a stack trace, a service to design, a logic puzzle).

    Money words are no such evidence: taxes, interest and pensions are what many word
    problems are about.
    """
    return max(signals[name] for name in _OTHER_DOMAINS) >= 0.5 or signals["reasoning"] >= 0.6


_OTHER_DOMAINS = (
    "code",
    "debugging",
    "system_design",
    "legal",
    "medical",
    "proof",
    "translation",
    "rewrite",
)


def prompt_kind(text: str, signals: dict[str, float] | None = None) -> str:
    """EXAM, WORD_PROBLEM or OPEN: which model's evidence applies to this prompt.

    `signals` (from `signal_values`) may be passed to save computing them again.
    """
    if has_choices(text):
        return EXAM
    if len(text) > _WORD_PROBLEM_MAX_CHARS or text.count("\n") > 2 or len(text.split()) < 12:
        return OPEN
    lower = text.lower()
    if (
        quantity_count(lower) < 2
        or not ("?" in text or _QUESTION_CUE.search(lower))
        or _NOT_A_WORD_PROBLEM.search(lower)
        or _ADVANCED_MATH.search(lower)
    ):
        return OPEN
    return OPEN if _other_domain(signals or signal_values(text)) else WORD_PROBLEM


# --- measures for the trained models ----------------------------------------------------------
# These match lower-cased text.
_FRACTION = re.compile(r"\d/\d|\bhalf\b|\bthirds?\b|\bquarters?\b|\bfifths?\b|\bfraction")
_COMPARISON = re.compile(
    r"more than|less than|fewer|times as|as many|as much|older than|younger than"
)
_SEQUENCE = _words(
    r"then",
    r"after",
    r"before",
    r"later",
    r"first",
    r"second",
    r"next",
    r"finally",
    r"already",
    r"again",
    r"another",
    r"also",
)
_TIME_UNIT = re.compile(r"\b(?:hour|minute|second|week|month|year|day)s?\b")
_RATE = re.compile(r"\bper\b|\bevery\b|\beach\b|\brate\b|\bspeed\b|mph")
_REMAINDER = re.compile(r"\bremain|\bleft\b|\brest\b")


def word_problem_features(text: str) -> dict[str, float]:
    """The few measures that predict a small model failing a math word problem (GSM8K).

    Chosen by nested cross-validation among ~30 candidates (docs/routing.md): longer problems
    have more steps; quantities defined relative to each other ("3 more than", "twice as
    many"), fractions and sequences of events add steps a small model drops. (Decimals were
    predictive too, but only because the labels mark the strong model wrong on 40% of money
    problems with cents, a grading artefact that real users would pay for.)
    """
    head = text[:MAX_SCORED_CHARS].lower()
    return {
        "log_chars": math.log1p(len(text)),
        "has_comparison": float(_COMPARISON.search(head) is not None),
        "log_fractions": math.log1p(len(_FRACTION.findall(head))),
        "log_sequence_words": math.log1p(len(_SEQUENCE.findall(head))),
    }


def exam_features(text: str) -> dict[str, float]:
    """Length, layout and arithmetic measures of a multiple-choice question.

    A long legal vignette and a long list of numeric options mean different things; the
    trained model weighs the stem and the choices separately. The hand-written signals are
    left out on purpose: tuning them for chat must not move the exam model.
    """
    head = text[:MAX_SCORED_CHARS]
    choices = _CHOICE_A.search(head)
    stem = (head[: choices.start()] if choices else head).lower()
    numbers = _NUMBER.findall(head)
    magnitudes = [float(n.replace(",", "")) for n in numbers if n.replace(",", "").count(".") <= 1]
    return {
        "log_chars": math.log1p(len(text)),
        "log_stem_chars": math.log1p(len(stem)),
        "log_choice_chars": math.log1p(len(head) - len(stem)),
        "log_numbers": math.log1p(len(numbers)),
        "log_number_words": math.log1p(len(_NUMBER_WORD.findall(stem))),
        "log_distinct_numbers": math.log1p(len(set(numbers))),
        "log_largest_number": math.log1p(min(max(magnitudes, default=0.0), 1e12)),
        "has_decimal": float(any("." in n for n in numbers)),
        "has_percent": float("%" in head),
        "has_money": float("$" in head),
        "has_fraction": float(_FRACTION.search(stem) is not None),
        "has_comparison": float(_COMPARISON.search(stem) is not None),
        "has_time_unit": float(_TIME_UNIT.search(stem) is not None),
        "has_rate": float(_RATE.search(stem) is not None),
        "has_remainder": float(_REMAINDER.search(stem) is not None),
        "has_if": float(" if " in stem),
        "log_sentences": math.log1p(len(_SENTENCE_END.findall(stem))),
        "log_math_symbols": math.log1p(len(_MATH_SYMBOL.findall(head))),
        "log_questions": math.log1p(stem.count("?")),
    }


def lexical_tokens(text: str) -> list[str]:
    """Lower-cased words and punctuation; numbers become their shape (<num2> = two digits)."""
    tokens = []
    for token in _WORD.findall(text[:MAX_SCORED_CHARS].lower()):
        if token[0].isdigit():
            token = f"<num{min(len(token), 5)}>"
        tokens.append(token)
    return tokens


def lexical_buckets(text: str, n_buckets: int) -> list[int]:
    """The distinct hash buckets of the words and word pairs in `text`, sorted."""
    tokens = lexical_tokens(text)
    keys = [f"u:{t}" for t in tokens]
    keys += [f"b:{a}_{b}" for a, b in itertools.pairwise(tokens)]
    return sorted({zlib.crc32(key.encode()) % n_buckets for key in keys})
