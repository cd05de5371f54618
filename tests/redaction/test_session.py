"""Redact-then-escalate through the session, against the loopback cloud servers.

The promise under test: with redaction on, a hard prompt holding names, e-mail addresses and
phone numbers reaches the cloud with none of those values in any request body, earlier turns
included; the reply's placeholders are restored on screen even when split across chunks;
credentials are never sent, even redacted, unless the user allows their type; and a payload
the gate still flags after redaction is not sent at all.
"""

from dataclasses import replace

import pytest

from fakes.keys import fake_api_key
from fakes.provider_server import Reply
from localfirst.config import PrivacyConfig, RedactionConfig, RoutingConfig
from localfirst.explain import fallback_text
from localfirst.privacy.gate import PrivacyGate
from localfirst.redaction.transcript import describe_sent, sent_payload
from localfirst.types.decision import Override, Target
from localfirst.types.events import FellBack, RouteDecided, TextDelta
from localfirst.types.messages import MessageStatus

from .conftest import TEST_SPACY_MODEL

NAME, EMAIL, PHONE = "Maria Gonzalez", "maria.gonzalez@fastmail.com", "415-738-0132"
FIRST = (
    f"My client {NAME} ({EMAIL}, phone {PHONE}) wants an estate plan. Compare a revocable "
    "living trust with a will for her, step by step, with the tax consequences of each."
)
ECHO = Reply.text(
    "Dear <PER", "SON_1>, I will write to <EMAIL_", "ADDRESS_1> and call ", "<PHONE_NUMBER_1>."
)
RESTORED = f"Dear {NAME}, I will write to {EMAIL} and call {PHONE}."
FOLLOW_UP = "Now draft the letter to Maria explaining the trust, and cc Tom Baker."
ORIGINALS = (NAME, EMAIL, PHONE, "Maria", "Tom Baker")


def cloud_services(services, server, monkeypatch, gate, redaction: RedactionConfig):
    """Real services on the loopback provider, the shared gate, every clean prompt escalating."""
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(f"{server.provider.upper()}_API_KEY", fake_api_key(server.provider))
    config = services.config
    services.config = replace(
        config,
        cloud=replace(config.cloud, retry_budget=0.0, timeout=2.0),
        routing=RoutingConfig(keep_local_share=0.0),
        redaction=redaction,
    )
    services._build_gate = lambda: gate  # one gate for the whole run: building it takes seconds
    return services


@pytest.fixture(params=["anthropic", "openai"])
def provider(request):
    return request.getfixturevalue(f"{request.param}_server")


@pytest.fixture
def redacting(services, provider, monkeypatch, redaction_gate):
    return cloud_services(
        services, provider, monkeypatch, redaction_gate, RedactionConfig(enabled=True)
    )


async def send(session, prompt, **kwargs):
    return [e async for e in session.send(prompt, **kwargs)]


def shown(events) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_names_emails_and_phones_never_reach_the_cloud(redacting, provider) -> None:
    provider.enqueue(ECHO)
    session = redacting.new_session()
    events = await send(session, FIRST)
    decision = events[0].decision
    assert decision.target is Target.CLOUD and decision.redacted
    assert "redacted, then escalated" in decision.reasons[0]
    assert shown(events) == RESTORED, "placeholders split across chunks are restored"

    provider.enqueue(Reply.text("Dear <PERSON_1>, ...", " cc: <PERSON_2>"))
    events = await send(session, FOLLOW_UP)
    assert events[0].decision.redacted
    assert shown(events) == f"Dear {NAME}, ... cc: Tom Baker"

    assert len(provider.requests) == 2
    for request in provider.requests:
        for value in ORIGINALS:
            assert value not in request.sent_text
    second = provider.requests[1].sent_text
    assert "<PERSON_1>" in second and "<PERSON_2>" in second, (
        "the same person, the same placeholder"
    )

    _, reply, user2, reply2 = redacting.history.messages(session.conversation.id)
    assert (reply.content, reply.status) == (RESTORED, MessageStatus.COMPLETE)
    assert reply2.content == f"Dear {NAME}, ... cc: Tom Baker"
    assert user2.content == FOLLOW_UP, "the history keeps what the user typed"
    # the transcript says it went redacted and holds exactly what was sent
    assert reply2.route["redacted"] is True
    for message in sent_payload(reply2.route):
        assert message.content in second
    assert "Maria" not in describe_sent(reply2.route)
    assert reply2.route["redaction"]["placeholders"]["<PERSON_2>"]["value"] == "Tom Baker"
    assert session.placeholders.value_of("<PERSON_1>") == NAME


async def test_credentials_are_never_sent_redacted_unless_allowed(
    services, anthropic_server, monkeypatch, redaction_gate
) -> None:
    cloud_services(
        services, anthropic_server, monkeypatch, redaction_gate, RedactionConfig(enabled=True)
    )
    key = "AKIA" + "QX7RT2MZK4PLW9NB"
    prompt = (
        f"{NAME} pasted her AWS key {key} into our repo. Plan the incident response step by step."
    )
    session = services.new_session()
    events = await send(session, prompt)
    decision = events[0].decision
    assert decision.target is Target.LOCAL and not decision.redacted
    why = decision.reasons[-1]
    assert "AWS_ACCESS_KEY" in why and "never sent, not even redacted" in why
    assert anthropic_server.requests == [], "the cloud saw nothing"

    # the user allows the credential types the reason named, one by one
    named = {f.type for f in decision.entities if f.sensitive and f.type != "PERSON"}
    session.redaction_types = session.redaction_types | named
    retried = [e async for e in session.retry()]
    assert retried[0].decision.redacted
    (request,) = anthropic_server.requests
    assert key not in request.sent_text and NAME not in request.sent_text
    assert "<PERSON_1> pasted her AWS key <" in request.sent_text


async def test_a_payload_still_sensitive_after_redaction_is_not_sent(
    services, anthropic_server, monkeypatch, redaction_gate, tmp_path
) -> None:
    """The re-check is a gate of its own: here a stricter one, which knows a deny term."""
    cloud_services(
        services, anthropic_server, monkeypatch, redaction_gate, RedactionConfig(enabled=True)
    )
    strict = PrivacyGate.build(
        PrivacyConfig(spacy_model=TEST_SPACY_MODEL, deny_terms=["Project Falcon"]),
        offline=True,
        cache_dir=tmp_path,
    )
    session = services.new_session()
    session._check = strict.check_payload
    prompt = f"{NAME} leads Project Falcon. Write her a detailed, step-by-step onboarding plan."
    assert not session.preview(prompt).redacted, "the preview tells the truth too"
    events = await send(session, prompt)
    decision = events[0].decision
    assert decision.target is Target.LOCAL and not decision.redacted
    assert decision.reasons[0] == (
        "still sensitive after redaction (DENY_TERM in prompt): nothing sent"
    )
    assert "kept local" in decision.reasons[1]
    assert anthropic_server.requests == []
    assert shown(events), "the local model answered instead"


async def test_redaction_is_off_unless_turned_on(
    services, anthropic_server, monkeypatch, redaction_gate
) -> None:
    cloud_services(services, anthropic_server, monkeypatch, redaction_gate, RedactionConfig())
    session = services.new_session()
    assert session.redact is False
    events = await send(session, FIRST)
    assert events[0].decision.target is Target.LOCAL
    assert events[0].decision.reasons[0].endswith("kept local")
    assert anthropic_server.requests == []
    # per message, without turning it on for the session
    anthropic_server.enqueue(ECHO)
    events = await send(session, FIRST, redact=True)
    assert events[0].decision.redacted and shown(events) == RESTORED
    assert session.redact is False
    assert NAME not in anthropic_server.last_request.sent_text


async def test_a_reopened_chat_keeps_its_placeholders(redacting, provider) -> None:
    provider.enqueue(ECHO)
    first = redacting.new_session()
    await send(first, FIRST)
    reopened = redacting.new_session(redacting.conversation(first.conversation.id))
    provider.enqueue(Reply.text("Noted, <PERSON_2> and <PERSON_1>."))
    events = await send(reopened, "Tom Baker is her brother; add him to the plan, step by step.")
    assert shown(events) == f"Noted, Tom Baker and {NAME}."
    assert reopened.placeholders.value_of("<PERSON_1>") == NAME


async def test_a_cloud_failure_is_answered_locally_from_the_original(
    services, anthropic_server, monkeypatch, redaction_gate
) -> None:
    cloud_services(
        services, anthropic_server, monkeypatch, redaction_gate, RedactionConfig(enabled=True)
    )
    anthropic_server.default_reply = Reply.server_error(503)
    session = services.new_session()
    events = await send(session, FIRST)
    assert events[0].decision.redacted
    assert any(
        isinstance(e, FellBack) and fallback_text(e).startswith("cloud unavailable") for e in events
    )
    assert shown(events), "the local model answered"
    reply = services.history.messages(session.conversation.id)[-1]
    assert reply.route["target"] == "local" and "fallback" in reply.route
    assert sent_payload(reply.route), "what was sent is still on record"
    for request in anthropic_server.requests:
        assert NAME not in request.sent_text and EMAIL not in request.sent_text


async def test_cloud_override_sends_redacted_and_preview_stores_nothing(redacting, provider):
    session = redacting.new_session()
    decision = session.preview("Write a thank-you note to Maria Gonzalez.", Override.CLOUD)
    assert decision.redacted and decision.reasons[0].startswith("you asked for the cloud")
    assert session.conversation is None and provider.requests == []
    provider.enqueue(Reply.text("Thanks, <PERSON_1>!"))
    events = await send(
        session, "Write a thank-you note to Maria Gonzalez.", override=Override.CLOUD
    )
    assert isinstance(events[0], RouteDecided) and events[0].decision.redacted
    assert shown(events) == f"Thanks, {NAME}!"
