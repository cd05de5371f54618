"""What the gate knows about names: lexicons, public figures, placeholders, code shapes.

- given names and surnames of 100-odd locales (Faker's and Mimesis' lists, compiled by
  scripts/build_name_lexicon.py into data/name_lexicon.txt.gz, so neither is needed at run
  time), to recognise names spaCy misses and to keep real names that are also English words
  ("Grace", "Key");
- English words (WordNet lemmas shipped inside the spaCy pipeline's lemmatizer, plus spaCy's
  stop words), so that a capitalised "Discipline" or "Pixel" is not taken for a person;
- well-known public and fictional figures, who are not private people in an ordinary request;
- the placeholder names of puzzles and protocol examples (Alice and Bob).

How these are combined with context to judge a name is in person_names.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


def _word_list(name: str) -> frozenset[str]:
    """A list in data/NAME: one entry a line, lower-cased; '#' starts a comment."""
    text = resources.files("localfirst.privacy").joinpath(f"data/{name}").read_text("utf-8")
    entries = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return frozenset(entry.lower() for entry in entries if entry)


# People and characters a request may name without disclosing anything private. Full names;
# a later mention of a part of one ("Stark" after "Tony Stark") follows the full name.
PUBLIC_FIGURES = _word_list("public_figures.txt")

# Last words that make an entity an organisation rather than a person.
ORGANISATION_WORDS = _word_list("organisation_words.txt")

# Voice and chat assistants, greetings of other languages, and "my name is" in other languages.
ASSISTANT_NAMES = _word_list("assistant_names.txt")
GREETINGS = _word_list("greetings.txt")
FOREIGN_NAME_CUES = _word_list("name_cues.txt")
FOREIGN_NAME_CUE_BEFORE = re.compile(
    r"(?:^|(?<=[\s\"'(]))(?:"
    + "|".join(re.escape(c) for c in sorted(FOREIGN_NAME_CUES, key=len, reverse=True))
    + r")\s*[:,]?\s*$",
    re.IGNORECASE,
)
# A prompt that talks about the characters of a work: a name in it is a character, unless a
# personal relation introduces it ("a story for my son Leo") or it names a creator or a
# performer ("the Jensen novel", "a film starring ..."), who is a real person.
_FICTION_TALK = re.compile(
    r"\b(?:fan ?fiction|fanfic|plot|protagonist|antagonist|villain|lore|"
    r"(?:a|the) story (?:where|in which)|role-?play)\b",
    re.IGNORECASE,
)
# "character" alone is as often a letter in a string ("escape special characters"): it
# counts only beside a kind of work
_CHARACTER = re.compile(r"\bcharacters?\b", re.IGNORECASE)
_WORK = re.compile(
    r"\b(?:novel|film|movie|book|series|show|game|play|story|anime|manga|episode|season|saga|"
    r"franchise|sitcom|comic|cartoon|musical|opera|tv|netflix)s?\b",
    re.IGNORECASE,
)


def about_fiction(text: str) -> bool:
    """Whether the prompt talks about the characters or plot of a work of fiction."""
    return bool(_FICTION_TALK.search(text)) or bool(_CHARACTER.search(text) and _WORK.search(text))


CREATOR_BEFORE = re.compile(
    r"\b(?:by|written by|directed by|starring|features|featuring|author|writer|novelist|actor|"
    r"actress|director|played by|voiced by|composer|singer|the)\s+$",
    re.IGNORECASE,
)
# Scripts the English pipeline was not trained on: its PERSON label there is noise, so a run
# in them is a name only with a cue (the Cyrillic, Greek and Latin lexicons still apply).
UNREAD_SCRIPT = re.compile(r"[\u0590-\u08ff\u0900-\u0dff\u0e00-\u0eff\u1000-\u109f]")

# Placeholder names of cryptography examples and logic puzzles.
PLACEHOLDER_NAMES = _word_list("placeholder_names.txt")
JOHN_DOE = re.compile(r"\b(?:john|jane|richard|mary)\s+(?:doe|roe)\b", re.IGNORECASE)

# What makes a passage a puzzle or word problem: a question over quantities or relations.
PUZZLE_CUES = re.compile(
    r"\b(?:how many|how much|how old|how long|how far|who is|who has|which (?:one|person|of)|"
    r"what (?:is|was) the (?:total|sum|probability|answer)|in total|altogether|each of|"
    r"puzzle|riddle|brain ?teaser|logic problem|word problem|solve|calculate|what could be|"
    r"what are the possible|is it possible|answer the questions?|what is the name of)\b",
    re.IGNORECASE,
)

# Role play and fiction: a name after these is a character, not a private person.
ROLE_PLAY_CUE = re.compile(
    r"\b(?:role of|persona of|pretend (?:yourself )?to be|pretend you are|act as|acting as|"
    r"imagine you are|you are now|embody|impersonate|speak like|character of|in the style of|"
    r"character (?:profile |sheet |description )?(?:for|of|named|called)|"
    r"(?:story|tale|fable|poem|song|novel|screenplay|script) (?:is |was )?about|"
    r"(?:hero|heroine|protagonist|villain|wizard|witch|knight|dragon|princess|prince|king|"
    r"queen|detective|robot|alien|cat|dog|character|narrator) (?:named|called))"
    r"(?:\s+(?:a|an|the|captain|commander|agent|detective|doctor|professor|lady|lord|sir|"
    r"king|queen|prince|princess))?\s+$",
    re.IGNORECASE,
)
# A request for fiction, where names introduced with "named" are the writer's characters.
FICTION_REQUEST = re.compile(
    r"\b(?:write|compose|create|generate|tell|imagine|invent|draft|roleplay|role-play|"
    r"pretend)\b.{0,80}?\b(?:story|stories|tale|fable|poem|novel|screenplay|script|song|"
    r"lyrics|dialogue|scene|limerick|haiku|sonnet|play|fiction|character|as an?)\b|"
    r"\b(?:roleplay|role-play)\s+as\b",
    re.IGNORECASE | re.DOTALL,
)
_INTRODUCED_BY_NAME = re.compile(r"\b(?:named|called)\s+$", re.IGNORECASE)
_OWN_PEOPLE_NAMED = re.compile(
    r"\b(?:my|our|his|her|their)\s+(?:\w+\s+)?\w+\s+(?:named|called)\s+$", re.IGNORECASE
)
_CODE_CHARS = re.compile(r"[_=(){}\[\]<>/\\#@$%^&*|~`]|\d")
_CAMEL_CASE = re.compile(r"[a-z][A-Z]")
_SURNAME_CAMEL = re.compile(
    r"^(?:Mc|Mac|Le|La|De|Di|Da|Du|Van|Von|Fitz|St|O['’]?)[A-Z][a-z]+(?:['’]s)?$"
)
_ALL_CAPS = re.compile(r"^[A-Z]{2,}$")


@dataclass(frozen=True)
class NameKnowledge:
    given_names: frozenset[str]
    surnames: frozenset[str]
    english_words: frozenset[str]

    def is_known_name(self, token: str) -> bool:
        name = _as_name(token)
        return name in self.given_names or name in self.surnames

    def is_given_name(self, token: str) -> bool:
        return _as_name(token) in self.given_names

    def is_english_word(self, token: str) -> bool:
        word = token.lower()
        return word in self.english_words or (
            len(word) > 3 and word.endswith("s") and word[:-1] in self.english_words
        )


def _as_name(token: str) -> str:
    """How the lexicon spells a name: "kowalski" and "KOWALSKI" -> "Kowalski", "McCray" as is."""
    return token if token[:1].isupper() and not token.isupper() else token.capitalize()


def load_name_knowledge(nlp=None) -> NameKnowledge:
    """The lexicons; English words come from the pipeline's lemmatizer tables plus stop words."""
    from spacy.lang.en.stop_words import STOP_WORDS

    given, surnames = name_lexicon()
    return NameKnowledge(given, surnames, _english_words(nlp) | frozenset(STOP_WORDS))


LEXICON_FILE = "name_lexicon.txt.gz"


@lru_cache(maxsize=1)
def name_lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """Given names and surnames of 100-odd locales, generated by scripts/build_name_lexicon.py."""
    import gzip
    from importlib import resources

    given: list[str] = []
    surnames: list[str] = []
    bucket = given
    with (
        resources.files("localfirst.privacy").joinpath("data", LEXICON_FILE).open("rb") as raw,
        gzip.open(raw, "rt", encoding="utf-8") as lines,
    ):
        for line in lines:
            line = line.strip()
            if line == "# given":
                bucket = given
            elif line == "# surnames":
                bucket = surnames
            elif line:
                bucket.append(line)
    return frozenset(given), frozenset(surnames)


def _english_words(nlp) -> frozenset[str]:
    """Lower-case English words from the lemmatizer's WordNet index, if the pipeline has one.

    The lemmatizer is loaded but never run (see spacy_pipeline): only its tables are read.
    """
    if nlp is None or "lemmatizer" not in nlp.component_names:
        return frozenset()
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return frozenset()
    words: set[str] = set()
    for entries in lookups.get_table("lemma_index").values():
        words.update(w for w in entries if w.isalpha())
    return frozenset(words)


def looks_like_code(span_text: str) -> bool:
    """Identifiers, calls and expressions that NER mistakes for names (str2, len(str1, fooBar).

    Camel case is code unless it is how a surname is spelt: McCray, MacLeod, LeBlanc, DiCaprio.
    """
    if _CODE_CHARS.search(span_text):
        return True
    return any(
        _CAMEL_CASE.search(word) and not _SURNAME_CAMEL.match(word)
        for word in re.split(r"[\s\-–]+", span_text)
    )


def is_public_figure(span_text: str, text_lower: str) -> bool:
    name = re.sub(r"['’]s?$", "", " ".join(span_text.split()).strip(".,;: ")).lower()
    if name in PUBLIC_FIGURES:
        return True
    # a part of a public figure's name whose full form is in the same text
    return any(figure in text_lower for figure in _FIGURES_BY_PART.get(name, ()))


def _figures_by_part() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for figure in PUBLIC_FIGURES:
        if " " in figure:
            for part in figure.split():
                index.setdefault(part, []).append(figure)
    return {part: tuple(figures) for part, figures in index.items()}


_FIGURES_BY_PART = _figures_by_part()


def placeholder_cast(text: str) -> bool:
    """True when the text uses stand-in names: two or more of Alice/Bob/... or John Doe."""
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
    return len(words & PLACEHOLDER_NAMES) >= 2 or bool(JOHN_DOE.search(text))


def is_role_play(text: str, start: int) -> bool:
    """True when the name at `start` is a character: after a role-play cue ("the role of
    Sheldon"), or introduced by "named"/"called" in a request for fiction ("write a story about
    a girl named Lily")."""
    before = text[max(0, start - 40) : start]
    if ROLE_PLAY_CUE.search(before):
        return True
    return bool(
        _INTRODUCED_BY_NAME.search(before)
        and not _OWN_PEOPLE_NAMED.search(before)  # "a poem for my daughter named Lily"
        and FICTION_REQUEST.search(text)
    )


def is_puzzle(text: str) -> bool:
    return bool(PUZZLE_CUES.search(text))


def is_all_caps_acronym(token: str) -> bool:
    return bool(_ALL_CAPS.match(token)) and len(token) <= 5
