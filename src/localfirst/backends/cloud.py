"""Cloud backends: which provider to use, and the streaming, retrying and error mapping they share.

The provider modules (`anthropic_backend`, `openai_backend`) only know their SDK's request
and event shapes. Everything a user experiences the same way whatever the provider lives
here: a stalled or refused request becomes a `StreamError` with a message that says what to
do, transient failures are retried with backoff inside `retry_budget` seconds but never once
text has streamed (that would duplicate it), and a cancel closes the HTTP stream at once.

The API key is held by the backend object and handed to the SDK only; every message built
here passes through `redact()` so neither the key nor a provider's masked echo of it can reach
the screen, the history or a log.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import os
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from localfirst.backends.base import CancelToken, GenerationParams
from localfirst.config import CloudConfig
from localfirst.core.events import BackendEvent, Done, StreamError, TextDelta
from localfirst.core.messages import ChatMessage
from localfirst.errors import CloudError
from localfirst.keys.store import ENV_VARS, PROVIDERS, env_var_for

if TYPE_CHECKING:
    from localfirst.backends.base import Backend
    from localfirst.keys.store import KeyStore

DEFAULT_MODELS = {
    "anthropic": "claude-sonnet-4-6",
    "openai": "gpt-5.4",
}

# How often a waiting stream looks at the cancel token and the stall clock.
POLL_S = 0.05
# Backoff between retries when the server gives no retry-after: 0.5s, 1s, 2s ... capped.
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 8.0


@dataclass(frozen=True)
class CloudChoice:
    """The provider and model a cloud request goes to, and where its key came from."""

    provider: str
    model: str
    key_source: str  # "keyring" | "env"

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}"


def resolve_cloud(
    config: CloudConfig, keys: KeyStore, *, offline: bool = False
) -> CloudChoice | str:
    """The usable provider, or one line saying why none is.

    `config.provider` wins when set; otherwise the provider that has a key (keyring or
    environment) is used, and with both present the first of PROVIDERS.
    """
    if offline:
        return "offline: no cloud requests (unset LOCALFIRST_OFFLINE or [network] offline)"
    candidates = [config.provider] if config.provider else list(PROVIDERS)
    for provider in candidates:
        found = keys.get(provider)
        if found.key:
            model = config.model or DEFAULT_MODELS[provider]
            return CloudChoice(provider, model, found.source or "env")
    return _no_key_reason(config.provider, keys)


def _no_key_reason(provider: str, keys: KeyStore) -> str:
    if provider:
        where = f"`localfirst keys set {provider}` or set {ENV_VARS[provider]}"
        reason = f"no {provider} API key: run {where}"
    else:
        reason = (
            "no cloud API key: run `localfirst keys set anthropic` (or openai), "
            "or set ANTHROPIC_API_KEY / OPENAI_API_KEY"
        )
    if not keys.available:
        reason += f" ({keys.backend_description()} on this machine, so use the env variable)"
    return reason


def build_cloud_backend(config: CloudConfig, keys: KeyStore, choice: CloudChoice) -> Backend:
    """The backend for `choice`, holding its key; the SDK client is made on first use."""
    found = keys.get(choice.provider)
    if not found.key:
        raise CloudError(
            f"no {choice.provider} API key",
            f"run `localfirst keys set {choice.provider}` or set {ENV_VARS[choice.provider]}",
        )
    if found.source and found.source != choice.key_source:
        choice = CloudChoice(choice.provider, choice.model, found.source)
    if choice.provider == "anthropic":
        from localfirst.backends.anthropic_backend import AnthropicBackend

        return AnthropicBackend(config, choice, found.key)
    if choice.provider == "openai":
        from localfirst.backends.openai_backend import OpenAIBackend

        return OpenAIBackend(config, choice, found.key)
    raise CloudError(f"unknown cloud provider {choice.provider!r}", "use anthropic or openai")


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
    retry_after: float | None = None


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


def _mro_names(exc: BaseException) -> set[str]:
    """Class names up the hierarchy. Mid-stream, the SDKs let their HTTP library's own errors
    through (httpx2.ReadTimeout, RemoteProtocolError...); matching names covers httpx and
    httpx2 alike without importing either."""
    return {cls.__name__ for cls in type(exc).__mro__}


def _retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, retry-after seconds or date)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
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
        when = email.utils.parsedate_to_datetime(raw)
        return max(0.0, when.timestamp() - time.time())
    return None


def _cause_text(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    text = str(cause) if cause is not None else ""
    return text or type(cause or exc).__name__


# the shared backend


@dataclass
class AttemptState:
    """What one attempt has streamed so far and how it ended; provider hooks update it."""

    text_started: bool = False
    finish: str | None = None  # stop | length, once the provider said the reply is complete
    input_tokens: int = 0
    output_tokens: int = 0
    failure: Failure | None = None
    cancelled: bool = False


class CloudBackend:
    """A provider backend: subclasses give the SDK client, the request and the event mapping."""

    kind = "cloud"
    provider: ClassVar[str] = ""
    base_url_env: ClassVar[str] = ""  # the SDK's own variable, e.g. ANTHROPIC_BASE_URL
    default_base_url: ClassVar[str] = ""

    @property
    def key_name(self) -> str:
        """The name its key is stored under (`localfirst keys set NAME`)."""
        return self.provider

    def __init__(
        self,
        config: CloudConfig,
        choice: CloudChoice,
        api_key: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = config
        self.choice = choice
        self.name = choice.label
        self.model = choice.model
        self._api_key = Secret(api_key)
        self._clock = clock
        self._sleep = sleep
        self._client: Any = None
        self._client_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, key_source={self.choice.key_source!r})"

    # what subclasses provide

    def make_client(self, api_key: str, timeout: float) -> Any:
        """The SDK's async client, with its own retries off (the retry budget is ours)."""
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

    async def _ensure_client(self) -> Any:
        """One SDK client per event loop: its connection pool belongs to the loop that made it."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            # The SDK import is heavy; keep it off the event loop so the UI stays responsive.
            self._client = await asyncio.to_thread(
                self.make_client, self._api_key.reveal(), self.config.timeout + 1.0
            )
            self._client_loop = loop
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close()

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        cancel: CancelToken,
    ) -> AsyncIterator[BackendEvent]:
        request = self.request(messages, params)  # built once: a retry sends the same payload
        started = self._clock()
        attempts = 0
        while True:
            attempts += 1
            state = AttemptState()
            async for event in self._stream_once(request, cancel, state):
                yield event
            failure = state.failure
            if state.cancelled:
                yield Done("cancelled")
                return
            if failure is None:
                yield Done(state.finish or "stop")
                return
            if state.text_started:  # a retry would repeat text already shown: keep what came
                reason = failure.message.removeprefix(f"{self.provider}: ")
                yield StreamError(
                    f"the {self.provider} reply was cut off mid-stream: {reason}",
                    kind="cut",
                    retryable=True,
                )
                yield Done("error")
                return
            delay = self._backoff(attempts, failure.retry_after)
            if failure.retryable and self._clock() - started + delay <= self.config.retry_budget:
                if await self._pause(delay, cancel):
                    continue
                yield Done("cancelled")
                return
            message = failure.message
            if failure.retryable and attempts > 1:
                message += f", gave up after {attempts} attempts"
            yield StreamError(message, kind=failure.kind, retryable=failure.retryable)
            yield Done("error")
            return

    async def _stream_once(
        self, request: dict[str, Any], cancel: CancelToken, state: AttemptState
    ) -> AsyncIterator[BackendEvent]:
        """One attempt: yield its text and usage, and leave how it ended in `state`."""
        try:
            client = await self._ensure_client()
        except Exception as exc:  # the SDK could not be set up: nothing was sent
            state.failure = Failure("error", self._redact(f"{self.provider} SDK: {exc}"), False)
            return
        async with contextlib.aclosing(self._attempt(client, request, cancel)) as steps:
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
        self, client: Any, request: dict[str, Any], cancel: CancelToken
    ) -> AsyncIterator[tuple[str, Any]]:
        """Run one request in a task, yielding ("raw", event) and then one outcome.

        The outcome is ("end", None), ("error", exc), ("cancelled", None) or ("stalled", None).
        A watcher task notices a cancel or a stall even while no byte arrives, and the HTTP
        stream is closed whichever way the attempt ends.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        last_activity = [loop.time()]
        timeout = self.config.timeout

        async def pump() -> None:
            try:
                sdk_stream = await self.open_stream(client, request)
                try:
                    async for raw in sdk_stream:
                        last_activity[0] = loop.time()
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

        async def watch() -> None:
            while True:
                await asyncio.sleep(POLL_S)
                if cancel.cancelled:
                    queue.put_nowait(("cancelled", None))
                    return
                if loop.time() - last_activity[0] > timeout:
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

    def _backoff(self, attempts: int, retry_after: float | None) -> float:
        """Exponential backoff with jitter; never shorter than the server's retry-after."""
        delay = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (attempts - 1))
        delay *= random.uniform(0.75, 1.0)  # so clients that failed together do not retry together
        return delay if retry_after is None else max(delay, retry_after)

    async def _pause(self, seconds: float, cancel: CancelToken) -> bool:
        """Wait `seconds`, looking at the cancel token; False if the user cancelled."""
        end = self._clock() + seconds
        while (left := end - self._clock()) > 0:
            if cancel.cancelled:
                return False
            await self._sleep(min(left, POLL_S * 2))
        return not cancel.cancelled

    def _redact(self, text: str) -> str:
        return redact(text, self._api_key.reveal())

    def classify(self, exc: BaseException) -> Failure:
        """Map an SDK or transport error to a Failure with a message that names the fix."""
        provider = self.provider
        status, error_type, api_message = _error_fields(exc)
        names = _mro_names(exc)
        detail = _shorten(self._redact(api_message)).rstrip(".") if api_message else ""
        if status in (401, 403) or error_type in ("authentication_error", "permission_error"):
            code = status or (401 if error_type == "authentication_error" else 403)
            what = "rejected the API key" if code == 401 else "refused access with this API key"
            key_name, env_var = self.key_name, env_var_for(self.key_name)
            fix = f"store a valid key with `localfirst keys set {key_name}`"
            if key_name != provider:  # a private server's key: its own variable too
                fix += f" or set {env_var}"
            if self.choice.key_source == "env":
                fix = f"fix {env_var} or store a key with `localfirst keys set {key_name}`"
            return Failure("auth", f"{provider} {what} ({code}): {fix}", False)
        if status == 429 or error_type == "rate_limit_error":
            return Failure("rate_limit", f"{provider}: rate limited (429)", True, _retry_after(exc))
        if (status is not None and status >= 500) or error_type in (
            "api_error",
            "overloaded_error",
            "server_error",
        ):
            label = " ".join(str(part) for part in (status, error_type) if part)
            return Failure("server", f"{provider}: server error ({label})", True, _retry_after(exc))
        if status == 408 or "TimeoutException" in names or "APITimeoutError" in names:
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
        if names & {"APIConnectionError", "TransportError", "ConnectError"} or isinstance(
            exc, OSError
        ):
            cause = _shorten(self._redact(_cause_text(exc)), 120)
            return Failure(
                "connection", f"{provider}: connection to {self._host()} failed ({cause})", True
            )
        if "APIError" in names:  # an error event inside the stream, without a known type
            text = detail or _shorten(self._redact(str(exc)))
            return Failure("server", f"{provider}: {text}", True)
        text = _shorten(self._redact(f"{type(exc).__name__}: {exc}"))
        return Failure("error", f"{provider}: unexpected error ({text})", False)
