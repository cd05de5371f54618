"""The help screen (F1, or ? outside the prompt): the app's own keys, not Textual's.

The table is the one the footer cannot show: every key of the chat screen, the message
list and the chat list, with what it does here. `tests/tui/test_help.py` checks that each
binding of those widgets is listed, so the page cannot fall behind the code.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

# (where, keys, what they do); keys as a user reads them, not as Textual names them
KEYS: tuple[tuple[str, str, str], ...] = (
    ("Writing", "Enter", "send the message ([tui] send_key)"),
    ("Writing", "Shift+Enter, Ctrl+J", "new line ([tui] newline_key; Ctrl+J always works)"),
    ("Writing", "Up / Down", "earlier prompts, from the first or last line; the draft is kept"),
    ("Replies", "Esc", "stop the reply being written (the text so far is kept)"),
    ("Replies", "Ctrl+R", "answer the last message again"),
    ("Replies", "Ctrl+O", "send the message in the box to the cloud once (asks first)"),
    ("Replies", "Tab, Shift+Tab", "move between the box, the messages and the chat list"),
    ("Replies", "c", "on a message: copy its text"),
    ("Replies", "k", "on a reply: copy its code blocks"),
    ("Replies", "i", "on a reply: exactly what left this machine for it, if anything"),
    ("Chats", "Ctrl+N", "new chat"),
    ("Chats", "Ctrl+F", "search every chat"),
    ("Chats", "Ctrl+B", "show or hide the chat list"),
    ("Chats", "r, d, e", "in the chat list: rename, delete (asks first), export"),
    ("Session", "Ctrl+L", "local-only on or off for this session"),
    ("Session", "F2", "settings: models, cloud & API keys, routing, privacy, key bindings"),
    ("Session", "Ctrl+P", "command palette: every command, themes and exports included"),
    ("Session", "F1, ?", "this help"),
    ("Session", "Ctrl+Q", "quit (a reply being written is saved first)"),
)


def help_text() -> str:
    """The key table as plain text, grouped, for the screen and for tests."""
    lines: list[str] = []
    width = max(len(keys) for _where, keys, _what in KEYS)
    group = ""
    for where, keys, what in KEYS:
        if where != group:
            lines += ["", where] if lines else [where]
            group = where
        lines.append(f"  {keys.ljust(width)}  {what}")
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,question_mark,q", "close", "Close help"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen", id="help")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static("Keys", classes="dialog-title")
            with VerticalScroll(id="help-keys"):
                yield Static(help_text(), markup=False, id="help-text")
            yield Static(
                "Every reply says where it ran and why. docs/tui.md has the whole guide.",
                classes="dialog-body hint",
            )
            yield Button("Close", id="close-help", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close-help", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss()

    def action_close(self) -> None:
        self.dismiss()
