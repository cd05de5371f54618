"""The redactor over the real gate: every value of an allowed type leaves, stably, in every turn."""

import pytest

from localfirst.config import DEFAULT_REDACTION_TYPES
from localfirst.redaction.placeholders import PLACEHOLDER, PlaceholderMap
from localfirst.redaction.redactor import Redactor, message_index, residual_findings
from localfirst.types.messages import ChatMessage, Role
from localfirst.types.verdict import Finding, GateVerdict

ALLOWED = frozenset(DEFAULT_REDACTION_TYPES)
NAME, EMAIL, PHONE = "Maria Gonzalez", "maria.gonzalez@fastmail.com", "415-738-0132"
CONVERSATION = [
    ChatMessage(Role.SYSTEM, "You are a helpful assistant."),
    ChatMessage(Role.USER, f"My client {NAME} ({EMAIL}, phone {PHONE}) needs an estate plan."),
    ChatMessage(Role.ASSISTANT, f"Happy to help {NAME}. What does she own?"),
    ChatMessage(Role.USER, "Compare a revocable trust with a will for Maria, step by step."),
]


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def redact(gate, redactor, payload, placeholders=None, allowed=ALLOWED):
    placeholders = placeholders if placeholders is not None else PlaceholderMap()
    verdict = gate.check_payload(payload)
    return redactor.redact(payload, verdict.findings, allowed, placeholders), placeholders


def test_every_value_leaves_every_turn_and_the_recheck_is_clean(redaction_gate, redactor) -> None:
    redacted, placeholders = redact(redaction_gate, redactor, CONVERSATION)
    sent = "\n".join(m.content for m in redacted.messages)
    for value in (NAME, EMAIL, PHONE, "Maria"):
        assert value not in sent
    assert "<PERSON_1>" in redacted.messages[2].content, "the assistant's turn is redacted too"
    assert "for <PERSON_1>," in redacted.messages[3].content, "a first name stands for the person"
    assert placeholders.restorations()["<PERSON_1>"] == NAME
    assert {"<PERSON_1>", "<EMAIL_ADDRESS_1>", "<PHONE_NUMBER_1>"} <= set(redacted.placeholders)
    recheck = redaction_gate.check_payload(redacted.messages)
    assert residual_findings(recheck, redacted.messages) == ()


def test_the_system_prompt_carries_a_note_on_placeholders(redaction_gate, redactor) -> None:
    redacted, _ = redact(redaction_gate, redactor, CONVERSATION)
    system = redacted.messages[0]
    assert system.role is Role.SYSTEM
    assert system.content.startswith("You are a helpful assistant.")
    assert "placeholders such as <PERSON_1>" in system.content
    alone, _ = redact(redaction_gate, redactor, CONVERSATION[1:])
    assert alone.messages[0].role is Role.SYSTEM and len(alone.messages) == 4


def test_a_later_turn_reuses_the_conversations_placeholders(redaction_gate, redactor) -> None:
    _, placeholders = redact(redaction_gate, redactor, CONVERSATION[:2])
    later = [
        *CONVERSATION,
        ChatMessage(Role.ASSISTANT, "A trust avoids probate."),
        ChatMessage(Role.USER, f"Write to {EMAIL} and cc Tom Baker at tom.baker@example.org."),
    ]
    redacted, placeholders = redact(redaction_gate, redactor, later, placeholders)
    assert redacted.messages[-1].content == (
        "Write to <EMAIL_ADDRESS_1> and cc <PERSON_2> at <EMAIL_ADDRESS_2>."
    )
    assert placeholders.value_of("<PERSON_2>") == "Tom Baker"


def test_a_value_the_gate_missed_in_one_turn_is_hidden_once_known(redactor) -> None:
    placeholders = PlaceholderMap()
    payload = [
        ChatMessage(Role.USER, f"Her number is {PHONE}."),
        ChatMessage(Role.USER, f"ref {PHONE}"),
    ]
    only_first = [Finding("PHONE_NUMBER", 14, 26, 0.9, source="turn 0")]
    redacted = redactor.redact(payload, only_first, ALLOWED, placeholders)
    assert [m.content for m in redacted.messages[1:]] == [
        "Her number is <PHONE_NUMBER_1>.",
        "ref <PHONE_NUMBER_1>",
    ]


def test_types_that_are_not_allowed_are_left_for_the_recheck_to_catch(
    redaction_gate, redactor
) -> None:
    key = "AKIA" + "Z7QPL3XM2RT5KW4N"
    payload = [ChatMessage(Role.USER, f"Maria Gonzalez's key is {key}, rotate it.")]
    redacted, _ = redact(redaction_gate, redactor, payload)
    assert key in redacted.messages[-1].content and NAME not in redacted.messages[-1].content
    recheck = redaction_gate.check_payload(redacted.messages)
    assert {f.type for f in residual_findings(recheck, redacted.messages)} >= {"AWS_ACCESS_KEY"}
    redacted, _ = redact(redaction_gate, redactor, payload, allowed=ALLOWED | {"AWS_ACCESS_KEY"})
    assert key not in redacted.messages[-1].content
    assert "<AWS_ACCESS_KEY_1>" in redacted.messages[-1].content


def test_a_placeholder_the_user_typed_is_not_taken_for_ours(redaction_gate, redactor) -> None:
    payload = [ChatMessage(Role.USER, "Replace <PERSON_1> with Maria Gonzalez in the letter.")]
    redacted, placeholders = redact(redaction_gate, redactor, payload)
    assert redacted.messages[-1].content == "Replace <PERSON_1> with <PERSON_2> in the letter."
    assert placeholders.restorations() == {"<PERSON_2>": NAME}
    assert redacted.placeholders == ("<PERSON_2>",)


def test_nothing_to_redact_leaves_the_payload_as_it_was(redaction_gate, redactor) -> None:
    payload = [ChatMessage(Role.USER, "Explain how a revocable trust works.")]
    redacted, _ = redact(redaction_gate, redactor, payload)
    assert redacted.messages == tuple(payload) and redacted.placeholders == ()


def test_residue_counts_unless_it_is_only_a_placeholder(redaction_gate) -> None:
    partial = [ChatMessage(Role.USER, f"<PERSON_1> can be reached on {PHONE}.")]
    verdict = redaction_gate.check_payload(partial)
    assert [f.type for f in residual_findings(verdict, partial)] == ["PHONE_NUMBER"]
    # a finding that covers a placeholder only is the gate reading our own text
    ours = GateVerdict((Finding("PERSON", 0, 10, 0.8),))
    assert residual_findings(ours, partial) == ()
    # one that reaches past it still holds something
    reaching = GateVerdict((Finding("PERSON", 0, 14, 0.8),))
    assert residual_findings(reaching, partial) == reaching.findings
    # a quasi-identifier does not block, and a finding that cannot be placed does
    quasi = GateVerdict((Finding("LOCATION", 30, 40, 0.8, sensitive=False),))
    assert residual_findings(quasi, partial) == ()
    lost = GateVerdict((Finding("PERSON", 0, 4, 0.8, source="turn 7"),))
    assert residual_findings(lost, partial) == lost.findings


def test_sources_name_the_right_message() -> None:
    assert [message_index(s, CONVERSATION) for s in ("system", "turn 0", "turn 1", "prompt")] == [
        0,
        1,
        2,
        3,
    ]
    assert message_index("turn 2", CONVERSATION) is None  # the prompt is not a "turn"
    assert message_index("history", CONVERSATION) is None
    assert message_index("prompt", []) is None


def test_placeholders_stay_inside_what_the_pattern_finds(redaction_gate, redactor) -> None:
    redacted, placeholders = redact(redaction_gate, redactor, CONVERSATION)
    for message in redacted.messages[1:]:
        for match in PLACEHOLDER.finditer(message.content):
            assert placeholders.value_of(match.group(0)) is not None


def test_what_the_recheck_still_finds_is_redacted_in_another_round(
    redaction_gate, redactor
) -> None:
    payload = [ChatMessage(Role.USER, f"Maria Gonzalez, phone {PHONE}, needs a will.")]
    only_the_phone = [Finding("PHONE_NUMBER", 22, 34, 0.9)]
    checked = redactor.redact_checked(
        payload, only_the_phone, ALLOWED, PlaceholderMap(), redaction_gate.check_payload
    )
    assert checked.payload is not None and checked.rounds == 2
    assert (
        checked.payload.messages[-1].content == "<PERSON_1>, phone <PHONE_NUMBER_1>, needs a will."
    )
    assert checked.payload.messages[0].content.count("placeholders such as") == 1


def test_a_recheck_finding_of_a_type_not_allowed_stops_it(redaction_gate, redactor) -> None:
    key = "AKIA" + "Z7QPL3XM2RT5KW4N"
    payload = [ChatMessage(Role.USER, f"Maria Gonzalez's key is {key}.")]
    verdict = redaction_gate.check_payload(payload)
    checked = redactor.redact_checked(
        payload, verdict.findings, ALLOWED, PlaceholderMap(), redaction_gate.check_payload
    )
    assert checked.payload is None and checked.rounds == 1
    assert "AWS_ACCESS_KEY in prompt" in checked.problem
    assert checked.problem.startswith("still sensitive after redaction")


def test_a_recheck_that_cannot_run_sends_nothing(redactor) -> None:
    payload = [ChatMessage(Role.USER, f"Call {PHONE}.")]
    checked = redactor.redact_checked(
        payload,
        [Finding("PHONE_NUMBER", 5, 17, 0.9)],
        ALLOWED,
        PlaceholderMap(),
        lambda messages: GateVerdict.failed("spaCy pipeline missing"),
    )
    assert checked.payload is None
    assert checked.problem == "the redacted text could not be checked (spaCy pipeline missing)"
