"""A reply's Markdown in segments of a few blocks, so a long reply stays cheap to lay out.

Textual lays out every widget of a screen on each layout pass, and a Markdown document is a
widget per block (more for lists), so one long reply would make every frame cost more as it
grows. Here a reply is a column of `Segment`s, each one `Markdown` of at most
`BLOCKS_PER_SEGMENT` top-level blocks. Only the last segment streams (Textual's
`MarkdownStream` appends to it); once it holds more blocks than that, its finished blocks are
sealed and the still-growing last block starts the next segment. Sealed segments far outside
the viewport are frozen by the chat view: their Markdown is hidden behind a blank of the same
height, so layout work follows what is on screen, not the length of the conversation.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream

BLOCKS_PER_SEGMENT = 8


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
    """One Markdown of a few blocks; sealed once no more text will go into it."""

    def __init__(self, markdown: str = "", sealed: bool = True) -> None:
        super().__init__()
        self.initial = markdown
        self.sealed = sealed
        self.frozen = False

    def compose(self) -> ComposeResult:
        yield Markdown(self.initial)

    @property
    def markdown(self) -> Markdown:
        return self.query_one(Markdown)

    def freeze(self) -> None:
        """Stand in a blank of the same height for the Markdown (it is out of sight)."""
        if self.frozen or not self.sealed or self.size.height == 0:
            return
        self.styles.height = self.size.height
        self.markdown.display = False
        self.frozen = True

    def thaw(self) -> None:
        if not self.frozen:
            return
        self.markdown.display = True
        self.styles.height = "auto"
        self.frozen = False


class ReplyBody(Vertical):
    """The Markdown of one reply; `write` streams into it, `source` is all of it."""

    def __init__(self, markdown: str = "", blocks_per_segment: int = BLOCKS_PER_SEGMENT) -> None:
        super().__init__()
        self.source = markdown
        self.blocks_per_segment = blocks_per_segment
        self._sealed_chars = 0  # how much of `source` the sealed segments hold
        self._stream: MarkdownStream | None = None
        pieces = split_segments(markdown, blocks_per_segment) if markdown else [""]
        self._sealed_chars = len(markdown) - len(pieces[-1])
        self._initial_pieces = pieces

    def compose(self) -> ComposeResult:
        for piece in self._initial_pieces[:-1]:
            yield Segment(piece, sealed=True)
        yield Segment(self._initial_pieces[-1], sealed=False)

    @property
    def segments(self) -> list[Segment]:
        return [child for child in self.children if isinstance(child, Segment)]

    @property
    def _live(self) -> Segment:
        return self.segments[-1]

    async def write(self, fragment: str) -> None:
        """Append streamed text; fragments arriving between frames are batched by the stream."""
        self.source += fragment
        if self._stream is None:
            self._stream = Markdown.get_stream(self._live.markdown)
        await self._stream.write(fragment)
        if len(self._live.markdown.children) > self.blocks_per_segment:
            await self._seal()

    async def _seal(self) -> None:
        """Keep the live segment's finished blocks; its last block starts the next segment."""
        await self.stop()
        live_text = self.source[self._sealed_chars :]
        starts = block_starts(live_text)
        if len(starts) < 2 or starts[-1] == 0:
            return
        cut = starts[-1]
        live = self._live
        await live.markdown.update(live_text[:cut])
        live.sealed = True
        self._sealed_chars += cut
        await self.mount(Segment(live_text[cut:], sealed=False))

    async def stop(self) -> None:
        """Finish the stream: everything written is shown."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()

    async def finish(self) -> None:
        await self.stop()
        self._live.sealed = True

    async def clear(self) -> None:
        """Start again empty (a local tier died mid-reply and the next one answers anew)."""
        await self.stop()
        await self.remove_children()
        self.source = ""
        self._sealed_chars = 0
        await self.mount(Segment("", sealed=False))
