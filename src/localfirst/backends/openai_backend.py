"""GPT, or any OpenAI-compatible server, through the official `openai` SDK: chat completions, streamed.

`base_url` (or the SDK's OPENAI_BASE_URL) points it at vLLM, llama.cpp's server or OpenRouter.
Usage comes in a last chunk requested with `stream_options.include_usage`. OpenAI's own API
takes `max_completion_tokens` (reasoning models refuse `max_tokens`); compatible servers get
the long-standing `max_tokens`. Reasoning models that refuse a temperature other than the
default are sent none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import Any, ClassVar
from urllib.parse import urlsplit

from localfirst.backends.cloud import AttemptState, CloudBackend
from localfirst.types.backend import GenerationParams
from localfirst.types.events import BackendEvent, TextDelta, Usage
from localfirst.types.messages import ChatMessage

OPENAI_HOST = "api.openai.com"
# o1/o3/o4..., the first GPT-5 models and the -pro ones reason on every request and accept only
# the default temperature; gpt-5.1 and later default to no reasoning and take one.
_FIXED_TEMPERATURE = re.compile(r"^(o\d|gpt-5(-mini|-nano)?(-\d{4}-\d{2}-\d{2})?$|.*-pro\b)")


def takes_temperature(model: str) -> bool:
    return not _FIXED_TEMPERATURE.match(model.rsplit("/", 1)[-1])


class OpenAIBackend(CloudBackend):
    provider: ClassVar[str] = "openai"
    base_url_env: ClassVar[str] = "OPENAI_BASE_URL"
    default_base_url: ClassVar[str] = "https://api.openai.com/v1"

    @staticmethod
    def sdk() -> ModuleType:
        import openai

        return openai

    def make_client(self, api_key: str, options: dict[str, Any]) -> Any:
        return self.sdk().AsyncOpenAI(
            api_key=api_key,
            base_url=self.config.base_url or None,  # None: OPENAI_BASE_URL or the default
            **options,
        )

    def _official_endpoint(self) -> bool:
        return urlsplit(self.base_url).hostname == OPENAI_HOST

    def request(self, messages: Sequence[ChatMessage], params: GenerationParams) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [m.as_dict() for m in messages],
            "stream_options": {"include_usage": True},
        }
        limit_name = "max_completion_tokens" if self._official_endpoint() else "max_tokens"
        request[limit_name] = params.max_tokens
        if takes_temperature(self.model):
            request["temperature"] = params.temperature
        return request

    async def open_stream(self, client: Any, request: dict[str, Any]) -> Any:
        return await client.chat.completions.create(**request, stream=True)

    def translate(self, raw: Any, state: AttemptState) -> Iterable[BackendEvent]:
        for choice in raw.choices or ():
            text = getattr(choice.delta, "content", None) if choice.delta else None
            if text:
                yield TextDelta(text)
            if choice.finish_reason:
                state.finish = "length" if choice.finish_reason == "length" else "stop"
        usage = getattr(raw, "usage", None)
        if usage is not None:
            yield Usage(usage.prompt_tokens or 0, usage.completion_tokens or 0)
