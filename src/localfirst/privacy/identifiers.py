"""Identifiers of people from any country: named by an ID word, or in a documented format.

The words and formats are data (`data/identifiers.toml`); check digits and embedded birth dates
are python-stdnum's, which covers more than 100 countries, so nothing here computes a checksum.

- Named: "my passport number is X1234567", "PESEL: 44051401458", "身份证号码 110105...". An ID
  word followed within a few filler words by groups of letters and digits counts, checksum or
  not; a stdnum validator that accepts the value raises the score and names the format.
- Formats: a Korean RRN (971013-9019902), a Brazilian CPF (123.456.789-09), a Chinese resident
  ID, an Italian codice fiscale ... counts with no word around it, once stdnum validates it.

A value made of one repeated digit or a plain ascending run (000000000, 123456789) is a
placeholder and never counts.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class IdentifierMatch:
    type: str
    start: int
    end: int
    score: float
    rule: str


@dataclass(frozen=True)
class _Named:
    type: str
    words: tuple[str, ...]  # lower-cased, for a cheap substring test before any regex runs
    min_digits: int
    max_digits: int
    validators: tuple[tuple[str, Callable[[str], bool]], ...]


@dataclass(frozen=True)
class _Format:
    type: str
    name: str
    pattern: re.Pattern[str]
    validator: tuple[str, Callable[[str], bool]]


# Words that may stand between an ID word and its value: "passport number is", "PESEL nr:".
_FILLER = (
    r"(?:[ \t]*(?:is|was|are|reads|number|numbers|no\.?|nr\.?|num\.?|#|:|：|=|-|of|it's|its|"
    r"my|the|as|follows|here|es|est|ist|lautet|é|è|número|numéro|nummer|numero|"
    r"为|是|는|은|は|：)(?![A-Za-z])){0,4}[ \t]*[:：#=]?[ \t]*"
)
# Groups of letters and digits, each with a digit, joined by one space, dot, slash or hyphen;
# a short letter prefix may stand apart ("ABC-4417", "AB 5519").
_VALUE = (
    r"(?P<value>(?:[A-Za-z]{1,4}[ -])?[A-Za-z]{0,3}\d[A-Za-z0-9]*"
    r"(?:[ ./-][A-Za-z]{0,3}\d[A-Za-z0-9]*){0,6})"
)
# Where an identifier can be: around a run of three digits. Only these windows are searched.
_DIGITS = re.compile(r"\d{3,}")
_WINDOW_BEFORE, _WINDOW_AFTER = 90, 60
_EXPLICIT_AFTER = r"(?=[ \t]*(?:is\b|:|：|=|#))"
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def find_identifiers(text: str) -> list[IdentifierMatch]:
    """Every identifier the data describes, in canonical text (see text.normalize)."""
    found: list[IdentifierMatch] = []
    windows = _digit_windows(text)
    if not windows:
        return found
    named, formats = _compiled()
    lowered = text.lower()
    for rule in named:
        present = frozenset(w for w in rule.words if any(w in lowered[a:b] for a, b in windows))
        if not present:
            continue
        pattern = _named_pattern(present)
        for match in _finditer(pattern, text, windows):
            value = match.group("value").rstrip(" ./-")
            digits = sum(c.isdigit() for c in value)
            if not rule.min_digits <= digits <= rule.max_digits or _placeholder(value):
                continue
            start = match.start("value")
            word = match.group("word")
            accepted = next((name for name, valid in rule.validators if valid(value)), None)
            if accepted:
                found.append(
                    IdentifierMatch(
                        rule.type, start, start + len(value), 0.9, f"'{word}' + stdnum {accepted}"
                    )
                )
            else:
                found.append(
                    IdentifierMatch(rule.type, start, start + len(value), 0.7, f"ID word '{word}'")
                )
    for fmt in formats:
        for match in _finditer(fmt.pattern, text, windows):
            value = match.group(0)
            name, valid = fmt.validator
            if not _placeholder(value) and valid(value):
                found.append(
                    IdentifierMatch(
                        fmt.type, match.start(), match.end(), 0.85, f"{fmt.name} (stdnum {name})"
                    )
                )
    return found


def _digit_windows(text: str) -> list[tuple[int, int]]:
    """Merged spans around each run of digits: the only places a value can start or end."""
    windows: list[tuple[int, int]] = []
    for match in _DIGITS.finditer(text):
        start = max(0, match.start() - _WINDOW_BEFORE)
        end = min(len(text), match.end() + _WINDOW_AFTER)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def _finditer(pattern: re.Pattern[str], text: str, windows: list[tuple[int, int]]):
    """Matches within the windows; look-arounds still see the whole text."""
    seen_end = -1
    for start, end in windows:
        for match in pattern.finditer(text, start, end):
            if match.start() >= seen_end:
                seen_end = match.end()
                yield match


def _placeholder(value: str) -> bool:
    digits = "".join(c for c in value if c.isdigit())
    if len(set(digits)) == 1:
        return True
    ascending, descending = "01234567890123456789", "98765432109876543210"
    return len(digits) >= 6 and (digits in ascending or digits in descending)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[_Named, ...], tuple[_Format, ...]]:
    source = resources.files("localfirst.privacy").joinpath("data/identifiers.toml")
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    named = tuple(
        _Named(
            entry["type"],
            tuple(sorted({w.lower() for w in entry["words"]})),
            entry["digits"][0],
            entry["digits"][1],
            tuple((name, _validator(name)) for name in entry["validators"]),
        )
        for entry in data["named"]
    )
    formats = tuple(
        _Format(entry["type"], entry["name"], re.compile(entry["pattern"]), _validator_pair(entry))
        for entry in data["format"]
    )
    return named, formats


@lru_cache(maxsize=256)
def _named_pattern(words: frozenset[str]) -> re.Pattern[str]:
    """The pattern for the ID words present in one prompt (few, and the same ones recur)."""
    return re.compile(_words_pattern(sorted(words)) + _FILLER + _VALUE, re.IGNORECASE)


def _validator_pair(entry: dict) -> tuple[str, Callable[[str], bool]]:
    return entry["validator"], _validator(entry["validator"])


def _validator(name: str) -> Callable[[str], bool]:
    module = importlib.import_module(f"stdnum.{name}")

    def valid(value: str) -> bool:
        try:
            return bool(module.is_valid(value))
        except Exception:  # a validator that trips on odd input has not validated it
            return False

    return valid


def _words_pattern(words: list[str]) -> str:
    """One alternation of the ID words, longest first, each bounded as a whole word.

    Words of three letters or fewer match in capitals anywhere, and in any case only right
    before an explicit "is", ":", "=" or "#"."""
    alternatives = []
    for word in sorted(set(words), key=len, reverse=True):
        escaped = re.escape(word).replace(r"\ ", r"[ \t]+")
        before = "" if _CJK.match(word) else r"(?<![^\W\d_])"
        after = "" if _CJK.search(word[-1]) else r"(?![^\W\d_])"
        if word.isascii() and word.isalpha() and len(word) <= 3:
            alternatives.append(f"{before}(?-i:{re.escape(word.upper())}){after}")
            alternatives.append(f"{before}{escaped}{after}{_EXPLICIT_AFTER}")
        else:
            alternatives.append(f"{before}{escaped}{after}")
    return "(?P<word>" + "|".join(alternatives) + ")"
