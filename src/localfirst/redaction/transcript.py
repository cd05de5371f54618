"""What the local history keeps about a redacted reply, and how a front end shows it.

A redacted reply's stored route dict is `Decision.as_dict()` (with `"redacted": true`) plus

    "redaction": {
        "sent": [{"role": ..., "content": ...}, ...],   # exactly the payload the cloud received
        "placeholders": {"<PERSON_1>": {"type": "PERSON", "value": "..."}, ...},
    }

The placeholder map lives here and in the session's memory only; it is never sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from localfirst.redaction.placeholders import PlaceholderMap
from localfirst.redaction.redactor import RedactedPayload
from localfirst.types.messages import ChatMessage, Role, StoredMessage

ROUTE_KEY = "redaction"


def redaction_record(redacted: RedactedPayload, placeholders: PlaceholderMap) -> dict:
    """The `"redaction"` entry of a stored route dict."""
    return {"sent": redacted.as_dicts(), "placeholders": placeholders.as_dict()}


def was_redacted(route: Mapping | None) -> bool:
    return bool(route) and bool(route.get("redacted")) and ROUTE_KEY in route


def sent_payload(route: Mapping | None) -> list[ChatMessage] | None:
    """Exactly what the cloud received for this reply, or None when it did not go redacted."""
    if not was_redacted(route):
        return None
    sent = route[ROUTE_KEY].get("sent") or []
    return [ChatMessage(Role(m["role"]), m["content"]) for m in sent]


def describe_sent(route: Mapping | None) -> str:
    """The redacted payload as plain text, one block per message, for "show what was sent"."""
    messages = sent_payload(route)
    if messages is None:
        return ""
    return "\n\n".join(f"[{m.role}]\n{m.content}" for m in messages)


def placeholders_from_history(messages: Iterable[StoredMessage]) -> PlaceholderMap:
    """The conversation's placeholder map, rebuilt from the replies that went redacted."""
    placeholders = PlaceholderMap()
    for message in messages:
        if was_redacted(message.route):
            stored = message.route[ROUTE_KEY].get("placeholders")
            if isinstance(stored, Mapping):
                placeholders.update_from(stored)
    return placeholders
