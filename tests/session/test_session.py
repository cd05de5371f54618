"""The session core with real parts: the test model, SQLite history, the router."""

import asyncio
import sqlite3
import threading

from localfirst.types.decision import Override, SessionMode, Target
from localfirst.types.events import (
    Done,
    FellBack,
    Note,
    RouteChecked,
    RouteDecided,
    Stored,
    StreamError,
    TextDelta,
)
from localfirst.types.messages import MessageStatus, Role


async def run(session, prompt, **kwargs):
    return [e async for e in session.send(prompt, **kwargs)]


async def test_prompt_is_stored_before_generation_starts(services) -> None:
    session = services.new_session()
    seen_at_first_token = None
    async for event in session.send("Say hello"):
        if isinstance(event, TextDelta) and seen_at_first_token is None:
            # a separate connection, as a crash-recovery reader would open it
            db = sqlite3.connect(services.paths.history_db)
            seen_at_first_token = db.execute("SELECT role, content FROM messages").fetchall()
            db.close()
    assert ("user", "Say hello") in seen_at_first_token


async def test_events_arrive_in_order_and_both_turns_are_stored(services) -> None:
    session = services.new_session()
    events = await run(session, "Say hello")
    assert isinstance(events[0], RouteDecided)
    assert events[0].decision.target is Target.LOCAL
    assert isinstance(events[1], Stored)
    assert events[-1] == Done("length") or events[-1] == Done("stop")
    user, reply = services.history.messages(session.conversation.id)
    assert (user.role, user.content) == (Role.USER, "Say hello")
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert (reply.role, reply.content, reply.status) == (
        Role.ASSISTANT,
        text,
        MessageStatus.COMPLETE,
    )
    assert reply.route["target"] == "local" and reply.model == "gemma-3-270m"
    assert reply.output_tokens >= 1 and reply.input_tokens > 0
    assert events[-1].stats.first_token_s is not None
    assert events[-1].stats.model == "gemma-3-270m"


async def test_gate_that_cannot_run_fails_closed_and_says_so(services) -> None:
    services.router._gate._factory = lambda: (_ for _ in ()).throw(RuntimeError("no spaCy"))
    decision = (await run(services.new_session(), "hello"))[0].decision
    assert decision.target is Target.LOCAL
    assert (
        "privacy check could not run" in decision.reasons[0] and "no spaCy" in decision.reasons[0]
    )


async def test_cancel_keeps_the_partial_reply_marked_incomplete(services) -> None:
    session = services.new_session()
    session.backends = _LongReplies(services)
    events = []
    async for event in session.send("Write a long story"):
        events.append(event)
        if sum(isinstance(e, TextDelta) for e in events) == 2:
            session.cancel()
    assert events[-1] == Done("cancelled")
    reply = services.history.messages(session.conversation.id)[-1]
    assert reply.status is MessageStatus.INCOMPLETE
    assert reply.content == "".join(e.text for e in events if isinstance(e, TextDelta))
    assert reply.content


async def test_follow_up_sends_earlier_turns_as_context(services) -> None:
    session = services.new_session()
    await run(session, "My cat is called Miso.")
    payload = session.payload_for("What is my cat called?")
    assert [m.role for m in payload] == [Role.SYSTEM, Role.USER, Role.ASSISTANT, Role.USER]
    assert payload[1].content == "My cat is called Miso."


async def test_no_model_keeps_the_prompt_and_says_how_to_fix(services) -> None:
    services.registry.remove("gemma-3-270m")
    session = services.new_session()
    events = await run(session, "please keep me")
    error = next(e for e in events if isinstance(e, StreamError))
    assert "localfirst models" in error.message
    assert events[-1] == Done("error")
    (stored,) = services.history.messages(session.conversation.id)
    assert stored.content == "please keep me"


async def test_retry_replaces_an_incomplete_reply(services) -> None:
    session = services.new_session()
    session.backends = _LongReplies(services)
    async for event in session.send("Tell me a story"):
        if isinstance(event, TextDelta):
            session.cancel()
    session.backends = services
    events = [e async for e in session.retry()]
    assert not any(isinstance(e, Note | FellBack) for e in events)
    user, reply = services.history.messages(session.conversation.id)
    assert user.content == "Tell me a story"
    assert reply.status is MessageStatus.COMPLETE


class _LongReplies:
    """The real services, asking the real model for longer replies (so there is time to cancel)."""

    def __init__(self, services) -> None:
        self.services = services

    def backend_for(self, target):
        return self.services.backend_for(target)

    def local_backends(self):
        return self.services.local_backends()

    def params_for(self, target):
        from dataclasses import replace

        return replace(self.services.params_for(target), max_tokens=200)


async def test_a_private_first_prompt_titles_the_chat_with_placeholders(services) -> None:
    session = services.new_session()
    await run(session, "Text my landlord at 415-738-0132 that the heater is broken")
    stored = {c.id: c for c in services.history.list_conversations()}[session.conversation.id]
    assert "415-738-0132" not in stored.title
    assert "<PHONE_NUMBER>" in stored.title and stored.sensitive
    assert session.conversation.title == stored.title


async def test_a_prompt_no_model_can_hold_is_refused_at_once_and_kept(services) -> None:
    session = services.new_session()
    prompt = "Summarise this log. " + "line of log text " * 40_000  # ~680k characters
    events = await run(session, prompt)
    decision = events[0].decision
    assert not decision.available and "too long for every model available" in decision.reasons[0]
    assert decision.entities == ()  # refused before the gate read it
    [conversation] = services.history.list_conversations()
    [user] = services.history.messages(conversation.id)
    assert user.content == prompt  # what the user typed is kept


async def test_a_local_token_cap_shortens_local_replies(services) -> None:
    session = services.new_session()
    session.local_token_cap = 2
    await run(session, "Tell me a long story")
    reply = services.history.messages(session.conversation.id)[-1]
    assert 1 <= reply.output_tokens <= 2


class HeldGate:
    """The real gate, held until released: a check that is still loading or running."""

    def __init__(self, gate) -> None:
        self.gate = gate
        self.release = threading.Event()

    def check_payload(self, messages):
        assert self.release.wait(30)
        return self.gate.check_payload(messages)


def hold_the_gate(services) -> HeldGate:
    from localfirst.routing.router import Router

    held = HeldGate(services.router.gate())
    services.router = Router(
        gate_factory=lambda: held,
        scorer_factory=services._build_scorer,
        availability=services.availability,
    )
    return held


PRIVATE_PROMPT = "My number is 0176 2345 6789, call me back about the lease"


async def test_a_local_only_reply_streams_before_the_privacy_check_and_records_it(
    services,
) -> None:
    held = hold_the_gate(services)
    session = services.new_session()
    session.mode = SessionMode.LOCAL_ONLY
    events = []
    async for event in session.send(PRIVATE_PROMPT):
        events.append(event)
        if isinstance(event, TextDelta):
            held.release.set()  # the reply was already streaming while the gate was held
    kinds = [type(e) for e in events]
    assert kinds.index(TextDelta) < kinds.index(RouteChecked) < kinds.index(Done)
    [checked] = [e for e in events if isinstance(e, RouteChecked)]
    assert checked.decision.target is Target.LOCAL
    assert "PHONE_NUMBER" in {f.type for f in checked.decision.entities if f.sensitive}
    _, reply = services.history.messages(session.conversation.id)
    assert reply.route["sensitive"] and reply.route["rule"] == "sensitive"
    assert "PHONE_NUMBER" in {f["type"] for f in reply.route["entities"]}
    assert services.history.get_conversation(session.conversation.id).sensitive


class RecordingGate:
    """The real gate, noting how many reply tokens had arrived when each check began."""

    def __init__(self, gate, tokens: list[str]) -> None:
        self.gate, self.tokens = gate, tokens
        self.tokens_when_checked: list[int] = []

    def check_payload(self, messages):
        self.tokens_when_checked.append(len(self.tokens))
        return self.gate.check_payload(messages)


def record_the_checks(services) -> tuple[RecordingGate, list[str]]:
    from localfirst.routing.router import Router

    tokens: list[str] = []
    recording = RecordingGate(services.router.gate(), tokens)
    services.router = Router(
        gate_factory=lambda: recording,
        scorer_factory=services._build_scorer,
        availability=services.availability,
    )
    return recording, tokens


async def local_reply(services, tokens: list[str]):
    session = services.new_session()
    async for event in session.send(PRIVATE_PROMPT, override=Override.LOCAL):
        if isinstance(event, TextDelta):
            tokens.append(event.text)
    return session


async def test_with_the_gate_loaded_the_check_beside_a_local_reply_follows_its_first_token(
    services,
) -> None:
    """Its Python work would otherwise delay the first token through the interpreter lock."""
    recording, tokens = record_the_checks(services)
    services.router.gate()  # loaded
    await local_reply(services, tokens)
    assert tokens
    assert len(recording.tokens_when_checked) == 1
    assert recording.tokens_when_checked[0] >= 1


async def test_with_the_gate_still_to_load_the_check_waits_for_the_reply_to_end(services) -> None:
    """Loading spaCy during the decode takes a core from llama.cpp's threads."""
    recording, tokens = record_the_checks(services)
    session = await local_reply(services, tokens)
    assert tokens
    assert recording.tokens_when_checked == [len(tokens)]
    assert services.history.get_conversation(session.conversation.id).sensitive  # recorded


async def test_a_check_that_ends_after_its_reply_still_marks_the_chat_private(services) -> None:
    held = hold_the_gate(services)
    session = services.new_session()
    async for event in session.send(PRIVATE_PROMPT, override=Override.LOCAL):
        if isinstance(event, TextDelta):
            session.cancel()  # Esc at the first token, before the check has answered
    conversation_id = session.conversation.id
    assert not services.history.get_conversation(conversation_id).sensitive
    held.release.set()
    assert await wait_until_private(services, conversation_id)
    _, reply = services.history.messages(conversation_id)
    assert "PHONE_NUMBER" in {f["type"] for f in reply.route["entities"]}


async def test_a_route_that_could_go_to_the_cloud_waits_for_the_check(services) -> None:
    held = hold_the_gate(services)
    held.release.set()
    events = await run(services.new_session(), "Say hello")
    assert not any(isinstance(e, RouteChecked) for e in events)


async def wait_until_private(services, conversation_id: int) -> bool:
    for _ in range(300):
        if services.history.get_conversation(conversation_id).sensitive:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_offline_with_no_model_still_marks_a_private_prompts_chat(services) -> None:
    services.registry.remove("gemma-3-270m")
    session = services.new_session()
    session.mode = SessionMode.OFFLINE
    events = await run(session, PRIVATE_PROMPT)
    assert any(isinstance(e, StreamError) for e in events)  # nothing can answer
    assert await wait_until_private(services, session.conversation.id)
