"""Conversations as Markdown or JSON files, and the code blocks inside a reply.

Exports carry each reply's route and reason, so a shared transcript still says what stayed
on the machine and what went to a cloud provider.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from localfirst.explain import route_label, route_reason
from localfirst.types.events import SENT_KEY
from localfirst.types.messages import Conversation, Role, StoredMessage


def conversation_markdown(conversation: Conversation, messages: list[StoredMessage]) -> str:
    lines = [f"# {conversation.title or 'Untitled chat'}", ""]
    lines.append(f"_Exported from localfirst; started {_iso(conversation.created_at)}._")
    lines.append("")
    for message in messages:
        if message.role is Role.SYSTEM:
            continue
        if message.role is Role.USER:
            lines += ["## You", "", message.content, ""]
            continue
        lines += [f"## Assistant ({route_label(message.route, message.model)})", ""]
        reason = route_reason(message.route)
        if reason:
            lines += [f"> {reason}", ""]
        lines += [message.content or "_(no reply)_", ""]
        if message.status.value in ("incomplete", "error"):
            lines += [f"_This reply is {message.status.value}._", ""]
    return "\n".join(lines).rstrip() + "\n"


def conversation_json(conversation: Conversation, messages: list[StoredMessage]) -> str:
    data = {
        "id": conversation.id,
        "title": conversation.title,
        "created_at": _iso(conversation.created_at),
        "updated_at": _iso(conversation.updated_at),
        "sensitive": conversation.sensitive,
        "messages": [
            {
                "id": m.id,
                "role": str(m.role),
                "content": m.content,
                "status": str(m.status),
                "route": m.route,
                # exactly what left this machine for the reply (empty: nothing did)
                "sent": (m.route or {}).get(SENT_KEY, []),
                "model": m.model,
                "input_tokens": m.input_tokens,
                "output_tokens": m.output_tokens,
                "created_at": _iso(m.created_at),
            }
            for m in messages
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def export_conversation(
    conversation: Conversation, messages: list[StoredMessage], folder: Path, fmt: str
) -> Path:
    """Write the chat to `folder` as `fmt` ("md" or "json"); never overwrites an older export."""
    render = conversation_markdown if fmt == "md" else conversation_json
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"localfirst-{conversation.id}-{_slug(conversation.title)}"
    path = folder / f"{stem}.{fmt}"
    counter = 2
    while path.exists():
        path = folder / f"{stem}-{counter}.{fmt}"
        counter += 1
    path.write_text(render(conversation, messages), encoding="utf-8")
    return path


def code_blocks(markdown: str) -> list[str]:
    """The fenced and indented code blocks of a reply, in order, as their raw text."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown)
    return [t.content for t in tokens if t.type in ("fence", "code_block")]


def _slug(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:40].rstrip("-") or "chat"


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")
