"""The help screen (F1, ?) and the keyboard path to the messages."""

from __future__ import annotations

import re

from localfirst.tui.chat_screen import ChatScreen
from localfirst.tui.screens.help import KEYS, HelpScreen, help_text
from localfirst.tui.widgets.chat_view import MessageBlock
from localfirst.tui.widgets.sidebar import ConversationSidebar

from .conftest import TERMINAL_SIZE, make_app, send, settle


def _key_words(binding_key: str) -> set[str]:
    """'ctrl+l' -> {'ctrl+l'}; 'd,delete' -> {'d', 'delete'}, as the table writes them."""
    return {k.strip().lower() for k in binding_key.split(",")}


def _listed() -> set[str]:
    keys = set()
    for _where, written, _what in KEYS:
        for part in re.split(r",\s*|\s*/\s*", written):
            key = part.strip().lower().replace("?", "question_mark")
            keys.add({"esc": "escape"}.get(key, key))
    return keys


def test_every_binding_of_the_chat_widgets_is_on_the_help_page():
    from localfirst.tui.widgets.chat_view import AssistantMessage
    from localfirst.tui.widgets.chat_view import MessageBlock as Block

    listed = _listed()
    for owner in (ChatScreen, Block, AssistantMessage, ConversationSidebar):
        for binding in owner.BINDINGS:
            words = _key_words(binding.key)
            assert words & listed, f"{owner.__name__}: {binding.key} is missing from the help"


def test_the_help_text_groups_keys_and_names_what_they_do():
    text = help_text()
    assert text.splitlines()[0] == "Writing"
    assert "Ctrl+L" in text and "local-only" in text
    assert "ctrl+a" not in text.lower()  # the app's own keys, not the text area's


async def test_f1_opens_the_help_and_escape_closes_it(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = str(app.screen.query_one("#help-text").render())
        assert "Ctrl+O" in shown and "Esc" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)


async def test_a_question_mark_in_the_prompt_is_typed_not_help(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert app.chat_screen.prompt.text == "?"


async def test_tab_from_the_prompt_reaches_the_latest_message(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "Say hello")
        screen = app.chat_screen
        screen.prompt.focus()
        await pilot.press("tab")
        await pilot.pause()
        blocks = list(screen.chat.query(MessageBlock))
        assert screen.focused is blocks[-1]  # the reply, not the search box
        await pilot.press("question_mark")  # outside the prompt, ? is help
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
