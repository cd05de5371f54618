"""The machinery shared by the fake Anthropic and OpenAI servers.

A `FakeProviderServer` is a threaded HTTP/1.1 server on 127.0.0.1 (an ephemeral port) that
answers each request with the next scripted `Reply` (or `default_reply` once the script is
used up) and records every request, so a test can assert exactly what left the machine. The
API key itself is never recorded: only whether it matched the key the server requires.

Subclasses know one provider's wire format: how a reply streams as server-sent events and how
an error body looks.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

# Header names that carry credentials; their values are replaced before a request is recorded.
AUTH_HEADERS = frozenset({"authorization", "x-api-key", "api-key"})
REDACTED = "<redacted>"


@dataclass(frozen=True)
class Reply:
    """One scripted answer; build it with the class methods, e.g. `Reply.rate_limited(2)`."""

    status: int = 200
    chunks: tuple[str, ...] = ("Hello", " from", " the fake", " server.")
    finish: str = "stop"  # stop | length (mapped to the provider's own stop reason)
    input_tokens: int | None = None  # None: counted from the request, crudely
    output_tokens: int | None = None  # None: one per chunk
    error_type: str = ""  # provider error type; "" picks the one real servers use for `status`
    error_message: str = ""
    retry_after: float | None = None  # sent as `retry-after` (whole seconds) + `retry-after-ms`
    stall_before_s: float = 0.0  # wait before sending anything, headers included
    stall_after_chunks: int | None = None  # after this many text chunks, wait `stall_s`
    stall_s: float = 0.0
    cut_after_chunks: int | None = None  # after this many text chunks, end the body early
    cut_mode: str = "reset"  # reset: drop the connection mid-body; eof: end the body cleanly
    error_event_after_chunks: int | None = None  # send an in-stream error event instead of the rest
    extra_headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def text(cls, *chunks: str, **options: Any) -> Reply:
        """A normal streamed reply made of `chunks` (each one SSE delta)."""
        return cls(chunks=chunks or cls.chunks, **options)

    @classmethod
    def error(cls, status: int, message: str = "", error_type: str = "", **options: Any) -> Reply:
        return cls(status=status, error_message=message, error_type=error_type, **options)

    @classmethod
    def unauthorized(cls) -> Reply:
        return cls.error(401)

    @classmethod
    def forbidden(cls) -> Reply:
        return cls.error(403)

    @classmethod
    def rate_limited(cls, retry_after: float | None = 1) -> Reply:
        return cls.error(429, retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 500) -> Reply:
        return cls.error(status)

    @classmethod
    def stall(cls, seconds: float, after_chunks: int | None = None, **options: Any) -> Reply:
        """Stall before the first byte, or after `after_chunks` text chunks were sent."""
        if after_chunks is None:
            return cls(stall_before_s=seconds, **options)
        return cls(stall_after_chunks=after_chunks, stall_s=seconds, **options)

    @classmethod
    def cut(cls, after_chunks: int, mode: str = "reset", **options: Any) -> Reply:
        """Stream `after_chunks` text chunks, then drop the connection (or end the body)."""
        return cls(cut_after_chunks=after_chunks, cut_mode=mode, **options)

    @classmethod
    def error_event(cls, after_chunks: int = 0, error_type: str = "", **options: Any) -> Reply:
        """Start a 200 stream, then report an error inside it, as providers do when overloaded."""
        return cls(error_event_after_chunks=after_chunks, error_type=error_type, **options)

    def with_options(self, **changes: Any) -> Reply:
        return replace(self, **changes)


@dataclass(frozen=True)
class RecordedRequest:
    """A request as it arrived, with credentials redacted."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names; credential values are REDACTED
    raw_body: bytes
    body: Any  # parsed JSON, or None when the body was not JSON
    auth_matched: bool | None  # None when the server requires no particular key
    received_at: float = 0.0  # time.monotonic() on arrival, to see how long a client waited

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    @property
    def sent_text(self) -> str:
        """Every string in the body, joined: what a privacy assertion should search."""
        return "\n".join(_strings(self.body))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@dataclass
class _Script:
    queue: deque[Reply] = field(default_factory=deque)
    default: Reply = field(default_factory=Reply)


class FakeProviderServer:
    """Start with `start()` or `with`; point an SDK at `base_url`; script with `enqueue()`."""

    provider: ClassVar[str] = ""
    api_prefix: ClassVar[str] = ""  # what base_url ends with, e.g. "/v1" for OpenAI
    chat_path: ClassVar[str] = ""  # the one endpoint it serves
    served_models: tuple[str, ...] = ()  # what GET {api_prefix}/models lists (vLLM-style servers)

    def models_listing(self, path: str) -> dict | None:
        """The body for GET /models, or None where this fake serves no listing."""
        if not self.served_models or path != f"{self.api_prefix}/models":
            return None
        return {
            "object": "list",
            "data": [{"id": m, "object": "model"} for m in self.served_models],
        }

    def __init__(self, required_key: str | None = None) -> None:
        self.required_key = required_key
        self._script = _Script()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> FakeProviderServer:
        handler = type(f"{type(self).__name__}Handler", (_Handler,), {"fake": self})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-{self.provider}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes stalled replies
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeProviderServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "start the server first"
        return self._httpd.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What to give the SDK (or `*_BASE_URL`) so it talks to this server."""
        return self.origin + self.api_prefix

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point the provider's SDK (in a subprocess) here."""
        return {f"{self.provider.upper()}_BASE_URL": self.base_url}

    # scripting and inspection

    def enqueue(self, *replies: Reply) -> None:
        """Answer the next requests with `replies`, in order."""
        with self._lock:
            self._script.queue.extend(replies)

    @property
    def default_reply(self) -> Reply:
        return self._script.default

    @default_reply.setter
    def default_reply(self, reply: Reply) -> None:
        with self._lock:
            self._script.default = reply

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> RecordedRequest:
        requests = self.requests
        assert requests, f"the fake {self.provider} server received no request"
        return requests[-1]

    def sent_text(self) -> str:
        """Every string of every request body so far."""
        return "\n".join(r.sent_text for r in self.requests)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._script.queue.clear()

    # for the handler

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(request)
            if request.auth_matched is False:
                return Reply.unauthorized()
            return self._script.queue.popleft() if self._script.queue else self._script.default

    def _wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    # what a subclass provides

    def presented_key(self, headers: dict[str, str]) -> str | None:
        raise NotImplementedError

    def validate(self, request: RecordedRequest) -> Reply | None:
        """A 400 reply for a body the real API would refuse, else None."""
        return None

    def error_body(self, status: int, error_type: str, message: str) -> dict[str, Any]:
        raise NotImplementedError

    def default_error(self, status: int, presented_key: str | None = None) -> tuple[str, str]:
        """The error type and message real servers send for `status`."""
        raise NotImplementedError

    def stream_events(self, reply: Reply, request: RecordedRequest) -> Iterator[bytes | int]:
        """The SSE frames of `reply`; an int `n` marks "n text chunks have been sent"."""
        raise NotImplementedError

    def stream_error_frame(self, error_type: str, message: str) -> bytes:
        raise NotImplementedError

    def response_headers(self) -> dict[str, str]:
        return {}


def sse(data: dict[str, Any] | str, event: str | None = None) -> bytes:
    """One server-sent event frame."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


class _CutConnection(Exception):
    """Raised inside the handler to drop the connection mid-reply."""


class _Handler(BaseHTTPRequestHandler):
    fake: ClassVar[FakeProviderServer]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        listing = self.fake.models_listing(self.path.split("?")[0])
        if listing is not None:
            self._send_json(200, listing)
            return
        self._send_json(404, self.fake.error_body(404, "not_found_error", "not found"))

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {
            name.lower(): (REDACTED if name.lower() in AUTH_HEADERS else value)
            for name, value in self.headers.items()
        }
        presented = self.fake.presented_key({k.lower(): v for k, v in self.headers.items()})
        matched = None if self.fake.required_key is None else presented == self.fake.required_key
        request = RecordedRequest("POST", self.path, headers, raw, body, matched, time.monotonic())
        reply = self.fake._next_reply(request)
        if self.path.split("?")[0] != self.fake.chat_path:
            self._send_json(404, self.fake.error_body(404, "not_found_error", "no such endpoint"))
            return
        if reply.status == 200:
            reply = self.fake.validate(request) or reply
        model = body.get("model") if isinstance(body, dict) else None
        if self.fake.served_models and model not in self.fake.served_models:
            # as vLLM answers a model it does not serve
            reply = Reply.error(404, f"The model `{model}` does not exist.", "NotFoundError")
        try:
            if reply.stall_before_s:
                self.fake._wait(reply.stall_before_s)
            if reply.status != 200:
                self._send_error(reply, presented)
            else:
                self._send_stream(reply, request)
        except _CutConnection:
            self._drop_connection()
        except _StreamOver:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout or a cancel)

    def _send_error(self, reply: Reply, presented_key: str | None) -> None:
        error_type, message = self.fake.default_error(reply.status, presented_key)
        body = self.fake.error_body(
            reply.status, reply.error_type or error_type, reply.error_message or message
        )
        headers = dict(reply.extra_headers)
        if reply.retry_after is not None:
            headers["retry-after"] = str(max(0, round(reply.retry_after)))
            headers["retry-after-ms"] = str(round(reply.retry_after * 1000))
        self._send_json(reply.status, body, headers)

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in {**self.fake.response_headers(), **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _send_stream(self, reply: Reply, request: RecordedRequest) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        for name, value in {**self.fake.response_headers(), **dict(reply.extra_headers)}.items():
            self.send_header(name, value)
        self.end_headers()
        for frame in self.fake.stream_events(reply, request):
            if isinstance(frame, int):
                self._after_text_chunks(reply, frame)
                continue
            self._write_chunk(frame)
        self._write_chunk(b"")  # the terminating chunk

    def _after_text_chunks(self, reply: Reply, sent: int) -> None:
        if reply.stall_after_chunks == sent:
            self.fake._wait(reply.stall_s)
        if reply.error_event_after_chunks == sent:
            error_type, message = self.fake.default_error(529)
            self._write_chunk(
                self.fake.stream_error_frame(
                    reply.error_type or error_type, reply.error_message or message
                )
            )
            self._write_chunk(b"")
            raise _StreamOver
        if reply.cut_after_chunks == sent:
            if reply.cut_mode == "eof":
                self._write_chunk(b"")
                raise _StreamOver
            raise _CutConnection

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _drop_connection(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _StreamOver(Exception):
    """The scripted stream ended early but cleanly (the body was terminated)."""
