"""A reply's Markdown in segments of a few blocks, so a long reply stays cheap to show.

Streamed text reaches the screen through `Markdown.append`, which parses again only the
document's last block, at most once per frame (`FLUSH_INTERVAL_S`): text arriving in between
is batched, as Textual's `MarkdownStream` does, but each hand-over is awaited to the end, so
a segment can be cut knowing exactly what it shows.

Textual lays out every widget of a screen on each layout pass, and a Markdown document is a
widget per block (more for lists), so one long reply would make every frame cost more as it
grows. Here a reply is a column of `Segment`s, each one `Markdown` of about
`BLOCKS_PER_SEGMENT` top-level blocks. Only the last segment grows; once it holds more blocks
than that, its finished blocks are sealed and the still-growing last block starts the next
segment. Sealed segments far outside the viewport are frozen by the chat view: their Markdown
is dropped for a blank of the same height and rebuilt from the text when it comes near, so
layout work, memory and the garbage collector's walks follow what is on screen, not the
length of the conversation.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer

from localfirst.text.terminal import for_terminal

if TYPE_CHECKING:  # imported on first use: it is not needed for the first frame
    from textual.widgets import Markdown

BLOCKS_PER_SEGMENT = 8
# Streamed text is handed to Markdown at most this often: each hand-over parses the last block
# again and rebuilds its widgets, so doing it per token (hundreds a second) would cost far more
# than once per frame, for no visible difference.
FLUSH_INTERVAL_S = 1 / 30


def flush_delay(last_flush: float, now: float, interval: float = FLUSH_INTERVAL_S) -> float:
    """Seconds until the next hand-over: `interval` after the last one began, not after the
    text arrived, so a slow frame is followed at once rather than a whole interval later
    (Textual's timers need a delay above zero)."""
    return max(last_flush + interval - now, 0.001)


def block_starts(markdown: str) -> list[int]:
    """Character offsets where the top-level blocks of `markdown` begin (Textual's parser)."""
    from markdown_it import MarkdownIt

    lines = markdown.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    starts = {
        offsets[token.map[0]]
        for token in MarkdownIt("gfm-like").parse(markdown)
        if token.map is not None and token.level == 0 and token.nesting >= 0
    }
    return sorted(starts)


def split_segments(markdown: str, blocks_per_segment: int = BLOCKS_PER_SEGMENT) -> list[str]:
    """`markdown` cut between top-level blocks into pieces of at most `blocks_per_segment`."""
    cuts = block_starts(markdown)[blocks_per_segment::blocks_per_segment]
    pieces, previous = [], 0
    for cut in cuts:
        pieces.append(markdown[previous:cut])
        previous = cut
    pieces.append(markdown[previous:])
    return pieces


class Segment(Vertical):
    """One Markdown of a few blocks; sealed once no more text will go into it.

    A frozen segment holds no widgets at all, only its text and its height: its Markdown is
    removed, so neither layout nor memory nor the garbage collector's walk grows with what
    is out of sight. Thawing builds the Markdown again from the text, keeping the blank's
    height until it is in place, so nothing on screen moves.
    """

    def __init__(self, markdown: str = "", sealed: bool = True) -> None:
        super().__init__()
        self.initial = markdown
        self.text = markdown  # what this segment shows once sealed
        self.sealed = sealed
        self.frozen = False
        self._thawing = False
        # held directly, not looked up: Textual's query cache would keep a dropped one alive
        self._markdown: Markdown | None = None

    def compose(self) -> ComposeResult:
        from localfirst.tui.widgets.streaming_markdown import StreamingMarkdown

        self._markdown = StreamingMarkdown(self.initial)
        yield self._markdown

    @property
    def markdown(self) -> Markdown:
        if self._markdown is None:
            raise LookupError("a frozen segment has no Markdown; thaw it first")
        return self._markdown

    def freeze(self) -> None:
        """Replace the Markdown with a blank of the same height (it is out of sight)."""
        if self.frozen or self._thawing or not self.sealed or self.size.height == 0:
            return
        self.styles.height = self.size.height
        self.frozen = True
        markdown, self._markdown = self._markdown, None
        if markdown is not None:
            self.call_later(self._drop, markdown)

    async def _drop(self, markdown: Markdown) -> None:
        await markdown.remove()
        # Textual keeps a container's last arrangements and its last list of displayed
        # children, either of which would keep the removed widgets alive: let both go.
        self._clear_arrangement_cache()
        _ = self.displayed_children  # recomputed, now empty

    def thaw(self) -> None:
        if self.frozen and not self._thawing:
            self._thawing = True
            self.call_later(self._rebuild)

    async def _rebuild(self) -> None:
        from localfirst.tui.widgets.streaming_markdown import StreamingMarkdown

        try:
            self._markdown = StreamingMarkdown(self.text)
            await self.mount(self._markdown)  # returns once its blocks are mounted
            self.styles.height = "auto"
            self.frozen = False
        finally:
            self._thawing = False


class ReplyBody(Vertical):
    """The Markdown of one reply; `write` streams into it, `source` is all of it."""

    blocks_per_segment = BLOCKS_PER_SEGMENT

    def __init__(self, markdown: str = "", complete: bool = False) -> None:
        """`complete`: a reply reopened from history, which will not grow."""
        super().__init__()
        markdown = for_terminal(markdown)  # a reply's text is outside text
        self.source = markdown
        self.complete = complete
        self._sealed_chars = 0  # how much of `source` the sealed segments hold
        self._shown_chars = len(markdown)  # how much of `source` went to a segment
        self._pending: list[str] = []
        self._flush_timer: Timer | None = None
        self._last_flush = 0.0  # time.monotonic() when the last hand-over began
        self._lock = asyncio.Lock()  # one hand-over, seal or stop at a time
        pieces = split_segments(markdown, self.blocks_per_segment) if markdown else [""]
        self._sealed_chars = len(markdown) - len(pieces[-1])
        self._initial_pieces = pieces

    def compose(self) -> ComposeResult:
        for piece in self._initial_pieces[:-1]:
            yield Segment(piece, sealed=True)
        yield Segment(self._initial_pieces[-1], sealed=self.complete)

    @property
    def segments(self) -> list[Segment]:
        return [child for child in self.children if isinstance(child, Segment)]

    @property
    def _live(self) -> Segment:
        return self.segments[-1]

    async def write(self, fragment: str) -> None:
        """Append streamed text; it reaches the screen within `FLUSH_INTERVAL_S`.

        Each fragment is made safe on its own: an escape character never survives, so a
        sequence split across fragments cannot form again."""
        fragment = for_terminal(fragment)
        self.source += fragment
        self._pending.append(fragment)
        if self._flush_timer is None:
            delay = flush_delay(self._last_flush, time.monotonic())
            self._flush_timer = self.set_timer(delay, self._flush)

    async def _flush(self) -> None:
        self._flush_timer = None
        self._last_flush = time.monotonic()
        async with self._lock:
            await self._hand_over()
            if len(self._live.markdown.children) > self.blocks_per_segment:
                await self._seal()

    async def _hand_over(self) -> None:
        """Give the text written since the last frame to the live segment's stream."""
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        self._shown_chars += len(text)
        await self._live.markdown.append(text)

    async def _seal(self) -> None:
        """Seal the live segment's finished blocks; its last block starts the next segment.

        The finished blocks stay as they are on screen: only the last block's widget moves
        (when Textual's blocks line up with the parser's, as they do for what it renders),
        so sealing costs about as much as one more block.
        """
        live = self._live
        # only what the live segment was given: text written meanwhile is still pending
        live_text = self.source[self._sealed_chars : self._shown_chars]
        starts = block_starts(live_text)
        if len(starts) < 2:
            return
        cut = starts[-1]
        blocks = list(live.markdown.children)
        if len(blocks) == len(starts):
            await blocks[-1].remove()
        else:
            await live.markdown.update(live_text[:cut])
        live.text = live_text[:cut]
        live.sealed = True
        self._sealed_chars += cut
        # The next segment starts empty and is given its first block by `append`, not by its
        # constructor: a Markdown built from text resumes appending at that text's last line
        # (Textual's `update`), which inside an unfinished code block would read the rest of
        # the block as new prose, and prose after the fence as code.
        following = Segment("", sealed=False)
        await self.mount(following)
        await following.markdown.append(live_text[cut:])

    async def stop(self) -> None:
        """Show everything written so far and close the stream."""
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        async with self._lock:
            await self._hand_over()

    async def finish(self) -> None:
        """The reply ended: show all of it; the chat view may now freeze its last segment."""
        await self.stop()
        async with self._lock:
            live = self._live
            live_text = self.source[self._sealed_chars :]
            pieces = split_segments(live_text, self.blocks_per_segment)
            if len(pieces) > 1:  # the text came in a burst bigger than a segment
                await live.markdown.update(pieces[0])
                await self.mount_all([Segment(piece) for piece in pieces[1:]])
            live.text = pieces[0]
            live.sealed = True
            self._sealed_chars = len(self.source)

    async def clear(self) -> None:
        """Start again empty (a local tier died mid-reply and the next one answers anew)."""
        await self.stop()
        await self.remove_children()
        self.source = ""
        self._sealed_chars = self._shown_chars = 0
        self._pending.clear()
        await self.mount(Segment("", sealed=False))
