"""What the complexity scorer looks at: named signals a person can read, plus hashed words.

Two kinds of evidence, kept apart on purpose:

- *Signals* are hand-written detectors in the style of LiteLLM's complexity router (code,
  multi-step math, a reasoning puzzle, creative writing, role-play, small talk, ...). Each has a
  value in [0, 1] and a short label that the route explanation shows.
- *Lexical keys* (lower-cased words, number shapes and word pairs) are hashed into a fixed number
  of buckets, as in the linear baselines of RouteLLM and RouterBench; the trained model learns a
  weight per bucket from per-prompt correctness data.

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
# pasted documents. The length signal still sees the full length.
MAX_SCORED_CHARS = 6000

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)*|[^\sa-z\d]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CHOICES = re.compile(r"\n\(?[A-Da-d][.)] ")
_SENTENCE_END = re.compile(r"[.?!](?:\s|$)")
_MATH_SYMBOL = re.compile(r"[=+*/^<>|√∑∫≤≥]|(?<=\d)\s?-\s?(?=\d)")


def _words(*phrases: str) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of the phrases as whole words."""
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b", re.IGNORECASE)


_CODE_SYNTAX = re.compile(
    r"```|\bdef \w+\(|\bfunction\s*\w*\(|#include|\bimport \w+|\breturn\b.*;|[{};]\s*$"
    r"|\w+\(\w*\)\s*\{|=>|\bconsole\.log|\bprint\(",
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
    r"sql",
    r"html",
    r"css",
    r"bash",
    r"regex",
    r"regular expression",
    r"api",
    r"algorithm",
    r"data structures?",
    r"binary (?:search|tree)",
    r"linked list",
    r"array",
    r"recursion",
    r"dynamic programming",
    r"time complexity",
    r"space complexity",
    r"o\([^)]{1,12}\)",
    r"debug",
    r"bug",
    r"compile",
    r"refactor",
    r"stack trace",
    r"exception",
)
_CODE_REQUEST = _words(
    r"(?:write|implement|develop|create|code|build) (?:a |an |the )?(?:\w+ ){0,3}"
    r"(?:function|program|script|class|method|query|website|app|algorithm|module)",
    r"implement",
)
_MATH_WORDS = _words(
    r"equations?",
    r"solve for",
    r"integers?",
    r"prime",
    r"probability",
    r"derivative",
    r"integral",
    r"polynomial",
    r"inequality",
    r"remainder",
    r"divisible",
    r"triangle",
    r"area",
    r"vertices",
    r"sqrt",
    r"square root",
    r"theorem",
    r"prove",
    r"proof",
    r"matrix",
    r"eigen\w*",
    r"logarithm",
    r"factorial",
    r"sum of",
    r"f\(x\)",
    r"express \w+ in",
)
_WORD_PROBLEM = _words(
    r"how (?:many|much)",
    r"what (?:is|was) the (?:total|remainder|difference|probability|average|area|value|cost)",
    r"calculate",
    r"compute",
    r"percent(?:age)?",
    r"twice",
    r"half",
    r"per",
    r"each",
    r"total",
)
_REASONING = _words(
    r"step by step",
    r"explain your (?:reasoning|answer)",
    r"reason(?:ing)? through",
    r"think (?:carefully|through)",
    r"what is the relationship",
    r"true, false, or uncertain",
    r"does not belong",
    r"puzzle",
    r"riddle",
    r"logic(?:al)?",
    r"deduce",
    r"infer",
    r"which direction",
    r"what(?:'s| is) (?:your|the) (?:current )?position",
    r"if .{1,80} then",
    r"assume",
    r"must be true",
    r"contradict\w*",
    r"counterexample",
    r"trade-?offs?",
)
_CREATIVE = _words(
    r"(?:write|compose|draft|craft|create|help me (?:write|construct)) (?:a |an |the |me )?"
    r"(?:\w+ ){0,4}(?:poem|story|email|letter|blog|post|essay|speech|script|review|"
    r"announcement|headline|paragraph|song|lyrics|tweet|limerick|haiku|slogan|toast|"
    r"description|outline|lesson plan|invitation|ad|advertisement|podcast)",
    r"short story",
    r"travel blog",
    r"persuasive",
    r"catchy",
    r"vivid",
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
    r"doctor|detective|character|colonist|traveler|pirate)",
)
_SMALL_TALK = _words(
    r"hi",
    r"hello",
    r"hey",
    r"thanks",
    r"thank you",
    r"good (?:morning|evening|night)",
    r"how are you",
    r"what's up",
    r"bye",
    r"goodbye",
    r"lol",
    r"ok(?:ay)?",
)
_TRANSFORM = _words(
    r"extract",
    r"summari[sz]e",
    r"summary",
    r"translate",
    r"rewrite",
    r"rephrase",
    r"paraphrase",
    r"proofread",
    r"correct (?:any )?(?:grammatical|spelling|grammar)",
    r"json",
    r"csv",
    r"named entities",
    r"bullet points",
    r"format",
    r"list (?:the|all)",
)
_ADVICE = _words(
    r"how can i",
    r"how do i",
    r"what are (?:some|the most|the main)",
    r"tips",
    r"advice",
    r"suggest",
    r"recommend",
    r"what if",
    r"ideas? for",
    r"pros and cons",
)


@dataclass(frozen=True)
class Signal:
    """A hand-written detector: a name (artefact key), a label (shown to users) and a prior.

    `prior` is the hand weight, in units of "expected accuracy gained by escalating" (so +0.2
    means the cloud model is expected to get 20 points more of such prompts right). It is the
    whole story for prompts unlike the training data (chat, code, role-play), as in LiteLLM's
    hand-weighted router; the trained part corrects it where the data has evidence.
    """

    name: str
    label: str
    prior: float
    measure: Callable[[str], float]


def _count(pattern: re.Pattern[str], text: str, cap: int) -> float:
    return min(len(pattern.findall(text)), cap) / cap


def _code(text: str) -> float:
    syntax = _count(_CODE_SYNTAX, text, 3)
    words = _count(_CODE_WORDS, text, 3)
    request = 1.0 if _CODE_REQUEST.search(text) else 0.0
    return min(1.0, 0.5 * syntax + 0.4 * words + 0.6 * request)


def _math(text: str) -> float:
    symbols = _count(_MATH_SYMBOL, text, 4)
    words = _count(_MATH_WORDS, text, 2)
    return min(1.0, 0.5 * symbols + 0.6 * words)


def _word_problem(text: str) -> float:
    numbers = len(_NUMBER.findall(text))
    if numbers < 2:
        return 0.0
    cues = _count(_WORD_PROBLEM, text, 3)
    return min(1.0, 0.3 * min(numbers, 6) / 6 + 0.7 * cues) if cues else 0.0


def _reasoning(text: str) -> float:
    return _count(_REASONING, text, 2)


def _long(text: str) -> float:
    # 0 up to ~300 characters, 1 from ~3000: the log keeps pasted documents from dominating.
    return min(1.0, max(0.0, math.log(len(text) + 1, 10) - 2.5))


def _creative(text: str) -> float:
    return _count(_CREATIVE, text, 2)


def _roleplay(text: str) -> float:
    return _count(_ROLEPLAY, text, 1)


def _small_talk(text: str) -> float:
    if len(text) > 80:
        return 0.0
    return 1.0 if _SMALL_TALK.search(text) else 0.0


def _transform(text: str) -> float:
    return _count(_TRANSFORM, text, 2)


def _advice(text: str) -> float:
    return _count(_ADVICE, text, 1)


SIGNALS: tuple[Signal, ...] = (
    Signal("code", "code", 0.30, _code),
    Signal("math", "math", 0.30, _math),
    Signal("word_problem", "multi-step arithmetic", 0.15, _word_problem),
    Signal("reasoning", "reasoning puzzle", 0.30, _reasoning),
    Signal("long", "long prompt", 0.10, _long),
    Signal("creative", "creative writing", -0.20, _creative),
    Signal("roleplay", "role-play", -0.20, _roleplay),
    Signal("small_talk", "small talk", -0.40, _small_talk),
    Signal("transform", "rewriting or extraction", -0.20, _transform),
    Signal("advice", "open-ended advice", -0.10, _advice),
)


def signal_values(text: str) -> dict[str, float]:
    """Each signal's value in [0, 1] for `text`."""
    head = text[:MAX_SCORED_CHARS]
    values = {signal.name: signal.measure(head) for signal in SIGNALS}
    values["long"] = _long(text)
    return values


_NUMBER_WORD = _words(
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty",
    r"forty|fifty|hundred|thousand|million|twice|half|double|triple|third|quarter|dozen|once",
)
_FRACTION = re.compile(r"\d/\d|\bhalf\b|\bthirds?\b|\bquarters?\b|\bfraction", re.IGNORECASE)
_COMPARISON = re.compile(
    r"more than|less than|fewer|times as|as many|as much|older than|younger than", re.IGNORECASE
)
_TIME_UNIT = re.compile(r"\b(?:hour|minute|second|week|month|year|day)s?\b", re.IGNORECASE)
_RATE = re.compile(r"\bper\b|\bevery\b|\beach\b|\brate\b|\bspeed\b|mph", re.IGNORECASE)
_REMAINDER = re.compile(r"\bremain|\bleft\b|\brest\b", re.IGNORECASE)


def has_choices(text: str) -> bool:
    """Whether the prompt lists lettered answer choices (a multiple-choice question)."""
    return _CHOICES.search(text[:MAX_SCORED_CHARS]) is not None


def shape_features(text: str) -> dict[str, float]:
    """Length, layout and arithmetic-structure measures the trained model weighs.

    The arithmetic ones (quantities, fractions, comparisons, rates) are what predicts a small
    model failing a math word problem better than length does (cross-validated on GSM8K).
    """
    head = text[:MAX_SCORED_CHARS]
    choices = _CHOICES.search(head)
    stem = head[: choices.start()] if choices else head
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
        "has_if": float(" if " in stem.lower()),
        "log_sentences": math.log1p(len(_SENTENCE_END.findall(stem))),
        "log_math_symbols": math.log1p(len(_MATH_SYMBOL.findall(head))),
        "log_questions": math.log1p(stem.count("?")),
    }


def dense_inputs(text: str, signals: dict[str, float]) -> dict[str, float]:
    """The trained model's dense inputs: measures and signals, one copy per prompt layout.

    Length means different things in a multiple-choice question (a long legal vignette) and in
    an open prompt (a long word problem), so each layout gets its own weights.
    """
    choice = has_choices(text)
    values = {**shape_features(text), **signals}
    inputs = {"has_choices": float(choice)}
    for name, value in values.items():
        inputs[f"choice:{name}"] = value if choice else 0.0
        inputs[f"open:{name}"] = 0.0 if choice else value
    return inputs


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
