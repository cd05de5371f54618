"""The conversation: user turns, and replies that stream as Markdown under a route badge.

A reply's text goes to a `ReplyBody` (see reply_body.py): `Markdown.append` once per frame
into short segments whose off-screen parts are frozen, so neither the cost of a token nor the
cost of a frame grows with the reply's length. The view is anchored to its end while a reply
streams and the user is at the bottom; scrolling up releases the anchor, scrolling back to
the bottom restores it.

A reopened chat mounts only the messages that fill a few screens around where it opens (its
end, or a search hit), so opening a 200-message chat costs what one screenful costs; earlier
and later messages are mounted a page at a time as the user scrolls to either edge.
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


class MoreMessages(Static):
    """Stands for the stored messages above or below those mounted; scrolling onto it loads
    the next page."""

    def __init__(self, count: int, earlier: bool) -> None:
        super().__init__(markup=False, classes="more " + ("earlier" if earlier else "later"))
        self.earlier = earlier
        self.set_count(count)

    def set_count(self, count: int) -> None:
        self.count = count
        plural = "message" if count == 1 else "messages"
        where = ("▲", "earlier", "up") if self.earlier else ("▼", "later", "down")
        self.update(f"{where[0]} {count} {where[1]} {plural}: scroll {where[2]} to show them")


# A page of a reopened chat: messages whose estimated height fills this many screens.
PAGE_SCREENS = 2
MESSAGE_CHROME_ROWS = 4  # author or badge, reason, stats and the margin


class ChatView(VerticalScroll):
    """The turns of the open conversation, newest at the bottom.

    After each scroll or layout change, sealed reply segments more than a screen away from
    the viewport are frozen (their widgets dropped) and those coming near are rebuilt (see
    `reply_body`).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._freeze_scheduled = False
        # a reopened chat: what history holds, and which of it is mounted ([_first, _last))
        self._stored: list[StoredMessage] = []
        self._prices: dict | None = None
        self._first = self._last = 0
        self._paging = False

    def on_mount(self) -> None:
        self.watch(self, "scroll_y", self._on_scroll, init=False)
        self.watch(self, "virtual_size", self.schedule_freeze, init=False)

    def _on_scroll(self) -> None:
        self.schedule_freeze()
        if self._paging:
            return
        if self._first > 0 and self.scroll_y <= 0:
            self._paging = True
            self.call_later(self._mount_earlier)
        elif self._last < len(self._stored) and self.scroll_y >= self.max_scroll_y:
            self._paging = True
            self.call_later(self._mount_later)

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
        self._stored, self._first, self._last = [], 0, 0
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
        """Show `messages` at the latest one, or at message `focus` where `words` appear;
        only the page around that point is mounted."""
        self._paging = True  # no page loads while the scroll position is not yet set
        await self.remove_children()
        self._stored = [m for m in messages if m.role in (Role.USER, Role.ASSISTANT)]
        self._prices = prices
        at = next((i for i, m in enumerate(self._stored) if m.id == focus), None)
        if at is None:
            focus = None
            self._last = len(self._stored)
            self._first = self._last - self._page_length(self._last, earlier=True)
        else:
            self._first = max(0, at - 1)  # the prompt above a hit in a reply, for context
            self._last = self._first + self._page_length(self._first, earlier=False)
        widgets: list[Static | MessageBlock] = []
        if self._first > 0:
            widgets.append(MoreMessages(self._first, earlier=True))
        widgets.extend(self._widget_for(m) for m in self._stored[self._first : self._last])
        if self._last < len(self._stored):
            widgets.append(MoreMessages(len(self._stored) - self._last, earlier=False))
        if widgets:
            await self.mount_all(widgets)
        if focus is not None:
            # after the layout, as for scroll_end below; the scroll then thaws what it reaches
            self.call_after_refresh(self._scroll_to_hit, focus, words)
        else:
            self.scroll_end(animate=False, immediate=True)
            # the replies' Markdown lays out after this frame: scroll again once it has, so a
            # reopened chat opens at its latest message rather than its first
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True)
        self.call_after_refresh(self._end_paging)

    async def show_latest(self) -> None:
        """Mount the chat's end again if a search hit left it unmounted (before a new turn)."""
        if self._last < len(self._stored):
            await self.show_conversation(self._stored, self._prices)

    def _widget_for(self, message: StoredMessage) -> MessageBlock:
        if message.role is Role.USER:
            return UserMessage(message.content, message.id, id=f"msg-{message.id}")
        widget = AssistantMessage.from_stored(message, self._prices)
        widget.id = f"msg-{message.id}"
        return widget

    def _page_length(self, edge: int, earlier: bool) -> int:
        """How many stored messages from `edge` (going up, or down) fill PAGE_SCREENS screens,
        by a cheap estimate of their wrapped height; at least one."""
        width = max(20, (self.size.width or self.app.size.width) - 8)
        budget = PAGE_SCREENS * max(10, self.size.height or self.app.size.height)
        indices = range(edge - 1, -1, -1) if earlier else range(edge, len(self._stored))
        count = rows = 0
        for index in indices:
            count += 1
            rows += MESSAGE_CHROME_ROWS + sum(
                1 + len(line) // width for line in self._stored[index].content.splitlines()
            )
            if rows >= budget:
                break
        return count

    async def _mount_earlier(self) -> None:
        """The page above the first mounted message, keeping what is on screen in place."""
        markers = list(self.query(".more.earlier").results(MoreMessages))
        if not markers or len(self.children) < 2:
            self._paging = False
            return
        try:
            marker = markers[0]
            anchor = self.children[1]  # the first mounted message, under the marker
            offset = anchor.virtual_region.y - self.scroll_y
            count = self._page_length(self._first, earlier=True)
            self._first -= count
            widgets = [self._widget_for(m) for m in self._stored[self._first : self._first + count]]
            await self.mount_all(widgets, after=marker)
            if self._first:
                marker.set_count(self._first)
            else:
                await marker.remove()

            def keep_in_place() -> None:
                self.scroll_to(y=anchor.virtual_region.y - offset, animate=False, immediate=True)

            keep_in_place()
            # the new replies' Markdown lays out over the next frame: place it again then
            self.call_after_refresh(keep_in_place)
            self.call_after_refresh(self._end_paging)
        except Exception:
            self._paging = False
            raise

    async def _mount_later(self) -> None:
        markers = list(self.query(".more.later").results(MoreMessages))
        if not markers:
            self._paging = False
            return
        try:
            marker = markers[0]
            count = self._page_length(self._last, earlier=False)
            widgets = [self._widget_for(m) for m in self._stored[self._last : self._last + count]]
            self._last += count
            await self.mount_all(widgets, before=marker)
            if self._last < len(self._stored):
                marker.set_count(len(self._stored) - self._last)
            else:
                await marker.remove()
        finally:
            self.call_after_refresh(self._end_paging)

    def _end_paging(self) -> None:
        self._paging = False

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
        await self.show_latest()
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
