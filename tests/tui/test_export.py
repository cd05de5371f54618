"""Exports and code blocks."""

from __future__ import annotations

import json

from localfirst.tui.export import code_blocks, conversation_json, export_conversation
from localfirst.types.messages import Conversation, MessageStatus, Role, StoredMessage

CONVERSATION = Conversation(7, "Sort: names & dates!", 1_700_000_000.0, 1_700_000_100.0)
MESSAGES = [
    StoredMessage(1, 7, Role.USER, "How do I sort?"),
    StoredMessage(
        2,
        7,
        Role.ASSISTANT,
        "Like this:\n\n```python\nsorted(x)\n```\n\n    indented()\n",
        MessageStatus.INCOMPLETE,
        {"target": "cloud", "model": "openai/gpt-5.1", "reasons": ["you asked for the cloud"]},
        "openai/gpt-5.1",
    ),
]


def test_markdown_export_names_routes_and_never_overwrites(tmp_path) -> None:
    first = export_conversation(CONVERSATION, MESSAGES, tmp_path, "md")
    second = export_conversation(CONVERSATION, MESSAGES, tmp_path, "md")
    assert first.name == "localfirst-7-sort-names-dates.md"
    assert second.name == "localfirst-7-sort-names-dates-2.md"
    text = first.read_text()
    assert "## Assistant (☁ openai/gpt-5.1)" in text
    assert "> you asked for the cloud" in text
    assert "_This reply is incomplete._" in text


def test_json_export_round_trips_the_messages() -> None:
    data = json.loads(conversation_json(CONVERSATION, MESSAGES))
    assert data["title"] == "Sort: names & dates!"
    assert data["created_at"] == "2023-11-14T22:13:20+00:00"
    assert [m["status"] for m in data["messages"]] == ["complete", "incomplete"]
    assert data["messages"][1]["route"]["model"] == "openai/gpt-5.1"


def test_code_blocks_are_found_in_order() -> None:
    assert code_blocks(MESSAGES[1].content) == ["sorted(x)\n", "indented()\n"]
    assert code_blocks("no code") == []


def test_json_export_carries_what_left_for_each_reply() -> None:
    sent = [{"target": "cloud", "model": "openai/gpt-5.4", "at": 1.0, "request": {"messages": []}}]
    messages = [
        StoredMessage(1, 7, Role.USER, "Hi"),
        StoredMessage(2, 7, Role.ASSISTANT, "Hello", route={"target": "cloud", "sent": sent}),
        StoredMessage(3, 7, Role.ASSISTANT, "Local", route={"target": "local"}),
    ]
    data = json.loads(conversation_json(CONVERSATION, messages))
    assert [m["sent"] for m in data["messages"]] == [[], sent, []]
