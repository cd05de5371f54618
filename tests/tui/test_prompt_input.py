"""Prompt history (walking back and forth keeps the draft) and the cursor's blinking."""

from __future__ import annotations

from textual.app import App, ComposeResult

from localfirst.tui.widgets import prompt_input
from localfirst.tui.widgets.prompt_input import PromptHistory, PromptInput


def test_history_walks_back_and_returns_to_the_draft() -> None:
    history = PromptHistory(["one", "two"])
    assert history.previous("draft") == "two"
    assert history.previous("two") == "one"
    assert history.previous("one") is None  # the oldest stays put
    assert history.next() == "two"
    assert history.next() == "draft"
    assert history.next() is None


def test_blank_and_repeated_prompts_are_not_recorded() -> None:
    history = PromptHistory()
    for text in ("a", "a", "  ", "b"):
        history.add(text)
    assert history.entries == ["a", "b"]


class PromptOnly(App):
    def compose(self) -> ComposeResult:
        yield PromptInput()


async def until(pilot, condition) -> bool:
    for _ in range(250):
        if condition():
            return True
        await pilot.pause(0.02)
    return False


async def test_the_cursor_stops_blinking_when_idle_and_blinks_again_on_a_key(monkeypatch) -> None:
    """An idle app repaints nothing: each blink is a frame written to the terminal."""
    monkeypatch.setattr(prompt_input, "BLINK_TIMEOUT_S", 0.1)
    async with PromptOnly().run_test() as pilot:
        prompt = pilot.app.query_one(PromptInput)
        prompt.focus()
        assert prompt.cursor_blink
        assert await until(pilot, lambda: not prompt.cursor_blink)
        assert prompt._cursor_visible  # solid, not hidden mid-blink
        await pilot.press("a")
        assert prompt.cursor_blink
        assert await until(pilot, lambda: not prompt.cursor_blink)  # a new countdown


async def test_a_cursor_set_not_to_blink_stays_so_after_a_key(monkeypatch) -> None:
    monkeypatch.setattr(prompt_input, "BLINK_TIMEOUT_S", 0.1)
    async with PromptOnly().run_test() as pilot:
        prompt = pilot.app.query_one(PromptInput)
        prompt.focus()
        prompt.cursor_blink = False  # e.g. a snapshot test, or a setting
        await pilot.pause(0.2)
        await pilot.press("a")
        assert not prompt.cursor_blink


async def test_typing_within_the_timeout_keeps_the_cursor_blinking(monkeypatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(prompt_input, "monotonic", lambda: clock[0])  # this module only
    async with PromptOnly().run_test() as pilot:
        prompt = pilot.app.query_one(PromptInput)
        prompt.focus()
        await pilot.press("a")  # input at t = 1000
        clock[0] += prompt_input.BLINK_TIMEOUT_S - 1
        prompt._blink_timeout_due()  # the countdown from mount ends 1 s after the key
        assert prompt.cursor_blink
        assert prompt._blink_timeout is not None  # waiting the rest of the timeout
        clock[0] += 1
        prompt._blink_timeout_due()
        assert not prompt.cursor_blink
