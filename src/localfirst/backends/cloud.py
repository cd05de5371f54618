"""Cloud backends: the streaming, error mapping and stall watchdog every provider shares.

The provider modules (`anthropic_backend`, `openai_backend`) only know their SDK's request
and event shapes; `factory` picks the provider. Everything a user experiences the same way
whatever the provider lives here: a stalled or refused request becomes a `StreamError` with a
message that says what to do, and a cancel closes the HTTP stream at once.

Retries are the SDKs' own (`max_retries`, their backoff, jitter and retry-after handling). What
the SDKs cannot do is kept here: a time budget (a retry-after longer than `retry_budget` is not
waited for, so the session answers locally at once), a watchdog that notices a stall or a cancel
while no byte arrives, and never retrying once text has streamed (that would duplicate it).

The API key is held by the backend object and handed to the SDK only; every message built
here passes through `redact()` so neither the key nor a provider's masked echo of it can reach
the screen, the history or a log.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import os
import re
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar
from urllib.parse import urlsplit

from localfirst.config import CloudConfig
from localfirst.keys.store import env_var_for
from localfirst.types.backend import CancelToken, GenerationParams
from localfirst.types.events import BackendEvent, Done, Sent, StreamError, TextDelta
from localfirst.types.messages import ChatMessage

# How often a waiting stream looks at the cancel token and the stall clock.
POLL_S = 0.05
# The SDKs' backoff (Stainless clients, anthropic and openai alike): 0.5 s doubling to 8 s.
SDK_INITIAL_RETRY_DELAY_S = 0.5
SDK_MAX_RETRY_DELAY_S = 8.0
# Statuses the SDKs retry; the response hook may veto a retry that would overrun the budget.
RETRIED_STATUSES = frozenset({408, 409, 429}) | frozenset(range(500, 600))


def retries_within(budget_s: float) -> int:
    """How many SDK retries fit in `budget_s` seconds of backoff, for its `max_retries`."""
    retries, spent = 0, 0.0
    while retries < 20:
        delay = min(SDK_MAX_RETRY_DELAY_S, SDK_INITIAL_RETRY_DELAY_S * 2**retries)
        if spent + delay > budget_s:
            break
        spent += delay
        retries += 1
    return retries


@dataclass(frozen=True)
class CloudChoice:
    """The provider and model a cloud request goes to, and where its key came from."""

    provider: str
    model: str
    key_source: str  # "keyring" | "env"

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}"


class Secret:
    """A string that stays out of reprs, so no debug dump or traceback shows the key."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "Secret('***')"

    def reveal(self) -> str:
        return self._value


# errors


@dataclass(frozen=True)
class Failure:
    """What went wrong with one attempt, in the terms the session acts on."""

    kind: str  # auth | rate_limit | server | timeout | connection | cut | error
    message: str
    retryable: bool


_KEY_LIKE = re.compile(r"\b(sk-[A-Za-z0-9_*.\-]{4,}|[A-Za-z0-9_\-]{2,}\*{4,}[A-Za-z0-9_\-]*)")


def redact(text: str, key: str | None) -> str:
    """`text` without the key, and without anything shaped like a key or a masked key."""
    if key:
        text = text.replace(key, "[key]")
    return _KEY_LIKE.sub("[key]", text)


def _shorten(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_fields(exc: BaseException) -> tuple[int | None, str, str]:
    """(HTTP status, provider error type, provider message) from an SDK error, as far as known."""
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int) or status < 400:
        status = None  # an error event inside a 200 stream
    body = getattr(exc, "body", None)
    inner: dict = {}
    if isinstance(body, dict):
        inner = body["error"] if isinstance(body.get("error"), dict) else body
    error_type = str(inner.get("type") or getattr(exc, "type", None) or "")
    if error_type == "error":
        error_type = ""
    message = str(inner.get("message") or "")
    return status, error_type, message


def _retry_after_s(headers: Any) -> float | None:
    """Seconds a response asks us to wait (retry-after-ms, retry-after seconds or date).

    Read by the budget hook only; the SDK reads the same headers for its own wait."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        with contextlib.suppress(ValueError):
            return max(0.0, float(raw_ms) / 1000)
    raw = headers.get("retry-after")
    if not raw:
        return None
    with contextlib.suppress(ValueError):
        return max(0.0, float(raw))
    with contextlib.suppress(TypeError, ValueError):
        return max(0.0, email.utils.parsedate_to_datetime(raw).timestamp() - time.time())
    return None


def _cause_text(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    text = str(cause) if cause is not None else ""
    return text or type(cause or exc).__name__


# the shared backend


@dataclass
class AttemptState:
    """What one request has streamed so far and how it ended; provider hooks update it."""

    text_started: bool = False
    finish: str | None = None  # stop | length, once the provider said the reply is complete
    input_tokens: int = 0
    output_tokens: int = 0
    failure: Failure | None = None
    cancelled: bool = False


@dataclass
class _Requests:
    """One `stream()` call as the HTTP hooks see it: how many requests the SDK made, and
    whether one is waiting for the server (not the SDK sleeping before a retry)."""

    started: float
    budget_s: float
    count: int = 0
    waiting_since: float | None = None


# Set in the task that runs the SDK call, so the client's hooks know which call they serve.
_REQUESTS: ContextVar[_Requests | None] = ContextVar("localfirst_cloud_requests", default=None)


class CloudBackend:
    """A provider backend: subclasses give the SDK, the request and the event mapping."""

    kind = "cloud"
    provider: ClassVar[str] = ""
    base_url_env: ClassVar[str] = ""  # the SDK's own variable, e.g. ANTHROPIC_BASE_URL
    default_base_url: ClassVar[str] = ""

    @property
    def key_name(self) -> str:
        """The name its key is stored under (`localfirst keys set NAME`)."""
        return self.provider

    def __init__(self, config: CloudConfig, choice: CloudChoice, api_key: str) -> None:
        self.config = config
        self.choice = choice
        self.name = choice.label
        self.model = choice.model
        self._api_key = Secret(api_key)
        self._client: Any = None
        self._client_loop: asyncio.AbstractEventLoop | None = None

    def holds_key(self, key: str) -> bool:
        return self._api_key.reveal() == key

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, key_source={self.choice.key_source!r})"

    # what subclasses provide

    @staticmethod
    def sdk() -> ModuleType:
        """The provider's SDK module (imported on first use: it is heavy)."""
        raise NotImplementedError

    def make_client(self, api_key: str, options: dict[str, Any]) -> Any:
        """The SDK's async client, built with `options` (timeout, retries, HTTP client)."""
        raise NotImplementedError

    def request(self, messages: Sequence[ChatMessage], params: GenerationParams) -> dict[str, Any]:
        """The keyword arguments of the SDK call: exactly what will be sent."""
        raise NotImplementedError

    async def open_stream(self, client: Any, request: dict[str, Any]) -> Any:
        """Send the request; return the SDK's async stream of raw events."""
        raise NotImplementedError

    def translate(self, raw: Any, state: AttemptState) -> Iterable[BackendEvent]:
        """Our events for one raw SDK event; sets `state.finish` when the reply is complete."""
        raise NotImplementedError

    # shared behaviour

    @property
    def base_url(self) -> str:
        """Where requests go: the config's base_url, else the SDK's *_BASE_URL, else its default."""
        return self.config.base_url or os.environ.get(self.base_url_env) or self.default_base_url

    def _host(self) -> str:
        parts = urlsplit(self.base_url)
        return (
            parts.hostname + (f":{parts.port}" if parts.port else "")
            if parts.hostname
            else self.base_url
        )

    def _client_options(self) -> dict[str, Any]:
        sdk = self.sdk()
        timeout = self.config.timeout
        hooks = {"request": [self._on_request], "response": [self._on_response]}
        return {
            # one second past the watchdog, so the watchdog's clearer message wins
            "timeout": sdk.Timeout(timeout + 1.0, connect=min(timeout, 10.0)),
            "max_retries": retries_within(self.config.retry_budget),
            "http_client": sdk.DefaultAsyncHttpxClient(event_hooks=hooks),
        }

    async def _ensure_client(self) -> Any:
        """One SDK client per event loop: its connection pool belongs to the loop that made it."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            # The SDK import is heavy; keep it off the event loop so the UI stays responsive.
            self._client = await asyncio.to_thread(
                lambda: self.make_client(self._api_key.reveal(), self._client_options())
            )
            self._client_loop = loop
        return self._client

    async def aclose(self) -> None:
        """Close the SDK client and its connections (Services calls this at exit)."""
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close()

    @staticmethod
    async def _on_request(request: Any) -> None:
        requests = _REQUESTS.get()
        if requests is not None:
            requests.count += 1
            requests.waiting_since = time.monotonic()

    @staticmethod
    async def _on_response(response: Any) -> None:
        """Veto a retry the budget cannot afford (`x-should-retry`, which the SDKs obey), and
        stop the stall clock while the SDK sleeps before one it will make."""
        requests = _REQUESTS.get()
        if requests is None or response.status_code not in RETRIED_STATUSES:
            return
        wait = _retry_after_s(response.headers) or 0.0
        if time.monotonic() - requests.started + wait > requests.budget_s:
            response.headers["x-should-retry"] = "false"
        elif response.headers.get("x-should-retry") != "false":
            requests.waiting_since = None

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        cancel: CancelToken,
    ) -> AsyncIterator[BackendEvent]:
        request = self.request(messages, params)
        # the body as the SDK sends it (open_stream adds stream=True), for "what left"
        yield Sent(self.kind, self.name, {**request, "stream": True}, time.time())
        requests = _Requests(time.monotonic(), self.config.retry_budget)
        state = AttemptState()
        async for event in self._stream_once(request, cancel, state, requests):
            yield event
        failure = state.failure
        if state.cancelled:
            yield Done("cancelled")
            return
        if failure is None:
            yield Done(state.finish or "stop")
            return
        if state.text_started:  # text was shown: keep it, and never ask again (it would repeat)
            reason = failure.message.removeprefix(f"{self.provider}: ")
            yield StreamError(
                f"the {self.provider} reply was cut off mid-stream: {reason}",
                kind="cut",
                retryable=True,
            )
            yield Done("error")
            return
        message = failure.message
        if failure.retryable and requests.count > 1:
            message += f", gave up after {requests.count} attempts"
        yield StreamError(message, kind=failure.kind, retryable=failure.retryable)
        yield Done("error")

    async def _stream_once(
        self,
        request: dict[str, Any],
        cancel: CancelToken,
        state: AttemptState,
        requests: _Requests,
    ) -> AsyncIterator[BackendEvent]:
        """The SDK call (with its retries): yield text and usage, leave the ending in `state`."""
        try:
            client = await self._ensure_client()
        except Exception as exc:  # the SDK could not be set up: nothing was sent
            state.failure = Failure("error", self._redact(f"{self.provider} SDK: {exc}"), False)
            return
        async with contextlib.aclosing(self._attempt(client, request, cancel, requests)) as steps:
            async for kind, value in steps:
                if kind == "raw":
                    for event in self.translate(value, state):
                        if isinstance(event, TextDelta):
                            state.text_started = True
                        yield event
                    if cancel.cancelled:
                        state.cancelled = True
                        return
                elif kind == "cancelled":
                    state.cancelled = True
                elif kind == "error" and state.finish is None:  # after the end, a drop is moot
                    state.failure = self.classify(value)
                elif kind == "stalled" and state.finish is None:
                    message = f"{self.provider}: no response for {self.config.timeout:g}s"
                    state.failure = Failure("timeout", message, True)
                elif kind == "end" and state.finish is None:
                    state.failure = Failure("connection", self._ended_early(request, state), True)

    def _ended_early(self, request: dict[str, Any], state: AttemptState) -> str:
        """Why a stream that closed with no finish reason likely did. An empty one from a
        server that answered 200 is most often a prompt longer than its context (llama.cpp's
        server does this), so say how long the prompt was."""
        if state.text_started:
            return f"{self.provider}: the reply ended early"
        chars = sum(len(str(m.get("content", ""))) for m in request.get("messages", []))
        return (
            f"{self.provider} answered with an empty reply: the prompt (about {chars // 4:,} "
            "tokens) is likely longer than the model's context on the server; raise its "
            "context size (llama.cpp: --n_ctx) or shorten the conversation"
        )

    async def _attempt(
        self, client: Any, request: dict[str, Any], cancel: CancelToken, requests: _Requests
    ) -> AsyncIterator[tuple[str, Any]]:
        """Run the SDK call in a task, yielding ("raw", event) and then one outcome.

        The outcome is ("end", None), ("error", exc), ("cancelled", None) or ("stalled", None).
        A watcher task notices a cancel, or a server that sends nothing for `timeout` seconds,
        even while no byte arrives; cancelling the task also cuts short an SDK retry wait. The
        HTTP stream is closed whichever way the call ends.
        """
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        last_activity = [time.monotonic()]
        timeout = self.config.timeout

        async def pump() -> None:
            _REQUESTS.set(requests)  # this task's own context: the hooks run in it
            try:
                sdk_stream = await self.open_stream(client, request)
                try:
                    async for raw in sdk_stream:
                        last_activity[0] = time.monotonic()
                        queue.put_nowait(("raw", raw))
                        # Let the reader take it now: buffered chunks would otherwise all be
                        # parsed before the first one reaches the screen.
                        await asyncio.sleep(0)
                finally:
                    with contextlib.suppress(Exception):
                        await sdk_stream.close()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                queue.put_nowait(("error", exc))
            else:
                queue.put_nowait(("end", None))

        def stalled() -> bool:
            waiting = requests.waiting_since
            if waiting is None and requests.count:
                return False  # the SDK is sleeping before a retry, not waiting for the server
            since = max(waiting or 0.0, last_activity[0])
            return time.monotonic() - since > timeout

        async def watch() -> None:
            while True:
                await asyncio.sleep(POLL_S)
                if cancel.cancelled:
                    queue.put_nowait(("cancelled", None))
                    return
                if stalled():
                    queue.put_nowait(("stalled", None))
                    return

        tasks = [asyncio.create_task(pump()), asyncio.create_task(watch())]
        try:
            while True:
                kind, value = await queue.get()
                yield kind, value
                if kind != "raw":
                    return
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _redact(self, text: str) -> str:
        return redact(text, self._api_key.reveal())

    def classify(self, exc: BaseException) -> Failure:
        """Map an SDK or transport error to a Failure with a message that names the fix.

        The SDKs' typed exceptions decide; mid-stream, their HTTP library's own errors
        (httpx2's `TransportError`, `TimeoutException`) come through unwrapped."""
        import httpx2

        sdk = self.sdk()
        provider = self.provider
        status, error_type, api_message = _error_fields(exc)
        detail = _shorten(self._redact(api_message)).rstrip(".") if api_message else ""
        if isinstance(exc, sdk.AuthenticationError | sdk.PermissionDeniedError) or error_type in (
            "authentication_error",
            "permission_error",
        ):
            code = status or (
                401
                if isinstance(exc, sdk.AuthenticationError) or error_type == "authentication_error"
                else 403
            )
            what = "rejected the API key" if code == 401 else "refused access with this API key"
            key_name, env_var = self.key_name, env_var_for(self.key_name)
            fix = f"store a valid key with `localfirst keys set {key_name}`"
            if key_name != provider:  # a private server's key: its own variable too
                fix += f" or set {env_var}"
            if self.choice.key_source == "env":
                fix = f"fix {env_var} or store a key with `localfirst keys set {key_name}`"
            return Failure("auth", f"{provider} {what} ({code}): {fix}", False)
        if isinstance(exc, sdk.RateLimitError) or error_type == "rate_limit_error":
            return Failure("rate_limit", f"{provider}: rate limited (429)", True)
        if (status is not None and status >= 500) or error_type in (
            "api_error",
            "overloaded_error",
            "server_error",
        ):
            label = " ".join(str(part) for part in (status, error_type) if part)
            return Failure("server", f"{provider}: server error ({label})", True)
        if status == 408 or isinstance(exc, sdk.APITimeoutError | httpx2.TimeoutException):
            return Failure("timeout", f"{provider}: the request timed out", True)
        if isinstance(exc, TimeoutError):
            return Failure("timeout", f"{provider}: no response for {self.config.timeout:g}s", True)
        if status is not None:
            hint = ""
            if status == 404:
                hint = f"; check [cloud] model ('{self.model}') and base_url"
            label = " ".join(str(part) for part in (status, error_type) if part)
            text = f"{provider} refused the request ({label})"
            return Failure("error", f"{text}: {detail}{hint}" if detail else text + hint, False)
        if isinstance(exc, sdk.APIConnectionError | httpx2.TransportError | OSError):
            cause = _shorten(self._redact(_cause_text(exc)), 120)
            return Failure(
                "connection", f"{provider}: connection to {self._host()} failed ({cause})", True
            )
        if isinstance(exc, sdk.APIError):  # an error event inside the stream, of no known type
            text = detail or _shorten(self._redact(str(exc)))
            return Failure("server", f"{provider}: {text}", True)
        text = _shorten(self._redact(f"{type(exc).__name__}: {exc}"))
        return Failure("error", f"{provider}: unexpected error ({text})", False)
