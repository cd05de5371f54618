"""The chat session: one conversation, routed, streamed and stored.

Front ends (TUI, CLI) call `send()` and render the events it yields; they never talk to a
backend or the history directly for a reply. The order of work is the product's promise:
store the prompt, route the whole payload, stream, store the reply (partial text included).

With redaction on (per session: `redact`, per message: `send(..., redact=True)`), a decision
for "cloud (redacted)" is carried out here: the whole payload is redacted with the
conversation's placeholders, checked by the gate again, and sent only if that comes back clean;
otherwise the policy's local answer stands. The reply is restored as it streams.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Protocol

from localfirst.config import DEFAULT_REDACTION_TYPES
from localfirst.explain import fallback_text
from localfirst.redaction.placeholders import PlaceholderMap
from localfirst.redaction.redactor import CheckFn, RedactedPayload, Redactor
from localfirst.redaction.restore import PlaceholderRestorer
from localfirst.redaction.transcript import ROUTE_KEY, placeholders_from_history, redaction_record
from localfirst.routing.policy import local_regardless
from localfirst.storage.history import History, title_from
from localfirst.types.backend import Backend, CancelToken, GenerationParams
from localfirst.types.decision import Decision, Override, Rule, SessionMode, Target
from localfirst.types.events import (
    SENT_KEY,
    Done,
    FellBack,
    ReplyRestarted,
    ReplyStats,
    RouteChecked,
    RouteDecided,
    Sent,
    SessionEvent,
    Stored,
    StreamError,
    TextDelta,
    Usage,
)
from localfirst.types.messages import ChatMessage, Conversation, MessageStatus, Role, StoredMessage


class BackendProvider(Protocol):
    def backend_for(self, target: Target) -> Backend: ...

    def local_backends(self) -> list[Backend]:
        """The local tier in order: private servers first, the in-process model last."""
        ...

    def params_for(self, target: Target) -> GenerationParams: ...


class RouteFn(Protocol):
    def __call__(
        self,
        payload: list[ChatMessage],
        mode: SessionMode,
        override: Override,
        conversation_sensitive: bool,
        redaction: frozenset[str] | None = None,
    ) -> Decision: ...


def route_after_fallback(route: dict, event: FellBack) -> dict:
    """A reply's route record once another backend answered: the one place it is built."""
    record = {**route, "fallback": fallback_text(event)}
    if event.from_target == "cloud":
        record["target"] = "local"
    return record


# No tokenizer in common use packs more than this many characters of text into one token on
# average (English prose runs at about 4), so len(text) // 8 never overstates a token count.
CHARS_PER_TOKEN_AT_MOST = 8
# Below this many tokens a prompt fits any model localfirst runs, so it is not checked.
SMALLEST_CONTEXT_TOKENS = 1024

# Cloud failures after which the local model answers instead (the prompt is never lost).
FALLBACK_KINDS = {"auth", "rate_limit", "server", "timeout", "connection"}
# Failures of a local tier (a private server) after which the next tier answers.
TIER_FALLBACK_KINDS = FALLBACK_KINDS | {"cut", "model", "error"}


class _CheckBeside:
    """The gate's check of a reply that goes local whatever it finds, run on a worker thread.

    The reply does not need its result, so it never starts with the reply. With the gate
    loaded it starts once the reply's first event is out (its Python work would otherwise
    delay the first token through the interpreter lock). With the gate still to load, it
    starts when the reply has ended: loading spaCy takes a core for about a second, and
    llama.cpp's threads, each waiting at every step for the one that lost its core, decoded
    several times slower meanwhile (scripts/bench_startup.py, `ask --local` cold)."""

    def __init__(self, decide: Callable[[], Decision]) -> None:
        self._decide = decide
        self._future: asyncio.Future[Decision] | None = None

    def start(self) -> asyncio.Future[Decision]:
        """The running check, started on the first call."""
        if self._future is None:
            self._future = asyncio.ensure_future(asyncio.to_thread(self._decide))
        return self._future


class ChatSession:
    def __init__(
        self,
        history: History,
        route: RouteFn,
        backends: BackendProvider,
        system_prompt: str = "",
        conversation: Conversation | None = None,
        mode: SessionMode = SessionMode.AUTO,
        fallback_to_local: bool = True,
        clock: Callable[[], float] = time.perf_counter,
        check: CheckFn | None = None,
        redact: bool = False,
        redaction_types: Iterable[str] = DEFAULT_REDACTION_TYPES,
        max_context_tokens: Callable[[], int | None] | None = None,
        route_unchecked: Callable[[SessionMode, Override], Decision] | None = None,
        gate_loaded: Callable[[], bool] = lambda: True,
    ) -> None:
        """`max_context_tokens`: the largest context of any model that could answer now (None
        when unknown); a prompt that cannot fit it is refused at once, before the gate.

        `route_unchecked`: the route of a message that goes local whatever the gate finds,
        decided without it; with it, such a reply streams at once and the gate's findings
        follow as a `RouteChecked` event (a cold start then waits for the model only).
        `gate_loaded` says whether that check would have to load the gate first."""
        self.history = history
        self._route_unchecked = route_unchecked
        self._gate_loaded = gate_loaded
        self._max_context_tokens = max_context_tokens
        self._route = route
        self.backends = backends
        self.system_prompt = system_prompt
        self.conversation = conversation
        self.mode = mode
        self.fallback_to_local = fallback_to_local
        self._clock = clock
        self._cancel: CancelToken | None = None
        # a lower reply length for local replies, while set (the TUI's first base-model reply)
        self.local_token_cap: int | None = None
        # Redaction: on for every message of this session when `redact` is set (the TUI toggle);
        # `check` re-checks a redacted payload; without it nothing is ever sent redacted.
        self.redact = redact
        self.redaction_types = frozenset(redaction_types)
        self._check = check
        self._redactor = Redactor()
        self._placeholders = PlaceholderMap()
        self._placeholders_conversation: int | None = None

    # what a front end calls

    def cancel(self) -> None:
        """Stop the reply being generated; its partial text is kept, marked incomplete."""
        if self._cancel is not None:
            self._cancel.cancel()

    @property
    def busy(self) -> bool:
        return self._cancel is not None

    def payload_for(self, prompt: str) -> list[ChatMessage]:
        """Everything that would be sent for `prompt`: system prompt, earlier turns, prompt."""
        payload = [ChatMessage(Role.SYSTEM, self.system_prompt)] if self.system_prompt else []
        if self.conversation is not None:
            payload += self._context_turns(self.history.messages(self.conversation.id))
        payload.append(ChatMessage(Role.USER, prompt))
        return payload

    @property
    def placeholders(self) -> PlaceholderMap:
        """The current conversation's placeholder map, rebuilt from history when it changes."""
        conversation_id = self.conversation.id if self.conversation is not None else None
        if conversation_id != self._placeholders_conversation:
            stored = self.history.messages(conversation_id) if conversation_id is not None else []
            self._placeholders = placeholders_from_history(stored)
            self._placeholders_conversation = conversation_id
        return self._placeholders

    def preview(
        self, prompt: str, override: Override = Override.NONE, redact: bool | None = None
    ) -> Decision:
        """The decision `send(prompt)` would make, without storing or generating anything.

        A redacted route is previewed in full (redacted and re-checked), so it says where the
        message will really go.
        """
        return self._decide(self.payload_for(prompt), override, redact)[0]

    async def send(
        self, prompt: str, override: Override = Override.NONE, redact: bool | None = None
    ) -> AsyncIterator[SessionEvent]:
        """Store `prompt`, route it, stream the reply and store it.

        `redact`: redaction for this message only; None follows the session's `redact`.
        """
        if self.conversation is None:
            self.conversation = self.history.create_conversation()
        payload = self.payload_for(prompt)  # before the prompt is stored, so it is not doubled
        user = self.history.add_message(
            self.conversation.id, Role.USER, prompt, MessageStatus.COMPLETE
        )
        async for event in self._reply(payload, user, override, redact):
            yield event

    async def retry(
        self, override: Override = Override.NONE, redact: bool | None = None
    ) -> AsyncIterator[SessionEvent]:
        """Answer the last user turn again, replacing an incomplete or failed reply."""
        if self.conversation is None:
            return
        messages = self.history.messages(self.conversation.id)
        while messages and messages[-1].role is Role.ASSISTANT:
            self.history.delete_message(messages.pop().id)
        if not messages:
            return
        user = messages[-1]
        payload = [ChatMessage(Role.SYSTEM, self.system_prompt)] if self.system_prompt else []
        payload += self._context_turns(messages[:-1])
        payload.append(user.as_chat())
        async for event in self._reply(payload, user, override, redact):
            yield event

    # the work

    def _decide(
        self, payload: list[ChatMessage], override: Override, redact: bool | None
    ) -> tuple[Decision, RedactedPayload | None]:
        """Route `payload`; for a redacted route, also the payload that may go in its place."""
        too_long = self._too_long(payload[-1].content if payload else "")
        if too_long is not None:
            return too_long, None
        sensitive = self._sensitive()
        if not (self.redact if redact is None else redact):
            return self._route(payload, self.mode, override, sensitive), None
        decision = self._route(
            payload, self.mode, override, sensitive, redaction=self.redaction_types
        )
        if not decision.redacted:
            return decision, None
        redacted, problem = self._redact(payload, decision)
        if redacted is not None:
            return decision, redacted
        # Not sent: the policy's answer with redaction off (kept local), with the reason first.
        kept = self._route(payload, self.mode, override, sensitive)
        return replace(kept, reasons=(problem, *kept.reasons)), None

    def _too_long(self, prompt: str) -> Decision | None:
        """An unavailable decision for a prompt no model here can hold, else None.

        Counted without a tokenizer: at least one token per CHARS_PER_TOKEN_AT_MOST characters,
        so a refusal is certain; a prompt near the limit goes on and the backend decides."""
        at_least = len(prompt) // CHARS_PER_TOKEN_AT_MOST
        if at_least <= SMALLEST_CONTEXT_TOKENS or self._max_context_tokens is None:
            return None  # an ordinary prompt: no need to ask what is available (the keyring)
        limit = self._max_context_tokens()
        if limit is None or at_least <= limit:
            return None
        reason = (
            f"the message is too long for every model available: at least {at_least:,} "
            f"tokens, and the largest context here holds {limit:,}; shorten it or send it "
            "in parts (nothing was sent anywhere)"
        )
        return Decision(Target.LOCAL, None, (reason,), Rule.TOO_LONG, available=False)

    def _redact(
        self, payload: list[ChatMessage], decision: Decision
    ) -> tuple[RedactedPayload | None, str]:
        """The redacted payload if the gate passes it, else None and why it stays local."""
        if self._check is None:
            return None, "redaction needs the privacy gate to check the result: nothing sent"
        try:
            checked = self._redactor.redact_checked(
                payload, decision.entities, self.redaction_types, self.placeholders, self._check
            )
        except Exception as exc:  # fail closed: a redaction that breaks sends nothing
            return None, f"redaction failed ({type(exc).__name__}: {exc}): nothing sent"
        if checked.payload is None:
            return None, f"{checked.problem}: nothing sent"
        return checked.payload, ""

    async def _reply(
        self,
        payload: list[ChatMessage],
        user: StoredMessage,
        override: Override,
        redact: bool | None = None,
    ) -> AsyncIterator[SessionEvent]:
        assert self.conversation is not None
        checking = self._check_beside(payload, override, redact)  # see _CheckBeside
        check_while_streaming = self._gate_loaded()
        if checking is not None:
            decision, redacted = self._route_unchecked(self.mode, override), None  # type: ignore[misc]
        else:
            decision, redacted = await asyncio.to_thread(self._decide, payload, override, redact)
            self._mark_if_sensitive(decision, user)
        yield RouteDecided(decision)
        if not decision.available:
            if checking is not None:  # no model to answer: the chat's 🔒 still follows the check
                checking.start().add_done_callback(
                    lambda task: self._record_late_check(task, user, None)
                )
            yield StreamError(decision.reasons[-1], kind="unavailable")
            yield Stored(self.conversation.id, user.id, 0)
            yield Done("error")
            return

        route = decision.as_dict()
        sent, restorer = payload, None
        if redacted is not None:
            # what was sent and the map that restores it: kept in the local history only
            route[ROUTE_KEY] = redaction_record(redacted, self.placeholders)
            sent = list(redacted.messages)
            restorer = PlaceholderRestorer(self.placeholders.restorations())
        reply = self.history.add_message(
            self.conversation.id,
            Role.ASSISTANT,
            "",
            MessageStatus.PENDING,
            route=route,
            model=decision.model or "",
            reply_to=user.id,
        )
        yield Stored(self.conversation.id, user.id, reply.id)
        self._cancel = CancelToken()
        parts: list[str] = []
        outcome = _Outcome()
        checked = False  # the route record now holds the check's findings
        try:
            target = decision.target
            async for event in self._stream(target, sent, parts, outcome, restorer):
                yield event
                if (
                    checking is not None
                    and check_while_streaming
                    and (check := checking.start()).done()
                ):
                    route, checked = {**route, **check.result().as_dict()}, True
                    yield self._checked(check, user)
                    checking = None
            if checking is not None and not self._cancel.cancelled:
                # the reply ended first: its record waits for the findings (a stopped one
                # does not keep the user waiting; its record follows when they arrive)
                check = checking.start()
                route, checked = {**route, **(await check).as_dict()}, True
                yield self._checked(check, user)
                checking = None
            if (
                outcome.error is not None
                and target is Target.CLOUD
                and not parts
                and outcome.error.kind in FALLBACK_KINDS
                and self.fallback_to_local
                and not self._cancel.cancelled
            ):
                fell_back = FellBack("cloud", decision.model or "cloud", "", outcome.error.message)
                yield fell_back
                route = route_after_fallback(route, fell_back)
                self.history.update_message(reply.id, route=route)
                outcome = _Outcome(sent=outcome.sent)  # what left stays on the record
                restorer = None  # the local model answers from the original payload
                async for event in self._stream(Target.LOCAL, payload, parts, outcome):
                    yield event
        finally:
            if checking is not None:  # the reply ended first (stopped, or the stream closed)
                checking.start().add_done_callback(
                    lambda task, reply_id=reply.id: self._record_late_check(task, user, reply_id)
                )
            if restorer is not None:
                parts.append(restorer.flush())  # a stream abandoned mid-placeholder
            cancelled = self._cancel.cancelled or (outcome.done is None and outcome.error is None)
            self._cancel = None
            status = MessageStatus.COMPLETE
            if cancelled or (outcome.error is not None and parts):
                status = MessageStatus.INCOMPLETE
            elif outcome.error is not None:
                status = MessageStatus.ERROR
            if outcome.fallback:
                # the record names who answered, as the cloud fallback's does
                route = {**route, "fallback": outcome.fallback}
            if outcome.usage is not None and outcome.usage.estimated:
                route = {**route, "usage_estimated": True}
            if outcome.sent:
                route = {**route, SENT_KEY: [s.as_dict() for s in outcome.sent]}
            self.history.update_message(
                reply.id,
                content="".join(parts),
                status=status,
                route=route
                if (outcome.fallback or outcome.usage or outcome.sent or checked)
                else None,
                model=outcome.model or None,
                input_tokens=outcome.usage.input_tokens if outcome.usage else None,
                output_tokens=outcome.usage.output_tokens if outcome.usage else None,
            )
        yield Done(
            "cancelled" if cancelled else outcome.done.reason if outcome.done else "stop",
            outcome.stats,
        )

    def _check_beside(
        self, payload: list[ChatMessage], override: Override, redact: bool | None
    ) -> _CheckBeside | None:
        """The gate's check beside the reply, when the route is local whatever it finds (and
        the prompt fits a model); None when the reply must wait for the decision."""
        if self._route_unchecked is None or not local_regardless(self.mode, override):
            return None
        if self._too_long(payload[-1].content if payload else "") is not None:
            return None

        def decide() -> Decision:
            try:
                return self._decide(payload, override, redact)[0]
            except Exception as exc:  # fail closed: the chat is then treated as private
                unchecked = self._route_unchecked(self.mode, override)  # type: ignore[misc]
                problem = f"privacy check failed ({type(exc).__name__}: {exc})"
                return replace(unchecked, reasons=(*unchecked.reasons, problem), sensitive=True)

        return _CheckBeside(decide)

    def _checked(self, checking: asyncio.Future[Decision], user: StoredMessage) -> RouteChecked:
        decision = checking.result()
        self._mark_if_sensitive(decision, user)
        return RouteChecked(decision)

    def _record_late_check(
        self, checking: asyncio.Future[Decision], user: StoredMessage, reply_id: int | None
    ) -> None:
        """The check finished after its reply: the record and the chat's 🔒 still follow it."""
        if checking.cancelled() or checking.exception() is not None:
            return
        decision = checking.result()
        self._mark_if_sensitive(decision, user)
        stored = self.history.get_message(reply_id) if reply_id is not None else None
        if stored is not None:
            self.history.update_message(
                reply_id, route={**(stored.route or {}), **decision.as_dict()}
            )

    def _mark_if_sensitive(self, decision: Decision, user: StoredMessage) -> None:
        """A private prompt marks its chat private; the title made from it shows placeholders
        instead, everywhere a title goes (sidebar, top bar, export file names)."""
        assert self.conversation is not None
        if not decision.sensitive or self.conversation.sensitive:
            return
        auto_title = title_from(user.content)
        safe_title = title_from(_masked(user.content, decision.entities))
        self.history.mark_sensitive(self.conversation.id, retitle=(auto_title, safe_title))
        self.conversation.sensitive = True
        if self.conversation.title in ("", auto_title):
            self.conversation.title = safe_title

    async def _stream(
        self,
        target: Target,
        payload: list[ChatMessage],
        parts: list[str],
        outcome: _Outcome,
        restorer: PlaceholderRestorer | None = None,
    ) -> AsyncIterator[SessionEvent]:
        """Stream the reply from `target`: the cloud, or the local tiers in order.

        `restorer` puts original values back into a reply to a redacted payload.
        """
        try:
            backends = (
                self.backends.local_backends()
                if target is Target.LOCAL
                else [self.backends.backend_for(target)]
            )
            params = self.backends.params_for(target)
            if target is Target.LOCAL and self.local_token_cap is not None:
                params = replace(params, max_tokens=min(params.max_tokens, self.local_token_cap))
        except Exception as exc:  # a model that cannot load is an error event, not a crash
            outcome.error = StreamError(str(exc), kind="model")
            yield outcome.error
            return
        for index, backend in enumerate(backends):
            last = index == len(backends) - 1
            attempt = _Outcome()
            async for event in self._stream_backend(
                backend, params, payload, parts, attempt, restorer
            ):
                if isinstance(event, StreamError) and not last:
                    continue  # held back: the next tier answers instead
                yield event
            outcome.usage, outcome.error, outcome.done = attempt.usage, attempt.error, attempt.done
            outcome.model, outcome.stats = attempt.model, attempt.stats
            outcome.sent += attempt.sent
            if attempt.fallback:
                outcome.fallback = attempt.fallback
            error = attempt.error
            if last or error is None or error.kind not in TIER_FALLBACK_KINDS:
                return
            if self._cancel is not None and self._cancel.cancelled:
                return
            following = backends[index + 1].name
            if parts:
                parts.clear()
                outcome.fallback = (
                    f"{backend.name} stopped mid-reply ({error.message}): "
                    f"answering again with {following}"
                )
                yield ReplyRestarted(outcome.fallback)
            else:
                fell_back = FellBack("local", backend.name, following, error.message)
                outcome.fallback = fallback_text(fell_back)
                yield fell_back

    async def _stream_backend(
        self,
        backend: Backend,
        params: GenerationParams,
        payload: list[ChatMessage],
        parts: list[str],
        outcome: _Outcome,
        restorer: PlaceholderRestorer | None = None,
    ) -> AsyncIterator[SessionEvent]:
        """Stream one backend's reply, collecting text, usage and the outcome."""
        assert self._cancel is not None
        outcome.model = backend.name
        started = self._clock()
        first: float | None = None
        count = 0
        async for event in backend.stream(payload, params, self._cancel):
            if isinstance(event, TextDelta):
                if first is None:
                    first = self._clock()
                count += 1
                if restorer is not None:
                    event = TextDelta(restorer.feed(event.text))
                    if not event.text:
                        continue  # held back: it may be the start of a placeholder
                parts.append(event.text)
                yield event
                continue
            if restorer is not None and (held := restorer.flush()):
                parts.append(held)  # the text ended before this event: it was no placeholder
                yield TextDelta(held)
            if isinstance(event, Sent):
                outcome.sent.append(event)
            elif isinstance(event, Usage):
                outcome.usage = event
            elif isinstance(event, StreamError):
                outcome.error = event
            elif isinstance(event, Done):
                outcome.done = event
                if event.reason == "cancelled":
                    self._cancel.cancel()
                continue  # the session sends its own Done at the very end
            yield event
        if restorer is not None and (held := restorer.flush()):
            parts.append(held)
            yield TextDelta(held)
        if outcome.usage is None and count and outcome.error is None:
            # the server sent no usage (llama.cpp's server ignores stream_options): count
            outcome.usage = Usage(_prompt_tokens_estimate(payload), count, estimated=True)
            yield outcome.usage
        end = self._clock()
        tokens = outcome.usage.output_tokens if outcome.usage else count
        outcome.stats = ReplyStats(
            first_token_s=None if first is None else first - started,
            tokens_per_s=tokens / (end - first) if first is not None and end > first else None,
            output_tokens=tokens,
            input_tokens=outcome.usage.input_tokens if outcome.usage else 0,
            model=outcome.model,
        )

    def _sensitive(self) -> bool:
        return bool(self.conversation and self.conversation.sensitive)

    @staticmethod
    def _context_turns(messages: list[StoredMessage]) -> list[ChatMessage]:
        """Earlier turns as context: failed, empty replies are left out; partial ones kept."""
        return [m.as_chat() for m in messages if m.content and m.role is not Role.SYSTEM]


@dataclass
class _Outcome:
    usage: Usage | None = None
    error: StreamError | None = None
    done: Done | None = None
    model: str = ""
    fallback: str = ""  # why a later tier answered, for the reply's route record
    stats: ReplyStats | None = None
    sent: list[Sent] = field(default_factory=list)  # requests that left this machine


def _prompt_tokens_estimate(payload: list[ChatMessage]) -> int:
    """About four characters a token in the languages most text is in, plus each message's
    template tokens: an estimate, marked as one, when a server reports no usage."""
    return sum(len(m.content) for m in payload) // 4 + 4 * len(payload)


def _masked(text: str, findings) -> str:
    """`text` with each sensitive finding of the prompt replaced by its type: "<PHONE_NUMBER>"."""
    spans = sorted(
        (f for f in findings if f.sensitive and f.source == "prompt" and f.end <= len(text)),
        key=lambda f: f.start,
        reverse=True,
    )
    end_of_next = len(text) + 1
    for f in spans:
        if f.end <= end_of_next:
            text = f"{text[: f.start]}<{f.type}>{text[f.end :]}"
            end_of_next = f.start
    return text
