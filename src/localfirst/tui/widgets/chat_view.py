"""The conversation: user turns, and replies that stream as Markdown under a route badge.

A reply's text goes to a `ReplyBody` (see reply_body.py): `Markdown.append` once per frame
into short segments whose off-screen parts are frozen, so neither the cost of a token nor the
cost of a frame grows with the reply's length. The view is anchored to its end while a reply
streams and the user is at the bottom; scrolling up releases the anchor, scrolling back to
the bottom restores it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region
from textual.message import Message
from textual.widgets import Static

from localfirst.explain import (
    ReplyFigures,
    figures_for_stored,
    is_cloud,
    route_label,
    route_reason,
    stats_line,
)
from localfirst.text.terminal import for_terminal, one_line_for_terminal
from localfirst.tui.export import code_blocks
from localfirst.tui.widgets.reply_body import ReplyBody
from localfirst.types.messages import MessageStatus, Role, StoredMessage


class MessageBlock(Vertical, can_focus=True):
    """One turn; focus it (Tab or a click) to copy it or its code."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy_text", "Copy message"),
        Binding("k", "copy_code", "Copy code"),
    ]

    def __init__(self, text: str = "", message_id: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.text = text
        self.message_id = message_id

    def action_copy_text(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.notify("Message copied to the clipboard")

    def action_copy_code(self) -> None:
        blocks = code_blocks(self.text)
        if not blocks:
            self.notify("This message has no code block", severity="warning")
            return
        self.app.copy_to_clipboard(blocks[-1] if len(blocks) == 1 else "\n".join(blocks))
        plural = "block" if len(blocks) == 1 else f"{len(blocks)} blocks"
        self.notify(f"Code {plural} copied to the clipboard")


class UserMessage(MessageBlock):
    def compose(self) -> ComposeResult:
        yield Static("You", classes="author")
        yield Static(for_terminal(self.text), classes="body", markup=False)


class AssistantMessage(MessageBlock):
    """A reply: badge (route), reason, Markdown body, notes, then stats once it ends."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "inspect_sent", "What left this machine"),
    ]

    class InspectSent(Message):
        """Show exactly what was sent for this reply (the screen reads it from history)."""

        def __init__(self, message_id: int | None) -> None:
            super().__init__()
            self.message_id = message_id

    def action_inspect_sent(self) -> None:
        self.post_message(self.InspectSent(self.message_id))

    def __init__(
        self,
        route: Mapping | None = None,
        model: str = "",
        text: str = "",
        message_id: int | None = None,
        complete: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(text, message_id, **kwargs)
        self.complete = complete  # reopened from history: nothing more will stream in
        self.route = dict(route or {})
        self.model = model
        self.finished = False
        self.outcome = ""
        self.notes: list[str] = []
        # the route holds a server's words (errors, model names): shown only once made safe
        self.badge_text = one_line_for_terminal(route_label(self.route, self.model))
        self.reason_text = for_terminal(route_reason(self.route))
        self.stats_text = "…"

    def compose(self) -> ComposeResult:
        cloud = is_cloud(self.route)
        yield Static(
            self.badge_text, classes="badge " + ("cloud" if cloud else "local"), markup=False
        )
        reason = Static(_one_line(self.reason_text), classes="reason", markup=False)
        reason.tooltip = self.reason_text or None
        yield reason
        yield ReplyBody(self.text, complete=self.complete)
        notes = Static(self._notes_text(), classes="notes", markup=False)
        notes.display = bool(self.notes)
        yield notes
        yield Static(self.stats_text, classes="stats", markup=False)

    @property
    def body(self) -> ReplyBody:
        return self.query_one(ReplyBody)

    def set_route(self, route: Mapping, model: str = "") -> None:
        """Update the badge, e.g. when a failed cloud request was answered locally."""
        self.route = dict(route)
        self.model = model or self.model
        # the route holds a server's words (errors, model names): shown only once made safe
        self.badge_text = one_line_for_terminal(route_label(self.route, self.model))
        self.reason_text = for_terminal(route_reason(self.route))
        badge = self.query_one(".badge", Static)
        badge.update(self.badge_text)
        badge.set_class(is_cloud(self.route), "cloud")
        badge.set_class(not is_cloud(self.route), "local")
        reason = self.query_one(".reason", Static)
        reason.update(_one_line(self.reason_text))
        reason.tooltip = self.reason_text or None
        self._show_reason(self.has_focus)

    def on_focus(self) -> None:
        self._show_reason(expanded=True)

    def on_blur(self) -> None:
        self._show_reason(expanded=False)

    def _show_reason(self, expanded: bool) -> None:
        """One line while reading; the whole reason, wrapped, once the reply has the focus
        (Tab reaches it), so its end ("... so use the env variable") is readable by keyboard."""
        if not self.is_mounted:
            return
        reason = self.query_one(".reason", Static)
        reason.update(self.reason_text if expanded else _one_line(self.reason_text))
        reason.set_class(expanded, "-expanded")

    async def write(self, fragment: str) -> None:
        """Append streamed text; the stream coalesces fragments that arrive between frames."""
        self.text += fragment
        await self.body.write(fragment)

    async def restart(self, note: str) -> None:
        """The text so far is void (a local tier died mid-reply): clear it and say why."""
        self.text = ""
        await self.body.clear()
        self.add_note(note)

    def _notes_text(self) -> str:
        return "\n".join(f"ⓘ {note}" for note in self.notes)

    def add_note(self, text: str) -> None:
        self.notes.append(for_terminal(text))
        if self.is_mounted:
            notes = self.query_one(".notes", Static)
            notes.update(self._notes_text())
            notes.display = True

    def show_error(self, text: str) -> None:
        self.add_note(text)
        self.add_class("error")

    def show_stats(self, figures: ReplyFigures, outcome: str) -> None:
        self.finished = True
        self.outcome = outcome
        self.set_class(outcome == "cancelled", "stopped")
        if outcome == "cancelled" and not self.text.strip():
            outcome = "cancelled-empty"  # Esc before the first token: there is nothing kept
        self.stats_text = stats_line(figures, outcome) or " "
        if self.is_mounted:
            self.query_one(".stats", Static).update(self.stats_text)

    async def finish(self, outcome: str, figures: ReplyFigures) -> None:
        """Close the stream and show the stats line; safe to call twice."""
        await self.body.finish()
        self.show_stats(figures, outcome)

    @classmethod
    def from_stored(cls, message: StoredMessage, prices: dict | None) -> AssistantMessage:
        """A reply reopened from history: no timings, but its route, tokens and cost."""
        widget = cls(message.route, message.model, message.content, message.id, complete=True)
        outcome = {MessageStatus.INCOMPLETE: "cancelled", MessageStatus.ERROR: "error"}.get(
            message.status, "stop"
        )
        if message.route and not message.route.get("available", True):
            widget.add_class("error")  # the reason line already says how to fix it
            outcome = "unavailable"
        figures = figures_for_stored(
            message.route, message.model, message.input_tokens, message.output_tokens, prices
        )
        widget.show_stats(figures, outcome)
        return widget


def _one_line(text: str, detail_limit: int = 40) -> str:
    """The reason as one line, a long parenthesised detail elided; the tooltip has it all.

    "privacy check could not run (<a long error and its hint>): kept local (fail closed)"
    keeps its verdict readable as "privacy check could not run (…): kept local (fail closed)".
    """
    line = " ".join(text.split())
    start, end = line.find(" ("), line.rfind("): ")
    if 0 < start < end and end - start > detail_limit:
        line = f"{line[:start]} (…){line[end + 1 :]}"
    return line


class Welcome(Static):
    """What an empty chat shows: how to start, and what the badges mean."""


class ChatView(VerticalScroll):
    """The turns of the open conversation, newest at the bottom.

    After each scroll or layout change, sealed reply segments more than a screen away from
    the viewport are frozen (their widgets dropped) and those coming near are rebuilt (see
    `reply_body`).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._freeze_scheduled = False

    def on_mount(self) -> None:
        self.watch(self, "scroll_y", self.schedule_freeze, init=False)
        self.watch(self, "virtual_size", self.schedule_freeze, init=False)

    def on_resize(self) -> None:
        # Blanks keep the height measured at the old width until they thaw: far off screen
        # that is only a scroll position a little off, and rebuilding every segment of a long
        # chat on each resize would cost far more.
        self.schedule_freeze()

    def schedule_freeze(self) -> None:
        if not self._freeze_scheduled:
            self._freeze_scheduled = True
            self.call_after_refresh(self._update_frozen)

    def _segments(self):
        for child in self.children:
            if isinstance(child, AssistantMessage) and child.is_mounted:
                yield from child.body.segments

    def _update_frozen(self) -> None:
        self._freeze_scheduled = False
        view = self.region
        if not view.height:
            return
        near = Region(view.x, view.y - view.height, view.width, view.height * 3)
        for segment in self._segments():
            if segment.region.overlaps(near) or not segment.sealed:
                segment.thaw()
            else:
                segment.freeze()

    async def clear_messages(self, welcome: str = "") -> None:
        await self.remove_children()
        if welcome:
            await self.mount(Welcome(welcome, id="welcome"))

    def set_welcome(self, text: str) -> None:
        for widget in self.query("#welcome"):
            widget.update(text)  # type: ignore[attr-defined]

    async def show_conversation(
        self,
        messages: list[StoredMessage],
        prices: dict | None,
        focus: int | None = None,
        words: str = "",
    ) -> None:
        """Show `messages` at the latest one, or at message `focus` where `words` appear."""
        await self.remove_children()
        widgets = []
        for message in messages:
            if message.role is Role.USER:
                widgets.append(UserMessage(message.content, message.id, id=f"msg-{message.id}"))
            elif message.role is Role.ASSISTANT:
                widget = AssistantMessage.from_stored(message, prices)
                widget.id = f"msg-{message.id}"
                widgets.append(widget)
        if widgets:
            await self.mount_all(widgets)
        if focus is not None:
            # after the layout, as for scroll_end below; the scroll then thaws what it reaches
            self.call_after_refresh(self._scroll_to_hit, focus, words)
            return
        self.scroll_end(animate=False, immediate=True)
        # the replies' Markdown lays out after this frame: scroll again once it has, so a
        # reopened chat opens at its latest message rather than its first
        self.call_after_refresh(self.scroll_end, animate=False, immediate=True)

    def _scroll_to_hit(self, message_id: int, words: str) -> None:
        """Scroll to the segment of the message that holds the first searched word, else to
        the message's top; frozen segments there are rebuilt by the freeze pass."""
        found = list(self.query(f"#msg-{message_id}"))
        if not found:
            return
        target = found[0]
        wanted = [w.lower() for w in re.findall(r"\w+", words)]
        if wanted and isinstance(target, AssistantMessage):
            for segment in target.body.segments:
                if any(w in segment.text.lower() for w in wanted):
                    target = segment
                    break
        self.scroll_to_widget(target, animate=False, top=True, immediate=True)
        self.schedule_freeze()

    async def add_user(self, text: str) -> UserMessage:
        await self.remove_children("#welcome")
        widget = UserMessage(text)
        await self.mount(widget)
        self.anchor()  # the user just sent: follow the reply until they scroll away
        return widget

    async def add_reply(self, route: Mapping, model: str = "") -> AssistantMessage:
        widget = AssistantMessage(route, model)
        await self.mount(widget)
        return widget

    @property
    def replies(self) -> list[AssistantMessage]:
        return list(self.query(AssistantMessage))
