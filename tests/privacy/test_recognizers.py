"""The gate's own recognizers without the analyzer: phone layouts, IBAN check digits."""

from __future__ import annotations

import re

import pytest

from localfirst.privacy.recognizers import _PHONE_CANDIDATE, iban_checksum_ok, phone_score


def _best_phone_score(text: str) -> float:
    return max((phone_score(text, *m.span()) for m in _PHONE_CANDIDATE.finditer(text)), default=0)


@pytest.mark.parametrize(
    "text",
    [
        "You can reach me at 612 345 987 after lunch.",  # 3-3-3, no context word needed
        "We never got through to 47 318 902.",
        "Ring the front desk on 8841 2290.",
        "Leave a voicemail on 31-62-48-07.",
        "My cell is 0612-3459870.",
        "Try 0471 28 93 15 in the evening.",
        "The office line is (31) 4627-1180.",
        "Our Paris number is 01.42.68.53.00.",
        "Dial +351 912 345 678 from abroad.",
        "It is +44 (0)20 7946 0958 for London.",
        "Call 1-800-555-0199 for support.",
    ],
)
def test_local_phone_layouts_score_as_phones(text: str) -> None:
    assert _best_phone_score(text) >= 0.5


@pytest.mark.parametrize(
    "text",
    [
        "Upgrade from version 3.11.7 to 3.12.1 first.",  # versions
        "The laptop costs $1 299 000 in the sketch.",  # prices
        "It costs 1 299,99 EUR including tax.",
        "The meeting is on 2024-03-15 at 14:30.",  # dates and times
        "Born 12.05.1987 in Oslo.",
        "The war lasted from 1939-1945.",
        "Solve 1234 + 5678 = ?",  # maths
        "What is 123 456 * 789?",
        "My order #123 456 7890 has not arrived.",  # order and reference numbers
        "Order number 123-456-7890, when will it ship?",
        "Sort these numbers: 34 12 78 56 90 11 45",  # lists of numbers
        "The population is 7 900 000 people.",  # quantities
        "Ping 192.168.100.200 and report the latency.",  # an IP address
        "Use port 8080 and timeout 30000 ms.",
        "The price went from 164.25 to 168.35.",
    ],
)
def test_numbers_that_are_not_phones_score_zero_or_need_context(text: str) -> None:
    assert _best_phone_score(text) < 0.4


def test_a_bare_digit_run_needs_a_context_word() -> None:
    assert 0 < _best_phone_score("2065550173") < 0.4


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("GB29NWBK60161331926819", True),
        ("gb29nwbk60161331926819", True),
        ("DE89 3704 0044 0532 0130 00", True),
        ("GB29NWBK60161331926818", False),
        ("AB12CDEF", False),
    ],
)
def test_iban_check_digits(iban: str, valid: bool) -> None:
    assert iban_checksum_ok(iban) is valid


def test_phone_candidates_never_start_inside_a_word_or_number() -> None:
    spans = [m.group(0) for m in _PHONE_CANDIDATE.finditer("id=A1234567 v1.2.3456789 x$5551234")]
    assert not any(re.fullmatch(r"\d{7,}", s) for s in spans)
