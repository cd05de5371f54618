"""Replies in segments: streamed text lands whole, and off-screen segments are frozen."""

from __future__ import annotations

import pytest

from localfirst.tui.widgets.reply_body import block_starts, flush_delay, split_segments

from .conftest import TERMINAL_SIZE, make_app, settle

SECTION = (
    "## Step {n}\n\nSome prose that explains step {n} in a sentence or two.\n\n"
    "- first\n- second\n\n```python\nprint({n})\n```\n\n"
)
LONG = "".join(SECTION.format(n=n) for n in range(1, 17))  # 64 top-level blocks


async def chat_alone(pilot):
    """The chat screen with nothing over it (no welcome: the model is not needed here)."""
    await pilot.pause()
    while len(pilot.app.screen_stack) > 1:
        pilot.app.pop_screen()
    return pilot.app.chat_screen.chat


def test_hand_overs_are_spaced_from_the_last_ones_start() -> None:
    interval = 0.03
    assert flush_delay(10.0, 10.01, interval) == pytest.approx(0.02)  # text came soon after
    assert flush_delay(10.0, 10.05, interval) == pytest.approx(0.001)  # after a slow frame: now
    assert flush_delay(0.0, 500.0, interval) > 0  # the first one; a timer needs a delay


def test_segments_cut_between_blocks_and_rejoin_to_the_text() -> None:
    pieces = split_segments(LONG, 8)
    assert "".join(pieces) == LONG
    assert len(pieces) == 8
    assert all(len(block_starts(piece)) <= 8 for piece in pieces)
    fence = "```\na\n\nb\n```\n\nafter\n"  # a blank line inside a fence is not a cut
    assert block_starts(fence) == [0, fence.index("after")]


async def test_a_long_streamed_reply_is_whole_and_frozen_off_screen(isolated_dirs) -> None:
    from localfirst.services import Services

    app = make_app(Services(), background_work=False)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        chat = await chat_alone(pilot)
        await chat.add_user("Explain every step")
        reply = await chat.add_reply({"target": "local", "model": "m", "reasons": ["r"]})
        for index, piece in enumerate(LONG.splitlines(keepends=True)):
            await reply.write(piece)
            if index % 10 == 0:
                await pilot.pause(0.05)  # let a frame's worth of text reach the screen
        await reply.body.finish()
        await settle(pilot)
        segments = reply.body.segments
        shown = "".join(segment.text for segment in segments)
        assert shown == LONG == reply.body.source
        assert len(segments) >= 3 and all(s.sealed for s in segments)
        assert segments[0].frozen and not segments[-1].frozen  # at the bottom: top frozen
        chat.scroll_home(animate=False, immediate=True)
        await settle(pilot)
        assert not segments[0].frozen and segments[-1].frozen
        assert not segments[-1].children  # a frozen segment holds no widgets, only its text
        for segment in segments:  # each shown segment shows its own text, block for block
            if not segment.frozen:
                assert len(segment.markdown.children) == len(block_starts(segment.text))


async def test_a_reply_that_arrives_in_one_burst_is_still_cut_into_segments(isolated_dirs) -> None:
    from localfirst.services import Services

    app = make_app(Services(), background_work=False)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        reply = await (await chat_alone(pilot)).add_reply({"target": "local", "reasons": ["r"]})
        await reply.write(LONG)
        await reply.body.finish()
        segments = reply.body.segments
        assert [segment.text for segment in segments] == split_segments(LONG)
        assert all(segment.sealed for segment in segments)


async def test_a_segment_cut_inside_an_open_code_block_keeps_parsing_it_as_code(
    isolated_dirs,
) -> None:
    """The live segment begins with an unfinished fence; the text after the fence closes is
    prose, and the fence's lines stay code: each block shown as what it is."""
    from textual.widgets._markdown import MarkdownFence, MarkdownParagraph

    from localfirst.services import Services

    app = make_app(Services(), background_work=False)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        reply = await (await chat_alone(pilot)).add_reply({"target": "local", "reasons": ["r"]})
        reply.body.blocks_per_segment = 2
        pieces = [
            "A first paragraph.\n\nA second one.\n\n```python\nvalue = 1\n",
            "    indented = value\n",
            "```\n\nProse after the code, not code.\n",
        ]
        for piece in pieces:
            await reply.write(piece)
            await pilot.pause(0.1)  # each piece reaches the screen on its own
        live = reply.body.segments[-1]
        assert live.markdown.source.startswith("```python")  # the cut was inside the fence
        kinds = [type(block) for block in live.markdown.children]
        assert kinds == [MarkdownFence, MarkdownParagraph]
        fence = live.markdown.children[0]
        assert fence.code == "value = 1\n    indented = value" and fence.lexer == "python"
        await reply.body.finish()
        await settle(pilot)
        assert [type(block) for block in live.markdown.children] == kinds
