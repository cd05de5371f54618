"""A loopback OpenAI Chat Completions API: `POST /v1/chat/completions`, streamed.

Chunks are `data: {chat.completion.chunk}` lines; the first carries the role, the last the
finish reason; with `stream_options.include_usage` every chunk has `"usage": null` and a last
chunk with empty `choices` carries the usage; `data: [DONE]` ends the stream. Errors are
`{"error": {"message", "type", "param", "code"}}`; a rejected key is echoed masked, as the
real API does, so tests can check that no part of it reaches the user.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any, ClassVar

from fakes.provider_server import FakeProviderServer, RecordedRequest, Reply, sse

_ERRORS = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("invalid_request_error", "Incorrect API key provided."),
    403: ("permission_error", "You are not allowed to access this model."),
    404: ("invalid_request_error", "The model does not exist or you do not have access to it."),
    429: ("requests", "Rate limit reached for requests per min. Please try again later."),
    500: ("server_error", "The server had an error while processing your request."),
    503: ("server_error", "The engine is currently overloaded, please try again later."),
}
_CODES = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}
_ids = itertools.count(1)


def masked(key: str) -> str:
    """How the real API echoes a rejected key: a few characters at each end."""
    return f"{key[:3]}{'*' * max(0, len(key) - 7)}{key[-4:]}" if len(key) > 8 else "***"


class FakeOpenAIServer(FakeProviderServer):
    provider: ClassVar[str] = "openai"
    api_prefix: ClassVar[str] = "/v1"
    chat_path: ClassVar[str] = "/v1/chat/completions"

    def presented_key(self, headers: dict[str, str]) -> str | None:
        auth = headers.get("authorization", "")
        return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None

    def response_headers(self) -> dict[str, str]:
        return {"x-request-id": f"req_fake{next(_ids):06d}"}

    def validate(self, request: RecordedRequest) -> Reply | None:
        body = request.body
        if not isinstance(body, dict):
            return Reply.error(400, "We could not parse the JSON body of your request.")
        for name in ("model", "messages"):
            if name not in body:
                return Reply.error(400, f"Missing required parameter: '{name}'.")
        if body.get("stream_options") and not body.get("stream"):
            return Reply.error(
                400, "The 'stream_options' parameter is only allowed when 'stream' is enabled."
            )
        return None

    def default_error(self, status: int, presented_key: str | None = None) -> tuple[str, str]:
        if status == 401 and presented_key:
            return (
                "invalid_request_error",
                f"Incorrect API key provided: {masked(presented_key)}. You can find "
                "your API key at https://platform.openai.com/account/api-keys.",
            )
        if status in _ERRORS:
            return _ERRORS[status]
        return _ERRORS[500] if status >= 500 else _ERRORS[400]

    def error_body(self, status: int, error_type: str, message: str) -> dict[str, Any]:
        return {
            "error": {
                "message": message,
                "type": error_type,
                "param": None,
                "code": _CODES.get(status),
            }
        }

    def stream_error_frame(self, error_type: str, message: str) -> bytes:
        return sse(self.error_body(500, error_type, message))

    def stream_events(self, reply: Reply, request: RecordedRequest) -> Iterator[bytes | int]:
        body = request.body if isinstance(request.body, dict) else {}
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        base = {
            "id": f"chatcmpl-fake{next(_ids):06d}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model", ""),
            "system_fingerprint": "fp_fake",
        }
        usage_field = {"usage": None} if include_usage else {}

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return sse({**base, "choices": [choice], **usage_field})

        yield chunk({"role": "assistant", "content": "", "refusal": None})
        yield 0
        for sent, text in enumerate(reply.chunks, start=1):
            yield chunk({"content": text})
            yield sent
        yield chunk({}, finish=reply.finish)
        if include_usage:
            prompt = reply.input_tokens
            if prompt is None:
                prompt = len(request.sent_text.split())
            completion = len(reply.chunks) if reply.output_tokens is None else reply.output_tokens
            usage = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
            yield sse({**base, "choices": [], "usage": usage})
        yield sse("[DONE]")
