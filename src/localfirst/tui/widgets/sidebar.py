"""The conversation list and its full-text search (SQLite FTS5 over every message).

The sidebar only shows and reports: opening, renaming and deleting are the chat screen's
work, so the list never holds history state of its own beyond what it displays.

The list is one `OptionList`, which draws its lines itself, not a widget per chat: Textual
lays out every widget on each pass, so a `ListView` of 40 chats cost about 0.5 s to show here
and a little on every frame after (scripts/bench_history.py).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from localfirst.text.terminal import for_terminal, one_line_for_terminal

if TYPE_CHECKING:
    from localfirst.storage.history import History
    from localfirst.types.messages import Conversation

SEARCH_DELAY_S = 0.15
# Conversations the list loads at a time; the next page loads as the cursor or the scroll
# comes near the end, so a history of thousands of chats opens as fast as a short one.
PAGE_SIZE = 40
LOAD_AHEAD = 10
SENSITIVE_MARK = "🔒"


class ConversationItem(Option):
    """One chat: its title on one line, 🔒 when it holds private data, bold when open."""

    def __init__(self, conversation: Conversation, current: bool) -> None:
        self.conversation_id = conversation.id
        self.title = one_line_for_terminal(conversation.title or "") or "Untitled chat"
        self.sensitive = conversation.sensitive
        mark = f"{SENSITIVE_MARK} " if self.sensitive else ""
        # Content, not a str: a title is never read as markup
        line = Content(mark + self.title)
        super().__init__(line.stylize("bold") if current else line)


class SearchHit(Option):
    """A message that matched: its chat's title, then the snippet with the words marked."""

    def __init__(self, conversation_id: int, message_id: int, title: str, snippet: str) -> None:
        self.conversation_id = conversation_id
        self.message_id = message_id
        self.title = one_line_for_terminal(title)
        self.snippet, self.matches = _highlighted(snippet)
        heading = Content(self.title or "Untitled chat").stylize("bold")
        snippet = Content(self.snippet).stylize("dim")
        for start, end in self.matches:
            snippet = snippet.stylize("bold reverse", start, end)
        super().__init__(Content("\n").join([heading, snippet]))


# Private-use characters around each matched word: they never occur in stored text, so the
# words are highlighted rather than shown between brackets ("[capital]").
HIT_MARKS = ("\ue000", "\ue001")


def _highlighted(snippet: str) -> tuple[str, list[tuple[int, int]]]:
    """The snippet, safe and on one line, with the spans its matched words take."""
    opening, closing = HIT_MARKS
    text, spans, start = "", [], None
    for part in re.split(f"({opening}|{closing})", snippet):
        if part == opening:
            start = len(text)
        elif part == closing:
            if start is not None:
                spans.append((start, len(text)))
            start = None
        else:
            text += re.sub(r"\s", " ", for_terminal(part))
    return text, spans


class ConversationList(OptionList):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "rename", "Rename"),
        Binding("d,delete", "delete", "Delete"),
        Binding("e", "export", "Export"),
    ]

    def _selected_id(self) -> int | None:
        return getattr(self.highlighted_option, "conversation_id", None)

    def action_rename(self) -> None:
        if (conversation_id := self._selected_id()) is not None:
            self.post_message(ConversationSidebar.RenameRequested(conversation_id))

    def action_delete(self) -> None:
        if (conversation_id := self._selected_id()) is not None:
            self.post_message(ConversationSidebar.DeleteRequested(conversation_id))

    def action_export(self) -> None:
        if (conversation_id := self._selected_id()) is not None:
            self.post_message(ConversationSidebar.ExportRequested(conversation_id))


class ConversationSidebar(Vertical):
    class Opened(Message):
        """A chat to open; from a search hit, the message and the words searched for."""

        def __init__(
            self, conversation_id: int, message_id: int | None = None, words: str = ""
        ) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.message_id = message_id
            self.words = words

    class RenameRequested(Message):
        def __init__(self, conversation_id: int) -> None:
            super().__init__()
            self.conversation_id = conversation_id

    class DeleteRequested(RenameRequested):
        pass

    class ExportRequested(RenameRequested):
        pass

    def __init__(self, history: History, **kwargs) -> None:
        super().__init__(**kwargs)
        self.history = history
        self.current_id: int | None = None
        self._search_timer: Timer | None = None
        self.query_text = ""
        self._last_loaded: Conversation | None = None  # where the next page starts
        self._all_loaded = False

    def compose(self) -> ComposeResult:
        yield Static("Chats", classes="sidebar-title")
        yield Input(placeholder="Search all chats…", id="search")
        yield ConversationList(id="conversations")
        yield Static("r rename · d delete · e export", classes="sidebar-help")

    @property
    def list_view(self) -> ConversationList:
        return self.query_one(ConversationList)

    async def reload(self, current_id: int | None = None) -> None:
        """Show the conversations (or the search hits, while a search is typed)."""
        self.current_id = current_id
        if not self.list_view.is_attached:  # the app is closing
            return
        if self.query_text:
            await self._show_hits(self.query_text)
            return
        page = self.history.list_conversations(PAGE_SIZE)
        self._last_loaded = page[-1] if page else None
        self._all_loaded = len(page) < PAGE_SIZE
        items = [ConversationItem(c, c.id == current_id) for c in page]
        self.list_view.remove_class("-hits")
        self.list_view.set_options(items)
        # the cursor starts on the open chat, else on the newest
        self.list_view.highlighted = next(
            (i for i, item in enumerate(items) if item.conversation_id == current_id),
            0 if items else None,
        )

    async def load_more(self) -> None:
        """The next page of older conversations, appended (while no search is shown)."""
        if self.query_text or self._all_loaded or self._last_loaded is None:
            return
        page = self.history.list_conversations(PAGE_SIZE, after=self._last_loaded)
        self._all_loaded = len(page) < PAGE_SIZE
        if page:
            self._last_loaded = page[-1]
            self.list_view.add_options(ConversationItem(c, c.id == self.current_id) for c in page)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_index >= self.list_view.option_count - LOAD_AHEAD:
            self.call_later(self.load_more)

    def on_mount(self) -> None:
        self.watch(self.list_view, "scroll_y", self._scrolled, init=False)

    def _scrolled(self) -> None:
        view = self.list_view
        if view.max_scroll_y and view.scroll_y >= view.max_scroll_y - LOAD_AHEAD:
            self.call_later(self.load_more)

    @property
    def titles(self) -> list[str]:
        return [getattr(item, "title", "") for item in self.list_view.options]

    @property
    def items(self) -> list[Option]:
        """What the list shows: ConversationItems, or SearchHits while a search is shown."""
        return list(self.list_view.options)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY_S, lambda: self.search(event.value))

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        await self.search(event.value)
        self.list_view.focus()

    async def search(self, text: str) -> None:
        self.query_text = text.strip()
        await self.reload(self.current_id)

    async def _show_hits(self, text: str) -> None:
        found = self.history.search(text, marks=HIT_MARKS)
        titles = self.history.titles(sorted({conversation_id for conversation_id, _, _ in found}))
        hits = [
            SearchHit(conversation_id, message_id, titles[conversation_id], snippet)
            for conversation_id, message_id, snippet in found
            if conversation_id in titles
        ]
        self.list_view.add_class("-hits")  # hits wrap; chat titles keep to one line
        if hits:
            self.list_view.set_options(hits)
            self.list_view.highlighted = 0
        else:
            self.list_view.set_options(
                [Option(Content(f"No message matches “{text}”"), disabled=True)]
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        item = event.option
        if isinstance(item, SearchHit):
            self.post_message(self.Opened(item.conversation_id, item.message_id, self.query_text))
        elif isinstance(item, ConversationItem):
            self.post_message(self.Opened(item.conversation_id))

    def focus_search(self) -> None:
        self.query_one("#search", Input).focus()
