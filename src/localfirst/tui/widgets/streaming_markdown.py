"""Textual's Markdown, with lists that grow in place while a reply streams.

`Markdown.append` parses the document's last block again on each frame and hands the result to
that block's `_update_from_block`. Paragraphs and code blocks update their text in place, but
any other block removes itself and mounts the new one: a list is rebuilt whole, four widgets
per item, every frame while it is the last block. LLM replies are full of lists, so a long one
cost more each frame and a frame that rebuilt it took several times as long as the others.

Here a list keeps its rows: rows before the last are final (streamed text only grows), the
last row's content is updated in place, and rows for new items are mounted. Anything else
(a list that changed kind, an item whose blocks changed kind) is rebuilt as Textual does.
The classes plug in through `Markdown.BLOCKS`, Textual's own extension point; they read the
parsed block's `_blocks`, as Textual's block classes do in their `compose`.
"""

from __future__ import annotations

from textual.containers import Horizontal, Vertical
from textual.widgets import Markdown
from textual.widgets._markdown import (
    MarkdownBlock,
    MarkdownBullet,
    MarkdownBulletList,
    MarkdownListItem,
    MarkdownOrderedList,
    MarkdownParagraph,
)


async def _update_children(container: Vertical, blocks: list[MarkdownBlock]) -> None:
    """Make `container` show `blocks`, the same item parsed again with more text."""
    old = list(container.children)
    kept = len(old) - 1
    same_kinds = 0 < len(old) <= len(blocks) and all(
        type(a) is type(b) for a, b in zip(old, blocks, strict=False)
    )
    last = old[-1] if old else None
    if same_kinds and isinstance(last, MarkdownParagraph | GrowingList):
        await last._update_from_block(blocks[kept])
        if len(blocks) > len(old):
            await container.mount_all(blocks[len(old) :])
        return
    await container.remove_children()
    await container.mount_all(blocks)


class GrowingList:
    """A list whose rows stay mounted as it grows: see the module's docstring.

    A mixin placed before Textual's list class: Textual takes a widget's CSS type names from
    its first widget base, so the list keeps the rules written for `MarkdownBulletList`."""

    children: list
    parent: MarkdownBlock
    source_range: tuple[int, int]

    def _symbols(self, items: list[MarkdownListItem]) -> list[str]:
        raise NotImplementedError

    def _rows(self) -> list[Horizontal]:
        return [child for child in self.children if isinstance(child, Horizontal)]

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        rows = self._rows()
        items = [b for b in block._blocks if isinstance(b, MarkdownListItem)]
        if type(block) is not type(self) or not rows or len(items) < len(rows):
            # rebuilt where it stands (Textual's own fallback mounts at the document's end,
            # which is right only for a top-level last block, not a list inside a list)
            await self.parent.mount(block, after=self)
            await self.remove()  # type: ignore[attr-defined]
            return
        self._copy_context(block)  # type: ignore[attr-defined]
        self.source_range = block.source_range
        symbols = self._symbols(items)
        shown = getattr(self, "_shown_symbols", [None] * len(rows))
        for row, symbol, before in zip(rows, symbols, shown, strict=False):
            if symbol != before:  # an ordered list's labels widen at 10: only then, not per frame
                row.query_one(MarkdownBullet).symbol = symbol
        self._shown_symbols = symbols
        await _update_children(rows[-1].query_one(Vertical), items[len(rows) - 1]._blocks)
        new_rows = [
            Horizontal(_bullet(symbol), Vertical(*item._blocks))
            for item, symbol in zip(items[len(rows) :], symbols[len(rows) :], strict=True)
        ]
        block._blocks.clear()
        if new_rows:
            await self.mount_all(new_rows)  # type: ignore[attr-defined]


def _bullet(symbol: str) -> MarkdownBullet:
    bullet = MarkdownBullet()
    bullet.symbol = symbol
    return bullet


class GrowingBulletList(GrowingList, MarkdownBulletList):
    def _symbols(self, items: list[MarkdownListItem]) -> list[str]:
        return [item.bullet for item in items]


class GrowingOrderedList(GrowingList, MarkdownOrderedList):
    def _symbols(self, items: list[MarkdownListItem]) -> list[str]:
        # numbered as MarkdownOrderedList.compose numbers them: from the first item's number,
        # right-aligned to the widest
        try:
            start = int(items[0].bullet)
        except (IndexError, ValueError):
            start = 1
        labels = [f"{number}. " for number in range(start, start + len(items))]
        width = max((len(label) for label in labels), default=0) + 1
        return [label.rjust(width) for label in labels]


class StreamingMarkdown(Markdown):
    """Markdown whose lists grow in place (see the module's docstring)."""

    BLOCKS = {  # noqa: RUF012  (Textual's own class attribute, extended)
        **Markdown.BLOCKS,
        "bullet_list_open": GrowingBulletList,
        "ordered_list_open": GrowingOrderedList,
    }
