"""The gate with the real analyzer: what it must flag, what it must let pass, and how it reports."""

from __future__ import annotations

import copy
import sys
import threading
from collections import OrderedDict

import pytest

from localfirst.config import PrivacyConfig
from localfirst.errors import UserError
from localfirst.privacy import recognizers
from localfirst.privacy.gate import PrivacyGate, gate_fingerprint
from localfirst.routing.router import Router
from localfirst.storage.history import History
from localfirst.types.decision import Availability, Target
from localfirst.types.messages import ChatMessage, Role

from .conftest import TEST_SPACY_MODEL


@pytest.mark.parametrize(
    ("text", "expected_type"),
    [
        ("Please email the contract to jan.kowalski@fastmail.pl today.", "EMAIL_ADDRESS"),
        ("You can reach me on +44 7825 413906 after six.", "PHONE_NUMBER"),
        ("Call my office at (212) 684-3187 tomorrow.", "PHONE_NUMBER"),
        ("Ship it to 17 Marlowe Street, London NW1 6XE.", "STREET_ADDRESS"),
        ("I moved to Pohlstrasse 9 in Berlin last year.", "STREET_ADDRESS"),
        ("Send the letter to PO Box 4411, Springfield.", "STREET_ADDRESS"),
        ("the shop is located at 41 birch lane\nold harbour\n 30418.", "STREET_ADDRESS"),
        ("My card number is 4532 0151 1283 0366, expiry 09/27.", "CREDIT_CARD"),
        ("Transfer it to GB29NWBK60161331926819 please.", "IBAN_CODE"),
        ("My home server at 81.2.69.142 keeps dropping connections.", "IP_ADDRESS"),
        ("My social security number is 536-22-8704.", "US_SSN"),
        ("Write a birthday poem for my neighbour Krzysztof Wiśniewski.", "PERSON"),
        ("My name is Rubija and I need help with a form.", "PERSON"),
        (
            "I was diagnosed with bipolar disorder last spring; how do I tell my boss?",
            "HEALTH_INFO",
        ),
        ("export AWS_ACCESS_KEY_ID=" + "AKIA" + "Z7QPL3XM2RT5KW4N", "AWS_ACCESS_KEY"),
        ("token = 'ghp_XIxB7KMNdAr3zqWtQqhE94qglHqOzn1D1stg'", "GITHUB_TOKEN"),
        (
            "-----BEGIN RSA "
            + "PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA "
            + "PRIVATE KEY-----",
            "PRIVATE_KEY",
        ),
        ("db_password = 'hunter2-Staging!'", "PASSWORD"),
        ("DATABASE_URL=postgres://admin:s3cretPa55@db.internal:5432/app", "CONNECTION_STRING"),
        (
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "JWT",
        ),
    ],
)
def test_sensitive_types_are_flagged(gate: PrivacyGate, text: str, expected_type: str) -> None:
    verdict = gate.check_text(text)
    assert verdict.sensitive
    assert expected_type in verdict.sensitive_types


@pytest.mark.parametrize(
    "text",
    [
        "Why does my_list.append(item) return None in Python?",
        "Refactor getUserName() and parseConfigFile() into one helper class.",
        "Alice and Bob exchange keys with Diffie-Hellman; how does Eve fail to read the secret?",
        "David has three sisters. Each of them has one brother. How many brothers does David have?",
        "What if Isaac Newton had focused on biology instead of physics?",
        "Summarise the main themes of Harry Potter and compare them to Frodo Baggins' journey.",
        "Capitalized words like Wisdom and Discipline are often mistaken with names.",
        "How do I check my balance on my credit card?",
        "Compose a travel blog post about a recent trip to Hawaii.",
        "The stock closed at 164.25 on Monday and 168.35 on Tuesday.",
    ],
)
def test_benign_look_alikes_pass(gate: PrivacyGate, text: str) -> None:
    verdict = gate.check_text(text)
    assert not verdict.sensitive, [(f.type, text[f.start : f.end]) for f in verdict.findings]


@pytest.mark.parametrize(
    "text",
    [
        "They never pick up at 612 345 987.",
        "Can someone ring me on 8841 2290 tonight?",
        "My mobile: 31-62-48-07",
        "Try 0471 28 93 15 after lunch.",
        "The office line is (31) 4627-1180.",
        "text me: 2064419173",  # a bare run of digits, lifted by the context word
        "Dial +351 912 345 678 from abroad.",
    ],
)
def test_local_phone_formats_are_flagged(gate: PrivacyGate, text: str) -> None:
    assert "PHONE_NUMBER" in gate.check_text(text).sensitive_types


@pytest.mark.parametrize(
    "text",
    [
        "Upgrade Python from 3.11.7 to 3.12.1 and list the breaking changes.",
        "The laptop is 1 299,99 EUR and the monitor $349.",
        "The meeting is on 2024-03-15 at 14:30, the review on 12.05.2024.",
        "Compute 1234 + 5678 and 123 456 * 789.",
        "My order #123 456 7890 has not arrived; order number 123-456-7890 either.",
        "Sort the numbers 34 12 78 56 90 11 45 in ascending order.",
        "Steps:\n1 preheat the oven\n2 mix the flour\n3 bake for 2000 seconds",
        "Use 2065550173 as the random seed.",
        "Set port 8080, timeout 30000 ms and batch size 512.",
        "The population grew from 7 900 000 people to 8 100 000 people.",
    ],
)
def test_numbers_that_are_not_phone_numbers_pass(gate: PrivacyGate, text: str) -> None:
    verdict = gate.check_text(text)
    assert not verdict.sensitive, [(f.type, text[f.start : f.end]) for f in verdict.findings]


def test_quasi_identifiers_are_reported_but_not_sensitive(gate: PrivacyGate) -> None:
    verdict = gate.check_text("We visited Lisbon in March 2019 with colleagues from Siemens.")
    assert not verdict.sensitive
    reported = {f.type for f in verdict.findings}
    assert {"LOCATION", "DATE_TIME"} <= reported
    assert all(not f.sensitive for f in verdict.findings)


def test_public_figure_is_reported_not_sensitive(gate: PrivacyGate) -> None:
    verdict = gate.check_text("What if Alan Turing had not cracked the Enigma code?")
    assert not verdict.sensitive
    assert "PUBLIC_FIGURE" in {f.type for f in verdict.findings}


def test_only_an_earlier_turn_holds_a_phone_number(gate: PrivacyGate) -> None:
    payload = [
        ChatMessage(Role.SYSTEM, "You are a helpful assistant."),
        ChatMessage(Role.USER, "My mobile is 0176 2345 6789, text me when it is done."),
        ChatMessage(Role.ASSISTANT, "Sure, I will let you know."),
        ChatMessage(Role.USER, "Now explain how photosynthesis works."),
    ]
    verdict = gate.check_payload(payload)
    assert verdict.sensitive
    phone = [f for f in verdict.findings if f.type == "PHONE_NUMBER"]
    assert phone and {f.source for f in phone} == {"turn 0"}
    start, end = phone[0].start, phone[0].end
    assert payload[1].content[start:end].replace(" ", "") == "017623456789"
    assert verdict.reasons == ("PHONE_NUMBER in turn 0",)
    assert not gate.check_text(payload[-1].content).sensitive


def test_system_prompt_is_judged(gate: PrivacyGate) -> None:
    payload = [
        ChatMessage(Role.SYSTEM, "The user is Margarethe Vollmer, born 12 May 1961."),
        ChatMessage(Role.USER, "Suggest a dinner recipe."),
    ]
    verdict = gate.check_payload(payload)
    assert verdict.sensitive
    assert {f.source for f in verdict.findings if f.sensitive} == {"system"}


def test_reasons_and_findings_never_hold_values(gate: PrivacyGate) -> None:
    text = "Write to maria.oliveira@example.org or call 030 12345678 with password=Tr0ub4dor&3"
    verdict = gate.check_text(text)
    assert verdict.sensitive
    rendered = repr(verdict.reasons) + repr([f.as_dict() for f in verdict.findings])
    for secret in ("maria.oliveira", "12345678", "Tr0ub4dor"):
        assert secret not in rendered


def test_unchanged_turns_are_not_analysed_again(
    gate: PrivacyGate, monkeypatch: pytest.MonkeyPatch
) -> None:
    analysed: list[str] = []
    real_find = gate._find

    def recording_find(text: str):
        analysed.append(text)
        return real_find(text)

    monkeypatch.setattr(gate, "_find", recording_find)
    turns = [
        ChatMessage(Role.USER, f"Question number {i} about sorting algorithms?") for i in range(6)
    ]
    gate.check_payload(turns[:5])
    analysed.clear()
    gate.check_payload(turns)
    assert analysed == [turns[-1].content]


def test_deny_and_allow_terms(tmp_path) -> None:
    config = PrivacyConfig(
        spacy_model=TEST_SPACY_MODEL, deny_terms=["Project Bluefin"], allow_terms=["Krzysztof"]
    )
    gate = PrivacyGate.build(config, offline=True, cache_dir=tmp_path)
    denied = gate.check_text("Draft the launch plan for project bluefin.")
    assert denied.sensitive_types == ["DENY_TERM"]
    allowed = gate.check_text("Write a short poem about Krzysztof.")
    assert not allowed.sensitive


def test_a_gate_that_cannot_load_raises_a_user_error(tmp_path) -> None:
    with pytest.raises(UserError, match="not installed"):
        PrivacyGate.build(
            PrivacyConfig(spacy_model="no_such_pipeline_xx"), offline=True, cache_dir=tmp_path
        )


def test_analysis_failure_fails_closed(gate: PrivacyGate) -> None:
    verdict = gate.check_payload([ChatMessage(Role.USER, None)])  # type: ignore[arg-type]
    assert verdict.error and "privacy gate failed" in verdict.error
    assert not verdict.findings


def test_router_keeps_a_conversation_with_an_earlier_phone_number_local(gate: PrivacyGate) -> None:
    router = Router(
        gate_factory=lambda: gate,
        scorer_factory=None,
        availability=lambda: Availability(local_model="tiny", cloud_model="anthropic/claude"),
    )
    payload = [
        ChatMessage(Role.USER, "My number is 0176 2345 6789."),
        ChatMessage(Role.ASSISTANT, "Noted."),
        ChatMessage(Role.USER, "Write a haiku about autumn."),
    ]
    decision = router.route(payload)
    assert decision.target is Target.LOCAL
    assert decision.sensitive
    assert any(f.source == "turn 0" and f.type == "PHONE_NUMBER" for f in decision.entities)


def test_analysis_makes_no_network_connection(gate: PrivacyGate) -> None:
    """An audit hook fails on any socket use while e-mail domains are checked (tldextract)."""
    attempts: list[tuple] = []
    watching = True

    def hook(event: str, args: tuple) -> None:
        if watching and event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname"):
            attempts.append((event, args))
            raise ConnectionRefusedError("the privacy gate must not use the network")

    sys.addaudithook(hook)  # hooks cannot be removed; `watching` switches this one off
    try:
        recognizers.offline_tld_extractor.cache_clear()
        gate._cache.clear()
        verdict = gate.check_text("Contact olga.petrova@mail.example.co.uk about the invoice.")
    finally:
        watching = False
    assert attempts == []
    assert "EMAIL_ADDRESS" in verdict.sensitive_types


def test_long_text_is_read_in_windows_and_a_straddling_identifier_is_found(
    gate: PrivacyGate,
) -> None:
    from localfirst.privacy import gate as gate_module

    filler = "The committee reviewed the budget and the plan again. "
    head = (filler * 400)[: gate_module.WINDOW_CHARS - 12]
    text = head + "call me on 0176 2345 6789 tonight. " + filler * 200
    windows = gate_module._windows(text)
    assert len(windows) >= 2
    assert all(b - a <= gate_module.WINDOW_CHARS for a, b in windows)
    assert all(windows[i + 1][0] < windows[i][1] for i in range(len(windows) - 1))
    phone = [f for f in gate.check_text(text).findings if f.type == "PHONE_NUMBER"]
    assert [text[f.start : f.end] for f in phone] == ["0176 2345 6789"]


@pytest.mark.parametrize(
    "text",
    [
        "Summarise the plot of Macbeth: Duncan, Banquo and Lady Macduff.",
        "My favourite character in the game is Aloy; why is she so popular?",
        "Write a fan fiction where Aragorn meets Tauriel in Bree.",
        "Hey Siri, set a timer. Why does Alexa mishear me?",
        "Translate “Buenos días” and “Guten Morgen” into English.",
        "Explain why Sherlock Holmes lived on Baker Street.",
        "The meeting is at 10:30 in room 4B; bring the Q3 report.",
        "curl https://api.example.org/v1/items returns 404",
        "من هو ابن سينا وما هي أهم كتبه؟",
    ],
)
def test_characters_assistants_greetings_and_short_codes_pass(gate: PrivacyGate, text: str) -> None:
    verdict = gate.check_text(text)
    assert not verdict.sensitive, [
        (f.type, text[f.start : f.end], f.rule) for f in verdict.findings
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Write a story for my son Leo about dragons; the plot is up to you.", "PERSON"),
        ("Patient Olawale presented with a fever of 39C and a rash.", "PERSON"),
        ("Меня зовут Артём, помогите написать резюме.", "PERSON"),
        ("Please block card no 473511 0554588 today.", "CREDIT_CARD"),
        ("Send it from GB29 NWBK 6016 1331 9268 19 please.", "IBAN_CODE"),
        ("my alexa account is fine but my daughter Alexa lost her phone", "PERSON"),
        ("Ingrid Solberg asked how to escape special characters in a regex", "PERSON"),
    ],
)
def test_own_people_and_odd_layouts_still_count(gate: PrivacyGate, text: str, kind: str) -> None:
    assert kind in gate.check_text(text).sensitive_types


@pytest.mark.parametrize(
    "text",
    [
        'Write a function isValidEmail(email) in TypeScript with tests for "a@b.co" and "bad@".',
        "I get \"ERROR 1045 (28000): Access denied for user 'root'@'localhost'\". Why?",
        "Refactor: def calc(a, b, c): return (a * 1.08 + b) / c if c else 0",
        "How do I set LD_LIBRARY_PATH=/opt/cuda/lib64 permanently on Ubuntu 22.04?",
        "kubectl logs api-7d9f8b6c4-x2kq9 --previous shows CrashLoopBackOff",
    ],
)
def test_code_heavy_prompts_pass(gate: PrivacyGate, text: str) -> None:
    verdict = gate.check_text(text)
    assert not verdict.sensitive, [
        (f.type, text[f.start : f.end], f.rule) for f in verdict.findings
    ]


def test_a_transcript_labels_its_speakers(gate: PrivacyGate) -> None:
    text = "Anna: Did you call the bank?\nMarek: Not yet, tomorrow."
    assert gate.check_text(text).sensitive_types == ["PERSON"]


def _restarted(gate: PrivacyGate, store) -> PrivacyGate:
    """The same loaded parts with an empty memory, as a new process would have them (building
    a second gate from scratch would cost seconds and test nothing more)."""
    fresh = copy.copy(gate)
    fresh._cache = OrderedDict()
    fresh._lock = threading.Lock()
    fresh._store = store
    return fresh


def test_after_a_restart_earlier_turns_come_from_the_history(
    gate: PrivacyGate, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = History(tmp_path / "history.sqlite3")
    turns = [ChatMessage(Role.USER, "Mail the recipe to lena.hoffmann@mailbox.org please")] + [
        ChatMessage(Role.USER, f"Step {i} of the sourdough method?") for i in range(4)
    ]
    before = _restarted(gate, store).check_payload(turns[:4])
    analysed: list[str] = []
    after = _restarted(gate, store)
    real_find = after._find
    monkeypatch.setattr(after, "_find", lambda text: analysed.append(text) or real_find(text))
    verdict = after.check_payload(turns)
    assert analysed == [turns[-1].content]
    assert verdict.sensitive_types == before.sensitive_types == ["EMAIL_ADDRESS"]
    assert "EMAIL_ADDRESS in turn 0" in verdict.reasons


def test_a_changed_rule_or_setting_reads_nothing_stored_under_the_old_one() -> None:
    base = PrivacyConfig(spacy_model=TEST_SPACY_MODEL)
    fingerprint = gate_fingerprint(base, "en_core_web_sm 3.8.0")
    assert fingerprint == gate_fingerprint(base, "en_core_web_sm 3.8.0")
    assert fingerprint != gate_fingerprint(base, "en_core_web_lg 3.8.0")
    denied = PrivacyConfig(spacy_model=TEST_SPACY_MODEL, deny_terms=["bluefin"])
    assert fingerprint != gate_fingerprint(denied, "en_core_web_sm 3.8.0")


class _BrokenStore:
    def load_findings(self, fingerprint, digests):
        raise OSError("disk I/O error")

    def save_findings(self, fingerprint, entries):
        raise OSError("disk I/O error")


def test_a_failing_store_costs_time_never_a_verdict(gate: PrivacyGate) -> None:
    verdict = _restarted(gate, _BrokenStore()).check_text("Email me at lena.hoffmann@mailbox.org")
    assert verdict.error is None
    assert verdict.sensitive_types == ["EMAIL_ADDRESS"]
