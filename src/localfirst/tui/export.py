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


def default_export_dir(configured: str = "") -> Path:
    """Where the export dialog suggests saving: `[tui] export_dir`, else the user's documents
    folder, else downloads, else home (platformdirs knows each platform's names)."""
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    for folder in (platformdirs.user_documents_dir(), platformdirs.user_downloads_dir()):
        if folder and Path(folder).is_dir():
            return Path(folder)
    return Path.home()


def free_export_path(conversation: Conversation, folder: Path, fmt: str) -> Path:
    """`folder/localfirst-ID-title.fmt`, numbered past any older export of the same name."""
    stem = f"localfirst-{conversation.id}-{_slug(conversation.title)}"
    path = folder / f"{stem}.{fmt}"
    counter = 2
    while path.exists():
        path = folder / f"{stem}-{counter}.{fmt}"
        counter += 1
    return path


def export_conversation(
    conversation: Conversation, messages: list[StoredMessage], folder: Path, fmt: str
) -> Path:
    """Write the chat to `folder` as `fmt` ("md" or "json"); never overwrites an older export."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_export(conversation, messages, free_export_path(conversation, folder, fmt), fmt)


def write_export(
    conversation: Conversation, messages: list[StoredMessage], path: Path, fmt: str
) -> Path:
    """Write the chat to the file `path`, which must not exist yet (FileExistsError)."""
    render = conversation_markdown if fmt == "md" else conversation_json
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as out:  # "x": an existing file is never replaced
        out.write(render(conversation, messages))
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
