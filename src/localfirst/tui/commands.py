"""The chat screen's commands in the palette (Ctrl+P), as a Textual command `Provider`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider

from localfirst.tui.export import code_blocks
from localfirst.types.decision import SessionMode

if TYPE_CHECKING:
    from localfirst.tui.chat_screen import ChatScreen


def chat_commands(screen: ChatScreen) -> Iterator[SystemCommand]:
    """What the palette offers on the chat screen, with the key that does the same."""
    local_only = screen.session.mode is SessionMode.LOCAL_ONLY
    yield SystemCommand(
        "Local-only: turn " + ("off" if local_only else "on"),
        "Keep every message of this session on this machine (Ctrl+L)",
        screen.action_toggle_local_only,
    )
    yield SystemCommand(
        "Send to the cloud",
        "Send the message in the box to the cloud model once (Ctrl+O)",
        screen.action_send_to_cloud,
    )
    yield SystemCommand("New chat", "Start an empty conversation (Ctrl+N)", screen.action_new_chat)
    yield SystemCommand("Search chats", "Full-text search of every message", screen.action_search)
    yield SystemCommand("Rename chat", "Give the open chat a new title", screen.rename_conversation)
    yield SystemCommand(
        "Delete chat", "Delete the open chat (asks first)", screen.delete_conversation
    )
    yield SystemCommand(
        "Export chat as Markdown",
        "Save the open chat as a .md file (asks where)",
        lambda: screen.ask_export(None, "md"),
    )
    yield SystemCommand(
        "Export chat as JSON",
        "Save the open chat as a .json file (asks where)",
        lambda: screen.ask_export(None, "json"),
    )
    yield SystemCommand("Copy last reply", "Copy the last reply's text", screen.copy_last_reply)
    reply = screen.last_reply()
    for index, block in enumerate(code_blocks(reply.text) if reply else []):
        first = next((line for line in block.splitlines() if line.strip()), "")[:40]
        yield SystemCommand(
            f"Copy code block {index + 1}",
            f"From the last reply: {first}",
            lambda index=index: screen.copy_code(index),
        )
    yield SystemCommand(
        "Retry last reply", "Answer the last message again (Ctrl+R)", screen.action_retry
    )
    yield SystemCommand(
        "Show or hide chats", "The conversation list (Ctrl+B)", screen.action_toggle_sidebar
    )
    yield SystemCommand(
        "Settings", "Models, cloud keys, routing, privacy (F2)", screen.action_settings
    )
    yield SystemCommand(
        "Switch model",
        "Choose the local model (or click the model chip)",
        screen.action_switch_model,
    )
    yield SystemCommand("Help: keys", "Every key of this app (F1)", screen.action_help)


class ChatCommands(Provider):
    """Offers `chat_commands` in the palette: all of them before typing, matches after."""

    async def discover(self) -> Hits:
        for command in chat_commands(self.screen):  # type: ignore[arg-type]
            yield DiscoveryHit(command.title, command.callback, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in chat_commands(self.screen):  # type: ignore[arg-type]
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(command.title), command.callback, help=command.help
                )
