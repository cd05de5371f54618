"""The message box: multi-line editing, a send key and a newline key, and prompt history.

Both keys come from `[tui] send_key` / `newline_key` and show in the footer. Many terminals
send Shift+Enter as plain Enter, so Ctrl+J (a line feed in every terminal) also inserts a
newline. Up on the first line and Down on the last walk through earlier prompts, keeping the
draft being typed. The cursor stops blinking after `BLINK_TIMEOUT_S` without typing, as GTK's
does, so an idle app repaints nothing.
"""

from __future__ import annotations

from time import monotonic

from textual import events
from textual.message import Message
from textual.timer import Timer
from textual.widgets import TextArea

ALWAYS_NEWLINE = "ctrl+j"
# GTK's `gtk-cursor-blink-timeout` default: after this long without input the cursor stays
# solid. Each blink repaints the prompt and writes to the terminal: about 1% of a core here.
BLINK_TIMEOUT_S = 10.0


class PromptHistory:
    """Earlier prompts, oldest first, with a cursor that walks back from the newest."""

    def __init__(self, entries: list[str] | None = None, limit: int = 500) -> None:
        self.entries: list[str] = []
        self.limit = limit
        for entry in entries or []:
            self.add(entry)
        self._cursor: int | None = None  # None: editing the draft
        self._draft = ""

    def add(self, text: str) -> None:
        text = text.strip("\n")
        if not text.strip():
            return
        if self.entries and self.entries[-1] == text:
            self.reset()
            return
        self.entries.append(text)
        del self.entries[: -self.limit]
        self.reset()

    def reset(self) -> None:
        self._cursor = None
        self._draft = ""

    def previous(self, current: str) -> str | None:
        """The prompt before the one shown (the draft is kept); None at the oldest."""
        if not self.entries:
            return None
        if self._cursor is None:
            self._draft = current
            self._cursor = len(self.entries) - 1
        elif self._cursor == 0:
            return None
        else:
            self._cursor -= 1
        return self.entries[self._cursor]

    def next(self) -> str | None:
        """The prompt after the one shown, then the draft; None when already on the draft."""
        if self._cursor is None:
            return None
        if self._cursor < len(self.entries) - 1:
            self._cursor += 1
            return self.entries[self._cursor]
        draft = self._draft
        self.reset()
        return draft


class PromptInput(TextArea):
    """A TextArea that sends on the send key; its parent screen decides what sending means."""

    class Submitted(Message):
        def __init__(self, prompt_input: PromptInput, text: str) -> None:
            super().__init__()
            self.prompt_input = prompt_input
            self.text = text

    def __init__(
        self,
        send_key: str = "enter",
        newline_key: str = "shift+enter",
        history: PromptHistory | None = None,
        **kwargs,
    ) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)
        self.prompt_history = history or PromptHistory()
        self.send_key = send_key
        self.newline_key = newline_key
        self.set_keys(send_key, newline_key)
        self._blink_stopped_when_idle = False
        self._last_input = monotonic()
        self._blink_timeout: Timer | None = None

    def on_mount(self) -> None:
        self._arm_blink_timeout(BLINK_TIMEOUT_S)

    def _arm_blink_timeout(self, delay: float) -> None:
        self._blink_timeout = self.set_timer(delay, self._blink_timeout_due)

    def _blink_timeout_due(self) -> None:
        """Stop blinking, unless there was input since the countdown began: then wait on."""
        self._blink_timeout = None
        quiet_for = monotonic() - self._last_input
        if quiet_for < BLINK_TIMEOUT_S:
            self._arm_blink_timeout(BLINK_TIMEOUT_S - quiet_for)
        elif self.cursor_blink:
            self.cursor_blink = False  # the cursor stays shown, solid
            self._blink_stopped_when_idle = True

    def _user_is_here(self) -> None:
        """Note the input (a key costs one clock read); blink again if idleness stopped it."""
        self._last_input = monotonic()
        if self._blink_stopped_when_idle:
            self._blink_stopped_when_idle = False
            self.cursor_blink = True
        if self._blink_timeout is None and self.is_mounted:
            self._arm_blink_timeout(BLINK_TIMEOUT_S)

    def on_focus(self) -> None:
        self._user_is_here()

    def on_mouse_down(self) -> None:
        self._user_is_here()

    def set_keys(self, send_key: str, newline_key: str) -> None:
        """Rebind the two keys (from config or the settings screen); the footer follows."""
        self.send_key, self.newline_key = send_key, newline_key
        self._bindings = self._merged_bindings.copy() if self._merged_bindings else self._bindings
        self._bindings.bind(send_key, "submit", "Send", show=True)
        self._bindings.bind(newline_key, "newline", "Newline", show=True)
        self._bindings.bind(ALWAYS_NEWLINE, "newline", "Newline", show=False)
        if self.is_mounted:
            self.screen.refresh_bindings()

    async def _on_key(self, event: events.Key) -> None:
        self._user_is_here()
        # TextArea inserts a newline for Enter itself, before bindings are looked at.
        if self.send_key in event.aliases:
            event.stop()
            event.prevent_default()
            self.action_submit()
            return
        if self.newline_key in event.aliases or ALWAYS_NEWLINE in event.aliases:
            event.stop()
            event.prevent_default()
            self.action_newline()
            return
        if event.key == "up" and self.cursor_location[0] == 0:
            earlier = self.prompt_history.previous(self.text)
            if earlier is not None:
                event.stop()
                event.prevent_default()
                self._show(earlier, at_end=False)
                return
        if event.key == "down" and self.cursor_location[0] == self.document.line_count - 1:
            later = self.prompt_history.next()
            if later is not None:
                event.stop()
                event.prevent_default()
                self._show(later, at_end=True)
                return
        await super()._on_key(event)

    def _show(self, text: str, at_end: bool) -> None:
        self.load_text(text)
        if at_end:
            self.move_cursor(self.document.end)
        else:
            self.move_cursor((0, len(self.document.get_line(0))))

    def action_submit(self) -> None:
        if self.text.strip():
            self.post_message(self.Submitted(self, self.text))

    def action_newline(self) -> None:
        self.insert("\n")

    def clear_sent(self, text: str) -> None:
        """Empty the box after `text` was sent, remembering it for Up."""
        self.prompt_history.add(text)
        self.load_text("")
