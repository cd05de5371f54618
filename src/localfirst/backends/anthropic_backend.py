"""Claude through the official `anthropic` SDK: the Messages API, streamed.

The system prompt goes in `system=` (the API has no system role inside `messages`); the other
turns go as they are, so what is sent is exactly the payload the privacy gate passed. The API
version the 2.x SDK speaks refuses sampling parameters (temperature, top_p, top_k) with a 400,
so the temperature setting applies to the OpenAI side only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import Any, ClassVar

from localfirst.backends.cloud import AttemptState, CloudBackend
from localfirst.types.backend import GenerationParams
from localfirst.types.events import BackendEvent, TextDelta, Usage
from localfirst.types.messages import ChatMessage, Role

# Stop reasons meaning the reply was cut by a length limit rather than finished.
_LENGTH_STOPS = {"max_tokens", "model_context_window_exceeded"}


class AnthropicBackend(CloudBackend):
    provider: ClassVar[str] = "anthropic"
    base_url_env: ClassVar[str] = "ANTHROPIC_BASE_URL"
    default_base_url: ClassVar[str] = "https://api.anthropic.com"

    @staticmethod
    def sdk() -> ModuleType:
        import anthropic

        return anthropic

    def make_client(self, api_key: str, options: dict[str, Any]) -> Any:
        return self.sdk().AsyncAnthropic(
            api_key=api_key,
            base_url=self.config.base_url or None,  # None: ANTHROPIC_BASE_URL or the default
            **options,
        )

    def request(self, messages: Sequence[ChatMessage], params: GenerationParams) -> dict[str, Any]:
        system = "\n\n".join(m.content for m in messages if m.role is Role.SYSTEM)
        request: dict[str, Any] = {
            "model": self.model,
            "max_tokens": params.max_tokens,
            "messages": [
                {"role": str(m.role), "content": m.content}
                for m in messages
                if m.role is not Role.SYSTEM
            ],
        }
        if system:
            request["system"] = system
        return request

    async def open_stream(self, client: Any, request: dict[str, Any]) -> Any:
        return await client.messages.create(**request, stream=True)

    def translate(self, raw: Any, state: AttemptState) -> Iterable[BackendEvent]:
        kind = getattr(raw, "type", "")
        if kind == "message_start":
            usage = raw.message.usage
            state.input_tokens = (
                (usage.input_tokens or 0)
                + (getattr(usage, "cache_creation_input_tokens", None) or 0)
                + (getattr(usage, "cache_read_input_tokens", None) or 0)
            )
        elif kind == "content_block_delta":
            text = getattr(raw.delta, "text", None)
            if text:
                yield TextDelta(text)
        elif kind == "message_delta":  # the last one carries the final, cumulative usage
            if raw.usage is not None and raw.usage.output_tokens is not None:
                state.output_tokens = raw.usage.output_tokens
            stop = raw.delta.stop_reason
            if stop:
                state.finish = "length" if stop in _LENGTH_STOPS else "stop"
                yield Usage(state.input_tokens, state.output_tokens)
        elif kind == "message_stop":
            state.finish = state.finish or "stop"
