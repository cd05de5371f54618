"""Real cloud backends (real SDKs) pointed at the fake servers, for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fakes.keys import fake_api_key
from fakes.provider_server import FakeProviderServer
from localfirst.backends.cloud import CloudBackend, CloudChoice
from localfirst.config import CloudConfig
from localfirst.types.backend import CancelToken, GenerationParams
from localfirst.types.events import BackendEvent, Done, Sent, StreamError, TextDelta, Usage
from localfirst.types.messages import ChatMessage, Role

# Fast failure handling for tests; a test that needs more sets its own.
TEST_CLOUD = {"timeout": 5.0, "retry_budget": 0.0}
TEST_MODELS = {"anthropic": "claude-sonnet-4-6", "openai": "gpt-5.4"}


def make_backend(
    server: FakeProviderServer,
    key: str | None = None,
    *,
    key_source: str = "keyring",
    model: str | None = None,
    **config: Any,
) -> CloudBackend:
    """The provider's backend talking to `server`, which requires `key` (a fresh fake by default)."""
    from localfirst.backends.anthropic_backend import AnthropicBackend
    from localfirst.backends.openai_backend import OpenAIBackend

    provider = server.provider
    key = key or fake_api_key(provider)
    server.required_key = key
    settings = {**TEST_CLOUD, "base_url": server.base_url, **config}
    choice = CloudChoice(provider, model or TEST_MODELS[provider], key_source)
    cls = AnthropicBackend if provider == "anthropic" else OpenAIBackend
    return cls(CloudConfig(**settings), choice, key)


def conversation(*turns: str, system: str = "You are terse.") -> list[ChatMessage]:
    """System prompt, then turns alternating user, assistant, user..."""
    roles = (Role.USER, Role.ASSISTANT)
    messages = [ChatMessage(Role.SYSTEM, system)] if system else []
    messages += [ChatMessage(roles[i % 2], text) for i, text in enumerate(turns)]
    return messages


@dataclass
class Collected:
    events: list[BackendEvent] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, TextDelta))

    @property
    def errors(self) -> list[StreamError]:
        return [e for e in self.events if isinstance(e, StreamError)]

    @property
    def error(self) -> StreamError:
        assert len(self.errors) == 1, self.events
        return self.errors[0]

    @property
    def usage(self) -> Usage | None:
        usages = [e for e in self.events if isinstance(e, Usage)]
        return usages[-1] if usages else None

    @property
    def done(self) -> Done:
        assert isinstance(self.events[-1], Done), self.events
        return self.events[-1]


async def collect(
    stream: AsyncIterator[BackendEvent], cancel_after_text: CancelToken | None = None
) -> Collected:
    """All events of `stream`; with `cancel_after_text`, cancel it at the first text."""
    collected = Collected()
    async for event in stream:
        if isinstance(event, Sent):  # the record of what left, kept apart from the reply
            collected.sent.append(event)
            continue
        collected.events.append(event)
        if cancel_after_text is not None and isinstance(event, TextDelta):
            cancel_after_text.cancel()
    return collected


async def ask(
    backend: CloudBackend,
    messages: list[ChatMessage] | None = None,
    params: GenerationParams | None = None,
    cancel: CancelToken | None = None,
) -> Collected:
    return await collect(
        backend.stream(
            messages or conversation("Hello?"),
            params or GenerationParams(max_tokens=64, temperature=0.3),
            cancel or CancelToken(),
        )
    )
