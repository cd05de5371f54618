"""Typed events a reply streams as: text, usage, notes, errors and the end.

Backends yield `TextDelta`, `Usage`, `StreamError`, `Note` and `Done`; the session adds
`RouteDecided`, `FellBack`, `ReplyRestarted` and `Stored`, and ends with its own `Done` that
carries the reply's figures, so a front end renders one stream of events whatever answered.
`localfirst.explain` turns them into words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localfirst.types.decision import Decision


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


# The route record's key for what left this machine: a list of `Sent.as_dict()`, one per
# request (a failed private server, then the cloud...), shown by the TUI's inspector and
# `localfirst history sent ID`.
SENT_KEY = "sent"


@dataclass(frozen=True)
class Sent:
    """A request is leaving this machine: exactly the body the SDK sends, for the record.

    Yielded by backends that talk to a server (cloud and private), before the first byte goes;
    the session stores it with the reply, so "what left this machine" can be shown later."""

    target: str  # "cloud" or "private"
    model: str  # what the badge names, e.g. "anthropic/claude-sonnet-4-6"
    request: dict  # the JSON body, as the SDK sends it
    at: float  # time.time() when it was sent

    def as_dict(self) -> dict:
        return {"target": self.target, "model": self.model, "at": self.at, "request": self.request}


@dataclass(frozen=True)
class StreamError:
    """The stream failed; `retryable` says whether trying again may help."""

    message: str
    kind: str = "error"  # auth | rate_limit | server | timeout | connection | cut | model | error
    retryable: bool = False


@dataclass(frozen=True)
class ReplyStats:
    """What the route badge shows after a reply, and who answered it."""

    first_token_s: float | None = None
    tokens_per_s: float | None = None
    output_tokens: int = 0
    input_tokens: int = 0
    model: str = ""  # the backend that wrote the reply (a later tier, after a fallback)


@dataclass(frozen=True)
class Done:
    """The stream ended; `reason` is stop, length, cancelled or error.

    The session's last `Done` carries `stats`; a backend's own `Done` carries none."""

    reason: str = "stop"
    # measurements, not part of what the ending was: Done("stop") == Done("stop", stats)
    stats: ReplyStats | None = field(default=None, compare=False)


@dataclass(frozen=True)
class FellBack:
    """The chosen backend could not answer, so another one does (nothing was streamed yet).

    `from_target` is "cloud" when the cloud failed and the local model answers, "local" when
    one local tier (a private server) failed and the next one answers."""

    from_target: str
    failed: str  # the backend that failed, e.g. "anthropic/claude-..." or "gpu-box"
    answered_by: str  # "" when the local tier is named later (the in-process model)
    why: str  # the failure, as the backend said it


@dataclass(frozen=True)
class RouteDecided:
    decision: Decision


@dataclass(frozen=True)
class RouteChecked:
    """The privacy check's decision for a reply that started before it: the route was local
    whatever the gate found (offline, local-only, the user asked for local), so the reply
    streamed at once, and this carries the findings for the record."""

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


BackendEvent = TextDelta | Usage | Sent | StreamError | Note | Done
SessionEvent = (
    BackendEvent | RouteDecided | RouteChecked | Note | FellBack | Stored | ReplyRestarted
)
