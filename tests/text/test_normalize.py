"""The canonical form every detector reads, and the map back to what the user wrote."""

from __future__ import annotations

import pytest

from localfirst.text.normalize import canonicalize

INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "soft hyphen": "\u00ad",
    "BOM": "\ufeff",
    "right-to-left mark": "\u200f",
}


@pytest.mark.parametrize("name", sorted(INVISIBLE))
def test_invisible_characters_are_removed_and_spans_cover_them(name: str) -> None:
    original = f"card 4929{INVISIBLE[name]}1234 end"
    canonical = canonicalize(original)
    assert canonical.text == "card 49291234 end"
    start = canonical.text.index("4929")
    start_o, end_o = canonical.original_span(start, start + 8)
    assert original[start_o:end_o] == f"4929{INVISIBLE[name]}1234"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\u00a0b", "a b"),  # no-break space
        ("a\u202fb", "a b"),  # narrow no-break space
        ("a\u2009b", "a b"),  # thin space
        ("a\u3000b", "a b"),  # ideographic space
        ("a\u2028b", "a\nb"),  # line separator
        ("12\u201334", "12-34"),  # en dash
        ("12\u201434", "12-34"),  # em dash
        ("12\u221234", "12-34"),  # minus sign
        ("\uff11\uff12\uff13", "123"),  # full-width digits
        ("\u0661\u0662\u0663", "123"),  # Arabic-Indic digits
        ("\u096a\u096b", "45"),  # Devanagari digits
        ("\u2018quoted\u2019 \u201cdouble\u201d", "'quoted' \"double\""),
        ("pass&quot;x&quot; &#64; &amp;", 'pass"x" @ &'),
        ("\U0001d429\U0001d41a\U0001d42c\U0001d42c", "pass"),  # mathematical bold letters
        ("e\u0301t\u00e9", "\u00e9t\u00e9"),  # a combining accent composes
    ],
)
def test_look_alike_characters_take_their_ascii_form(raw: str, expected: str) -> None:
    assert canonicalize(raw).text == expected


def test_mixed_script_words_lose_their_look_alike_letters() -> None:
    # Cyrillic а and о inside a Latin word; a wholly Cyrillic word stays as it is
    assert canonicalize("p\u0430ssw\u043erd: Москва").text == "password: Москва"


def test_plain_ascii_is_returned_unchanged_without_a_map() -> None:
    canonical = canonicalize("plain text 123")
    assert not canonical.changed
    assert canonical.original_span(6, 10) == (6, 10)


def test_expansions_map_every_produced_character_to_their_source() -> None:
    original = "x \ufb01le y"  # the ligature "ﬁ" becomes two letters
    canonical = canonicalize(original)
    assert canonical.text == "x file y"
    assert canonical.original_span(2, 6) == (2, 5)
