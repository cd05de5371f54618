"""The interface every backend implements."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from localfirst.types.events import BackendEvent
from localfirst.types.messages import ChatMessage


class CancelToken:
    """Set from any thread to stop a generation at the next token."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True)
class GenerationParams:
    max_tokens: int = 512
    temperature: float = 0.7
    top_p: float = 0.95
    seed: int | None = None


class Backend(Protocol):
    """Streams a reply to `messages` (system prompt first, if any).

    Implementations never raise for a failed generation: they yield `StreamError` then
    `Done(reason="error")`, so partial text already streamed is never lost. They may yield a
    `Note` for the user (e.g. the llama backend trimming old turns to fit the context).
    """

    name: str  # what the route badge shows, e.g. "gemma-3-270m" or "anthropic/claude-..."
    kind: str  # "local" (in-process), "private" (a server in your network) or "cloud"

    def stream(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        cancel: CancelToken,
    ) -> AsyncIterator[BackendEvent]: ...
