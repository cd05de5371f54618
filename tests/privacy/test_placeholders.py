"""Stage two: documented example values are reported, cleared, and say which rule cleared them."""

from __future__ import annotations

import pytest

from localfirst.privacy.gate import PrivacyGate
from localfirst.privacy.placeholders import clearance


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("EMAIL_ADDRESS", "someone@example.com"),
        ("EMAIL_ADDRESS", "ops@mail.example.org"),
        ("EMAIL_ADDRESS", "dev@build.test"),
        ("IP_ADDRESS", "192.0.2.14"),
        ("IP_ADDRESS", "2001:db8::1"),
        ("IP_ADDRESS", "10.0.3.7"),
        ("IP_ADDRESS", "8.8.8.8"),
        ("PHONE_NUMBER", "(312) 555-0142"),
        ("PHONE_NUMBER", "+44 7700 900461"),
        ("CREDIT_CARD", "4242 4242 4242 4242"),
        ("US_SSN", "111-11-1111"),
        ("STREET_ADDRESS", "1600 Pennsylvania Avenue"),
    ],
)
def test_documented_and_public_values_are_cleared(kind: str, value: str) -> None:
    assert clearance(kind, value)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("EMAIL_ADDRESS", "olek@poczta.pl"),
        ("EMAIL_ADDRESS", "me@example-shop.com"),  # not the reserved domain
        ("IP_ADDRESS", "81.2.69.142"),
        ("PHONE_NUMBER", "(312) 555-0242"),
        ("CREDIT_CARD", "4532 0151 1283 0366"),
        ("STREET_ADDRESS", "17 Marlowe Street"),
    ],
)
def test_real_looking_values_are_not_cleared(kind: str, value: str) -> None:
    assert clearance(kind, value) is None


def test_documented_example_credentials_are_cleared_only_as_credentials() -> None:
    aws_example = "AKIA" + "IOSFODNN7" + "EXAMPLE"
    assert clearance("AWS_ACCESS_KEY", aws_example, credential=True)
    assert clearance("AWS_ACCESS_KEY", "AKIA" + "Z7QPL3XM2RT5KW4N", credential=True) is None


def test_a_cleared_finding_is_reported_with_its_rule(gate: PrivacyGate) -> None:
    verdict = gate.check_text("Send the invite to someone@example.com for the demo.")
    assert not verdict.sensitive
    email = next(f for f in verdict.findings if f.type == "EMAIL_ADDRESS")
    assert "RFC 2606" in email.rule


def test_health_questions_with_no_person_attached_pass(gate: PrivacyGate) -> None:
    text = "What are common side effects of metformin for patients with diabetes? They have to eat."
    assert "HEALTH_INFO" not in gate.check_text(text).sensitive_types
    assert (
        "HEALTH_INFO"
        in gate.check_text("My mother has diabetes; what should she eat?").sensitive_types
    )
