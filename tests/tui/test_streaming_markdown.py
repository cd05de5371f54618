"""Lists that grow in place: the same picture as a fresh parse, without remounting rows."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBullet, MarkdownParagraph

from localfirst.tui.widgets.streaming_markdown import GrowingList, StreamingMarkdown


class Page(App):
    def compose(self) -> ComposeResult:
        yield StreamingMarkdown(id="streamed")
        yield Markdown(id="whole")


def shape(document: Widget) -> list[tuple[str, str]]:
    """Every block under `document` as (Textual's class name, its text), in order."""
    rows = []
    for widget in document.walk_children():
        kind = next(
            c.__name__ for c in type(widget).__mro__ if not c.__name__.startswith("Growing")
        )
        text = (
            widget.render().plain if isinstance(widget, MarkdownBullet | MarkdownParagraph) else ""
        )
        rows.append((kind, text))
    return rows


async def stream(pilot, markdown: Markdown, text: str, step: int) -> None:
    for start in range(0, len(text), step):
        await markdown.append(text[start : start + step])
        await pilot.pause()


async def assert_shows_what_a_fresh_parse_shows(pilot, streamed: Markdown, text: str) -> None:
    whole = pilot.app.query_one("#whole", Markdown)
    await whole.update(text)
    await pilot.pause()
    assert shape(streamed) == shape(whole)
    assert streamed.outer_size == whole.outer_size  # Textual's list styles apply to it too


async def test_a_streamed_bullet_list_keeps_its_rows_and_matches_a_fresh_parse() -> None:
    text = "Intro line.\n\n" + "".join(f"- item number {n} with words\n" for n in range(1, 7))
    async with Page().run_test() as pilot:
        streamed = pilot.app.query_one("#streamed", StreamingMarkdown)
        await stream(pilot, streamed, text[:40], 7)
        first_row = streamed.query(Horizontal).first()
        await stream(pilot, streamed, text[40:], 5)
        await assert_shows_what_a_fresh_parse_shows(pilot, streamed, text)
        assert streamed.query(Horizontal).first() is first_row  # grown, not rebuilt
        assert isinstance(streamed.children[-1], GrowingList)


async def test_an_ordered_list_renumbers_its_rows_when_it_reaches_ten() -> None:
    text = "".join(f"{n}. step {n}\n" for n in range(1, 12))
    async with Page().run_test() as pilot:
        streamed = pilot.app.query_one("#streamed", StreamingMarkdown)
        await stream(pilot, streamed, text, 6)
        await assert_shows_what_a_fresh_parse_shows(pilot, streamed, text)
        assert streamed.query(MarkdownBullet).first().symbol == "  1. "  # widened for 10, 11


async def test_a_nested_list_and_a_list_that_ends_in_prose_match_a_fresh_parse() -> None:
    text = (
        "- outer one\n  - inner a\n  - inner b\n- outer two\n  continued on a line\n\n"
        "Closing prose after the list.\n\n1. then numbered\n2. and done\n"
    )
    async with Page().run_test() as pilot:
        streamed = pilot.app.query_one("#streamed", StreamingMarkdown)
        await stream(pilot, streamed, text, 3)
        await assert_shows_what_a_fresh_parse_shows(pilot, streamed, text)
