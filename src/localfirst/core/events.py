"""Typed events a reply streams as: text, usage, notes, errors and the end.

Backends yield `TextDelta`, `Usage`, `StreamError` and `Done`; the session adds `RouteDecided`
and `Note`, so a front end renders one stream of events whatever answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localfirst.routing.decision import Decision


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    output_tokens: int
    # True when the server sent no usage and the session counted itself (chunks for the
    # reply, characters / 4 for the prompt): shown as an estimate, never as a measurement
    estimated: bool = False


@dataclass(frozen=True)
class StreamError:
    """The stream failed; `retryable` says whether trying again may help."""

    message: str
    kind: str = "error"  # auth | rate_limit | server | timeout | connection | cut | model | error
    retryable: bool = False


@dataclass(frozen=True)
class Done:
    """The stream ended; `reason` is stop, length, cancelled or error."""

    reason: str = "stop"


@dataclass(frozen=True)
class RouteDecided:
    decision: Decision


@dataclass(frozen=True)
class Note:
    """Something the user should see beside the reply (context trimmed, fell back to local)."""

    text: str


@dataclass(frozen=True)
class ReplyRestarted:
    """The partial reply so far is void: a backend died mid-reply and the next one starts over."""

    text: str


@dataclass(frozen=True)
class Stored:
    """History ids of the two turns, so front ends can refer to them."""

    conversation_id: int
    user_message_id: int
    assistant_message_id: int


BackendEvent = TextDelta | Usage | StreamError | Done
SessionEvent = BackendEvent | RouteDecided | Note | Stored | ReplyRestarted
