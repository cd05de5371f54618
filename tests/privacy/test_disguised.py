"""No disguised identifier passes: each invisible or look-alike character inside each kind."""

from __future__ import annotations

import pytest

from localfirst.privacy.gate import PrivacyGate
from localfirst.redaction.redactor import Redactor

DISGUISES = {
    "zero-width space": "\u200b",
    "no-break space": "\u00a0",
    "narrow no-break space": "\u202f",
    "soft hyphen": "\u00ad",
    "en dash": "\u2013",
    "word joiner": "\u2060",
    "figure space": "\u2007",
}
# (sentence with {sep} between the identifier's parts, the type it must be found as)
IDENTIFIERS = {
    "card": ("Charge my card 4929{sep}1865{sep}2037{sep}8812 tonight.", {"CREDIT_CARD"}),
    "ssn": ("My social security number is 536{sep}22{sep}8704.", {"US_SSN", "NATIONAL_ID"}),
    "email": ("Write to olek.brzeski{sep}@{sep}poczta.pl for the keys.", {"EMAIL_ADDRESS"}),
    "phone": ("Call me on 0176{sep}2345{sep}6789 after work.", {"PHONE_NUMBER"}),
    "iban": ("My IBAN is DE89{sep}3704{sep}0044{sep}0532{sep}0130{sep}00.", {"IBAN_CODE"}),
}


@pytest.mark.parametrize("disguise", sorted(DISGUISES))
@pytest.mark.parametrize("kind", sorted(IDENTIFIERS))
def test_disguised_identifiers_are_found(gate: PrivacyGate, kind: str, disguise: str) -> None:
    template, types = IDENTIFIERS[kind]
    text = template.format(sep=DISGUISES[disguise])
    verdict = gate.check_text(text)
    assert verdict.sensitive, (kind, disguise, verdict.findings)
    assert types & set(verdict.sensitive_types), verdict.sensitive_types


def test_full_width_and_arabic_indic_digits_are_found(gate: PrivacyGate) -> None:
    full_width = "My card: " + "".join(chr(0xFF10 + int(d)) for d in "4929186520378812")
    arabic = "Call " + "".join(chr(0x0660 + int(d)) for d in "01762345678")
    assert "CREDIT_CARD" in gate.check_text(full_width).sensitive_types
    assert "PHONE_NUMBER" in gate.check_text(arabic).sensitive_types


def test_a_finding_points_at_the_original_characters(gate: PrivacyGate) -> None:
    text = "Charge my card 4929\u200b1865\u200b2037\u200b8812 tonight."
    card = next(f for f in gate.check_text(text).findings if f.type == "CREDIT_CARD")
    assert text[card.start : card.end] == "4929\u200b1865\u200b2037\u200b8812"


def test_redaction_replaces_the_disguised_value_whole(gate: PrivacyGate) -> None:
    from localfirst.redaction.placeholders import PlaceholderMap
    from localfirst.types.messages import ChatMessage, Role

    text = "Call me on 0176\u200b2345\u200b6789 and tell me the score."
    payload = [ChatMessage(Role.USER, text)]
    redacted = Redactor().redact(
        payload, gate.check_payload(payload).findings, {"PHONE_NUMBER"}, PlaceholderMap()
    )
    sent = redacted.messages[-1].content
    assert "<PHONE_NUMBER_1>" in sent
    assert "0176" not in sent and "6789" not in sent and "\u200b" not in sent
