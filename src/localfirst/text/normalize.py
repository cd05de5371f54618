"""One canonical form of a text for every detector, with a map back to the original offsets.

Text copied from web pages, PDFs and word processors carries characters a reader never sees:
zero-width spaces, soft hyphens, bidi controls, no-break and narrow spaces, en dashes where a
keyboard gives "-", full-width or Arabic-Indic digits, letters of another script that look
Latin. A pattern written for "4111 1111 1111 1111" misses the same number with a zero-width
space in it, so detectors never read the raw text: they read `canonicalize(text).text`:

- Unicode NFKC (full-width forms, ligatures, mathematical letters, superscripts);
- format and other default-ignorable characters removed (zero-width space and joiners, word
  joiner, soft hyphen, bidi controls, BOM, variation selectors, Hangul fillers);
- every Unicode space as " ", line and paragraph separators as "\\n", every dash and the minus
  sign as "-", curly quotes as straight ones; a no-break or fixed-width space that is glue in a
  number (between a digit and "-", ".", "/", or beside another space) removed;
- every decimal digit of any script as its ASCII digit;
- HTML character references (`&quot;`, `&#64;`) decoded;
- in a word that mixes scripts, letters that look like Latin ones (Cyrillic "а" in "pаssword")
  replaced by the Latin letter (UTS #39 confusables; a word wholly in one script is untouched).

`CanonicalText.original_span` maps a span of the canonical text back to the original, so a
finding points at what the user wrote and redaction replaces the original characters, the
invisible ones inside the span included. Pure standard library; the confusables table loads on
first use.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# Default-ignorable code points that are not in category Cf (which is dropped wholesale):
# combining grapheme joiner, Hangul fillers, variation selectors (Unicode DerivedCoreProperties).
_IGNORABLE_EXTRA = frozenset(
    "\u034f\u115f\u1160\u3164\uffa0" + "".join(chr(c) for c in range(0xFE00, 0xFE10))
)
_QUOTES = {"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"', "„": '"', "‟": '"'}
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_WORD = re.compile(r"\w+")
# Spaces that layout puts inside numbers (thousands separators, digit groups): no-break,
# narrow no-break, figure, thin and other fixed-width spaces. Between a digit and a "-", "."
# or "/", or beside another space, they are glue and are dropped ("460\u202f-89-9847").
_NUMBER_GLUE = frozenset("\u00a0\u202f\u2007\u2009\u200a\u2008\u2006\u2005\u2004")
_NUMBER_PART = frozenset("0123456789-./")


@dataclass(frozen=True)
class CanonicalText:
    """The canonical text, and for each of its characters the original span it came from."""

    original: str
    text: str
    # starts[i], ends[i]: the original span of canonical character i; None when unchanged.
    _starts: tuple[int, ...] | None = None
    _ends: tuple[int, ...] | None = None

    @property
    def changed(self) -> bool:
        return self._starts is not None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that canonical `text[start:end]` came from."""
        if self._starts is None or self._ends is None:
            return start, end
        if end <= start:
            at = self._starts[start] if start < len(self._starts) else len(self.original)
            return at, at
        return self._starts[start], self._ends[end - 1]


def canonicalize(text: str) -> CanonicalText:
    """The canonical form of `text` (see the module docstring); cheap for plain ASCII."""
    if text.isascii() and "&" not in text:
        return CanonicalText(text, text)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for piece, start, end in _pieces(text):
        for char in _canonical_piece(piece):
            out.append(char)
            starts.append(start)
            ends.append(end)
    canonical = "".join(out)
    canonical = _unconfuse_mixed_words(canonical)
    if canonical == text:
        return CanonicalText(text, text)
    return CanonicalText(text, canonical, tuple(starts), tuple(ends))


def _pieces(text: str):
    """(piece, start, end): HTML character references, or one character and its combining marks."""
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "&":
            entity = _ENTITY.match(text, index)
            if entity is not None:
                decoded = html.unescape(entity.group(0))
                if decoded != entity.group(0):
                    yield decoded, index, entity.end()
                    index = entity.end()
                    continue
        if char in _NUMBER_GLUE and _inside_number(text, index):
            yield "", index, index + 1
            index += 1
            continue
        end = index + 1
        # marks join their base so NFKC can compose them ("e" + U+0301 -> "é")
        while (
            end < length and unicodedata.combining(text[end]) and text[end] not in _IGNORABLE_EXTRA
        ):
            end += 1
        yield text[index:end], index, end
        index = end


def _inside_number(text: str, index: int) -> bool:
    """A fixed-width space that is glue, not a separator: next to another space, or between a
    digit and "-", "." or "/" ("460\u202f-89"). Between two digits it stays a separator
    ("10\u00a0000", "0176\u00a02345")."""
    before = _ascii_digit(text[index - 1]) if index > 0 else ""
    after = _ascii_digit(text[index + 1]) if index + 1 < len(text) else ""
    if before.isdigit() and after.isdigit():
        return False
    if (before == " " and after[:1].isdigit()) or (after == " " and before[:1].isdigit()):
        return True
    return (
        before in _NUMBER_PART
        and after in _NUMBER_PART
        and bool(before)
        and bool(after)
        and (before.isdigit() or after.isdigit())
    )


def _ascii_digit(char: str) -> str:
    if char.isdigit() and not char.isascii():
        try:
            return str(unicodedata.decimal(char))
        except ValueError:
            return char
    return char


def _canonical_piece(piece: str) -> str:
    if len(piece) == 1 and piece.isascii():
        return piece
    if len(piece) == 1:
        char = piece
        category = unicodedata.category(char)
        if category == "Cf" or char in _IGNORABLE_EXTRA:
            return ""
        if category == "Zs":
            return " "
        if category in ("Zl", "Zp"):
            return "\n"
        if category == "Pd" or char == "\u2212":
            return "-"
        if category == "Nd":
            return str(unicodedata.decimal(char))
        if char in _QUOTES:
            return _QUOTES[char]
    normal = unicodedata.normalize("NFKC", piece)
    # NFKC can itself produce characters handled above (e.g. a full-width space)
    return "".join(_canonical_piece(c) if not c.isascii() and c != piece else c for c in normal)


def _unconfuse_mixed_words(text: str) -> str:
    """Latin look-alikes replaced inside words that mix ASCII with another script."""
    if text.isascii():
        return text
    table = _latin_confusables()

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.isascii() or not any(c.isascii() for c in word):
            return word
        if not any(c in table for c in word):
            return word
        return "".join(table.get(c, c) for c in word)

    return _WORD.sub(fix, text)


@lru_cache(maxsize=1)
def _latin_confusables() -> dict[str, str]:
    rows = resources.files("localfirst.text").joinpath("data/latin_confusables.tsv")
    table: dict[str, str] = {}
    for line in rows.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            char, latin, _name = line.split("\t", 2)
            table[char] = latin
    return table
