"""Identifiers of the whole world: named by an ID word, or in a format stdnum validates."""

from __future__ import annotations

import pytest

from localfirst.privacy.gate import PrivacyGate
from localfirst.privacy.identifiers import find_identifiers


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("My passport number is K4820917, renewing it in June.", "PASSPORT"),
        ("Steuer-ID 65929970489 steht auf dem Brief.", "TAX_ID"),
        ("PESEL: 44051401458", "NATIONAL_ID"),
        ("Mi DNI es 48213907T y vivo en Sevilla.", "NATIONAL_ID"),
        ("the pin is 4821", "PIN_CODE"),
        ("Your one-time code: 702 913", "PIN_CODE"),
        ("member id: ABC-483920", "ACCOUNT_NUMBER"),
        ("身份证号码：11010519491231002X", "NATIONAL_ID"),
        ("주민등록번호 971013-9019902 입니다", "NATIONAL_ID"),
        ("driver's licence no. D2210-88431-07", "DRIVER_LICENSE"),
    ],
)
def test_an_id_word_names_the_identifier(text: str, kind: str) -> None:
    assert kind in {m.type for m in find_identifiers(text)}


@pytest.mark.parametrize(
    ("text", "module"),
    [
        ("CPF 123.456.789-09 no cadastro", "br.cpf"),
        ("Codice fiscale RSSMRA85T10A562S", "it.codicefiscale"),
        ("ID 11010519491231002X", "cn.ric"),
        ("971013-9019902", "kr.rrn"),
    ],
)
def test_distinctive_formats_count_once_stdnum_validates_them(text: str, module: str) -> None:
    assert any(module in m.rule for m in find_identifiers(text))


@pytest.mark.parametrize(
    "text",
    [
        "run 50000 iterations and print the loss",
        "pin the tab 1234 times",  # "pin" as a verb, no explicit separator
        "My number is 0176 2345 6789.",  # "my number" is English, not Japan's My Number
        "SSN: 000-00-0000",  # one repeated digit: a placeholder
        "passport number: 123456789",  # a plain run of digits
        "The CPF format is 000.000.000-00.",
        "971013-9019903",  # RRN layout with a wrong check digit
    ],
)
def test_words_and_numbers_that_are_not_identifiers(text: str) -> None:
    assert find_identifiers(text) == []


def test_a_number_two_detectors_name_is_reported_once(gate: PrivacyGate) -> None:
    text = "My social security number is 536-22-8704."
    found = [f for f in gate.check_text(text).findings if f.start == text.index("536")]
    assert [f.type for f in found] == ["US_SSN"]


def test_route_findings_name_the_rule_that_decided(gate: PrivacyGate) -> None:
    verdict = gate.check_text("Mi DNI es 48213907T.")
    rules = {f.type: f.rule for f in verdict.findings}
    assert rules["NATIONAL_ID"].startswith("identifiers: ")
    assert "DNI" in rules["NATIONAL_ID"]
