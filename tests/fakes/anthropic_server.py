"""A loopback Anthropic Messages API: `POST /v1/messages` streamed as the real one streams.

The event sequence is the documented one (message_start, content_block_start, ping,
content_block_delta text_delta..., content_block_stop, message_delta with usage,
message_stop), errors are `{"type": "error", "error": {"type", "message"}}`, and, like the
API version the 2.x SDK speaks, sampling parameters are refused with a 400.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, ClassVar

from fakes.provider_server import FakeProviderServer, RecordedRequest, Reply, sse

_ERRORS = {
    400: ("invalid_request_error", "messages: field required"),
    401: ("authentication_error", "invalid x-api-key"),
    403: (
        "permission_error",
        "Your API key does not have permission to use the specified resource.",
    ),
    404: ("not_found_error", "model: not found"),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit."),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}
_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens"}
# API versions from which temperature, top_p and top_k are refused, even at their defaults.
_NO_SAMPLING_FROM = "2026-10-21"
_ids = itertools.count(1)


class FakeAnthropicServer(FakeProviderServer):
    provider: ClassVar[str] = "anthropic"
    api_prefix: ClassVar[str] = ""  # the SDK appends /v1/messages itself
    chat_path: ClassVar[str] = "/v1/messages"

    def presented_key(self, headers: dict[str, str]) -> str | None:
        if "x-api-key" in headers:  # the API prefers x-api-key when both are sent
            return headers["x-api-key"]
        auth = headers.get("authorization", "")
        return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None

    def response_headers(self) -> dict[str, str]:
        return {"request-id": f"req_fake{next(_ids):06d}"}

    def validate(self, request: RecordedRequest) -> Reply | None:
        body = request.body
        if not isinstance(body, dict):
            return Reply.error(400, "body: not valid JSON")
        for name in ("model", "max_tokens", "messages"):
            if name not in body:
                return Reply.error(400, f"{name}: Field required")
        for message in body["messages"]:
            if message.get("role") not in ("user", "assistant"):
                return Reply.error(
                    400,
                    f"messages: Unexpected role {message.get('role')!r}. "
                    "The Messages API accepts a top-level `system` parameter, not 'system' "
                    "as an input message role.",
                )
        version = request.headers.get("anthropic-version", "")
        if version >= _NO_SAMPLING_FROM:
            for name in ("temperature", "top_p", "top_k"):
                if name in body:
                    return Reply.error(400, f"{name}: Extra inputs are not permitted")
        return None

    def default_error(self, status: int, presented_key: str | None = None) -> tuple[str, str]:
        if status in _ERRORS:
            return _ERRORS[status]
        return _ERRORS[500] if status >= 500 else _ERRORS[400]

    def error_body(self, status: int, error_type: str, message: str) -> dict[str, Any]:
        return {"type": "error", "error": {"type": error_type, "message": message}}

    def stream_error_frame(self, error_type: str, message: str) -> bytes:
        return sse(self.error_body(0, error_type, message), event="error")

    def stream_events(self, reply: Reply, request: RecordedRequest) -> Iterator[bytes | int]:
        body = request.body if isinstance(request.body, dict) else {}
        input_tokens = reply.input_tokens
        if input_tokens is None:
            input_tokens = len(request.sent_text.split())
        yield sse(
            {
                "type": "message_start",
                "message": {
                    "id": f"msg_fake{next(_ids):06d}",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": body.get("model", ""),
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": input_tokens, "output_tokens": 1},
                },
            },
            event="message_start",
        )
        yield sse(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            event="content_block_start",
        )
        yield sse({"type": "ping"}, event="ping")
        yield 0
        for sent, chunk in enumerate(reply.chunks, start=1):
            yield sse(
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": chunk},
                },
                event="content_block_delta",
            )
            yield sent
        yield sse({"type": "content_block_stop", "index": 0}, event="content_block_stop")
        output_tokens = reply.output_tokens
        if output_tokens is None:
            output_tokens = len(reply.chunks)
        yield sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": _STOP_REASONS[reply.finish], "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
            event="message_delta",
        )
        yield sse({"type": "message_stop"}, event="message_stop")
