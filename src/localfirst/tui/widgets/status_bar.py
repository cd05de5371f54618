"""The top bar: the chat's title, the routing mode, and what is ready (model, gate, cloud).

The mode chip is always visible, because it answers the question users ask most: can this
leave my machine right now? Clicking it toggles local-only, like Ctrl+L.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from localfirst.text.terminal import for_terminal, one_line_for_terminal
from localfirst.types.decision import SessionMode

STATE_MARKS = {"busy": "◌", "ready": "●", "off": "○", "error": "✖"}
MODE_LABELS = {
    SessionMode.AUTO: "AUTO",
    SessionMode.LOCAL_ONLY: "LOCAL-ONLY",
    SessionMode.OFFLINE: "OFFLINE",
}


class Indicator(Widget):
    """One part's state: a mark coloured by state, and a few words.

    Compact (a narrow terminal), it keeps the mark and either its words or its label
    (`compact_shows`), so "● model gemma-3-270m" becomes "● gemma-3-270m" and "● gate ready"
    becomes "● gate"; the full text stays in the tooltip.

    The words are rendered from reactive state on every paint, not pushed with `update()`:
    a state set before the first layout (the cloud check can finish that early) once stayed
    on screen as "checking…" until a resize."""

    state: reactive[str] = reactive("busy", layout=True)
    text: reactive[str] = reactive("", layout=True)
    compact: reactive[bool] = reactive(False, layout=True)

    def __init__(self, label: str, compact_shows: str = "text", **kwargs) -> None:
        super().__init__(**kwargs)
        self.label = label
        self.compact_shows = compact_shows

    def render(self) -> str:
        words = f"{self.label} {self.text}"
        if self.compact:
            words = self.label if self.compact_shows == "label" else self.text
        return f"{STATE_MARKS[self.state]} {words}".rstrip()

    def set_compact(self, compact: bool) -> None:
        self.compact = compact

    def set_state(self, state: str, text: str, detail: str = "") -> None:
        """Show `text` (short); `detail` (the full reason) appears on hover."""
        self.tooltip = for_terminal(detail) or None
        for name in STATE_MARKS:
            self.set_class(name == state, f"-{name}")
        self.state, self.text = state, one_line_for_terminal(text)


class ModelChip(Indicator):
    """The model indicator; a click opens the model switcher."""

    class Clicked(Message):
        """The user clicked the model chip."""

    def on_click(self, event: Click) -> None:
        event.stop()
        self.post_message(self.Clicked())


class ModeChip(Static):
    class Toggled(Message):
        """The user clicked the chip."""

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        self.mode = SessionMode.AUTO

    def set_mode(self, mode: SessionMode) -> None:
        self.mode = mode
        for each in SessionMode:
            self.set_class(each is mode, f"-{each.value}")
        self.update(f" {MODE_LABELS[mode]} ")
        self.tooltip = {
            SessionMode.AUTO: "Private or simple prompts stay local; others may use the cloud. "
            "Ctrl+L: local-only",
            SessionMode.LOCAL_ONLY: "Nothing goes to the cloud in this session. Ctrl+L: auto",
            SessionMode.OFFLINE: "Offline mode: no network connections at all",
        }[mode]

    def on_click(self, event: Click) -> None:
        event.stop()
        self.post_message(self.Toggled())


class StatusBar(Horizontal):
    def compose(self) -> ComposeResult:
        yield Static("localfirst", id="app-name")
        yield ModeChip(id="mode")
        yield Static("New chat", id="chat-title", markup=False)
        yield ModelChip("model", id="model-status")
        yield Indicator("gate", compact_shows="label", id="gate-status")
        yield Indicator("cloud", id="cloud-status")

    def set_title(self, title: str, private: bool = False) -> None:
        """The chat's title; a private chat carries the lock, as in the sidebar."""
        shown = one_line_for_terminal(title) or "New chat"
        self.query_one("#chat-title", Static).update(f"🔒 {shown}" if private else shown)

    def set_mode(self, mode: SessionMode) -> None:
        self.query_one(ModeChip).set_mode(mode)

    def set_compact(self, compact: bool) -> None:
        """A narrow terminal: no app name, indicators reduced to a mark and a word or two."""
        self.set_class(compact, "-compact")
        for indicator in self.query(Indicator):
            indicator.set_compact(compact)

    def set_status(self, part: str, state: str, text: str, detail: str = "") -> None:
        self.query_one(f"#{part}-status", Indicator).set_state(state, text, detail)
        self.refresh(layout=True)  # the bar's own layout: its parts' widths changed

    def status_text(self, part: str) -> str:
        indicator = self.query_one(f"#{part}-status", Indicator)
        return f"{indicator.state}: {indicator.text}"
