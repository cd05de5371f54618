"""The session over a real cloud SDK and a fake provider: failures lose nothing and fall back."""

import json
from dataclasses import replace

import pytest

from fakes.keys import fake_api_key
from fakes.provider_server import Reply
from localfirst.explain import fallback_text
from localfirst.types.decision import Override, Target
from localfirst.types.events import Done, FellBack, Note, RouteDecided, StreamError, TextDelta
from localfirst.types.messages import MessageStatus


@pytest.fixture
def cloud_services(services, anthropic_server, monkeypatch: pytest.MonkeyPatch):
    for name, value in anthropic_server.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ANTHROPIC_API_KEY", fake_api_key("anthropic"))
    cloud = replace(services.config.cloud, retry_budget=0.0, timeout=2.0)
    services.config = replace(services.config, cloud=cloud)
    return services


async def send(session, prompt: str, override=Override.CLOUD):
    return [e async for e in session.send(prompt, override)]


def text_of(events) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_cloud_reply_is_streamed_and_stored_with_usage(
    cloud_services, anthropic_server
) -> None:
    session = cloud_services.new_session()
    events = await send(session, "What is the capital of France?")
    assert events[0].decision.target is Target.CLOUD
    assert text_of(events) == "Hello from the fake server."
    reply = cloud_services.history.messages(session.conversation.id)[-1]
    assert reply.status is MessageStatus.COMPLETE and reply.model.startswith("anthropic/")
    assert reply.output_tokens > 0
    assert anthropic_server.last_request.body["system"]  # the system prompt went the provider's way


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (Reply.server_error(503), "server"),
        (Reply.rate_limited(0), "rate_limit"),
        (Reply.unauthorized(), "auth"),
    ],
)
async def test_cloud_failure_is_answered_locally_with_a_note(
    cloud_services, anthropic_server, failure, kind
) -> None:
    anthropic_server.default_reply = failure
    session = cloud_services.new_session()
    events = await send(session, "What is the capital of France?")
    errors = [e for e in events if isinstance(e, StreamError)]
    assert errors and errors[0].kind == kind
    note = fallback_text(next(e for e in events if isinstance(e, FellBack)))
    assert note.startswith("cloud unavailable") and note.endswith("answered locally")
    assert text_of(events), "the local model answered"
    user, reply = cloud_services.history.messages(session.conversation.id)
    assert user.content == "What is the capital of France?"
    assert reply.route["target"] == "local" and "fallback" in reply.route
    assert reply.model == "gemma-3-270m"


async def test_no_fallback_when_the_user_turned_it_off(cloud_services, anthropic_server) -> None:
    cloud_services.config = replace(
        cloud_services.config, cloud=replace(cloud_services.config.cloud, fallback_to_local=False)
    )
    anthropic_server.default_reply = Reply.server_error(500)
    session = cloud_services.new_session()
    events = await send(session, "hello")
    assert not any(isinstance(e, Note | FellBack) for e in events) and not text_of(events)
    assert events[-1] == Done("error")
    user, reply = cloud_services.history.messages(session.conversation.id)
    assert user.content == "hello" and reply.status is MessageStatus.ERROR


async def test_a_stream_cut_mid_reply_keeps_the_partial_text(
    cloud_services, anthropic_server
) -> None:
    anthropic_server.enqueue(Reply.cut(after_chunks=2))
    session = cloud_services.new_session()
    events = await send(session, "Tell me something")
    assert text_of(events) == "Hello from"
    assert any(isinstance(e, StreamError) and e.kind == "cut" for e in events)
    assert not any(isinstance(e, Note | FellBack) for e in events), (
        "no local answer on top of partial text"
    )
    reply = cloud_services.history.messages(session.conversation.id)[-1]
    assert (reply.content, reply.status) == ("Hello from", MessageStatus.INCOMPLETE)
    # retry replaces the incomplete reply with a complete one
    retried = [e async for e in session.retry(Override.CLOUD)]
    assert (
        isinstance(retried[0], RouteDecided) and text_of(retried) == "Hello from the fake server."
    )
    messages = cloud_services.history.messages(session.conversation.id)
    assert [m.status for m in messages] == [MessageStatus.COMPLETE, MessageStatus.COMPLETE]


async def test_what_left_is_stored_exactly_as_the_server_received_it(
    cloud_services, anthropic_server
) -> None:
    session = cloud_services.new_session()
    await send(session, "Name three rivers in Europe")
    await send(session, "And one in Africa")
    reply = cloud_services.history.messages(session.conversation.id)[-1]
    [sent] = reply.route["sent"]
    assert sent["target"] == "cloud" and sent["model"] == reply.model
    received = anthropic_server.last_request
    assert sent["request"] == json.loads(received.raw_body)  # every field, nothing more
    turns = [m["content"] for m in sent["request"]["messages"]]
    assert turns[0] == "Name three rivers in Europe" and turns[-1] == "And one in Africa"


async def test_a_cloud_failure_answered_locally_still_records_what_left(
    cloud_services, anthropic_server
) -> None:
    anthropic_server.default_reply = Reply.server_error(503)
    session = cloud_services.new_session()
    await send(session, "What is the capital of France?")
    reply = cloud_services.history.messages(session.conversation.id)[-1]
    assert reply.route["target"] == "local"  # the local model answered
    assert [s["request"]["messages"][-1]["content"] for s in reply.route["sent"]] == [
        "What is the capital of France?"
    ]


async def test_a_local_reply_records_nothing_as_sent(cloud_services) -> None:
    session = cloud_services.new_session()
    await send(session, "hello", override=Override.LOCAL)
    reply = cloud_services.history.messages(session.conversation.id)[-1]
    assert "sent" not in (reply.route or {})
