"""Prompt history: walking back and forth keeps the draft."""

from __future__ import annotations

from localfirst.tui.widgets.prompt_input import PromptHistory


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
