"""The inspector for one reply: exactly what left this machine for it.

It shows the stored record (`Sent` events, as the session kept them in history): where each
request went, when, and its body as the SDK sent it, with placeholders where redaction
replaced values. The same record is `localfirst history sent ID` and part of the JSON export.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from localfirst.text.terminal import for_terminal


def describe_sent_record(sent: Sequence[dict]) -> str:
    """The record as text: a heading per request, then its JSON body, indented."""
    parts: list[str] = []
    for number, request in enumerate(sent, 1):
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(request.get("at", 0))))
        where = "a private server" if request.get("target") == "private" else "the cloud"
        heading = f"{number}. to {request.get('model', '?')} ({where}) at {when}"
        body = json.dumps(request.get("request", {}), indent=2, ensure_ascii=False)
        parts.append(f"{heading}\n\n{body}")
    return "\n\n".join(parts)


class SentScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,i,q", "close", "Close")]

    def __init__(self, message_id: int, sent: Sequence[dict]) -> None:
        super().__init__(classes="dialog-screen", id="sent")
        self.message_id = message_id
        self.sent = list(sent)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static("What left this machine", classes="dialog-title")
            yield Static(
                f"Reply {self.message_id}: each request as it went out. Nothing else about "
                "this reply left this machine.",
                classes="dialog-body hint",
            )
            with VerticalScroll(id="sent-body"):
                yield Static(
                    for_terminal(describe_sent_record(self.sent)), markup=False, id="sent-text"
                )
            yield Button("Close", id="close-sent", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close-sent", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss()

    def action_close(self) -> None:
        self.dismiss()
