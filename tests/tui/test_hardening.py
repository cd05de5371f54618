"""Hostile text from outside never reaches the terminal raw; a crash shows no locals."""

from __future__ import annotations

import pytest

from localfirst.types.messages import Role

from .conftest import TERMINAL_SIZE, make_app, settle

HOSTILE = "\x1b]0;pwned\x07Hello \x1b[2Jthere\x1b]52;c;ZXZpbA==\x07"


async def test_a_hostile_stored_chat_is_shown_without_control_sequences(tui_services) -> None:
    history = tui_services.history
    conversation = history.create_conversation()
    history.add_message(conversation.id, Role.USER, f"\x1b]0;evil title\x07Plan {HOSTILE}")
    history.add_message(conversation.id, Role.ASSISTANT, HOSTILE, route={"target": "cloud"})
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = app.chat_screen
        await screen.open_conversation(conversation.id)
        await settle(pilot)
        assert all("\x1b" not in title and "\x07" not in title for title in screen.sidebar.titles)
        [reply] = screen.chat.replies
        assert reply.text == HOSTILE  # what is kept (and copied) is the original
        assert "\x1b" not in reply.body.source and "\x07" not in reply.body.source
        assert "Hello" in reply.body.source and "there" in reply.body.source


async def test_a_crash_shows_one_line_and_no_locals(tui_services, capsys) -> None:
    app = make_app(tui_services)
    secret_local = "hunter2-config-value"  # noqa: F841 - a local a traceback would print
    with pytest.raises(ValueError, match="history file damaged"):  # the pilot re-raises it
        async with app.run_test(size=TERMINAL_SIZE) as pilot:
            await settle(pilot)
            app._exception = ValueError("history file damaged")
            app._fatal_error()
            await pilot.pause()
    rendered = capsys.readouterr().err  # Textual prints the exit renderables on stderr
    assert "internal error: ValueError: history file damaged" in rendered
    assert "crash.log" in rendered
    assert "hunter2" not in rendered and "Traceback" not in rendered


async def test_quitting_mid_reply_saves_the_partial_text_and_stops_the_thread(tui_services) -> None:
    import threading

    from localfirst.types.messages import MessageStatus

    from .conftest import allow_long_replies, start_streaming

    allow_long_replies(tui_services)
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await start_streaming(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    [conversation] = tui_services.history.list_conversations()
    stored = tui_services.history.messages(conversation.id)[-1]
    assert stored.status is MessageStatus.INCOMPLETE and stored.content
    assert not [t for t in threading.enumerate() if t.name == "localfirst-llama" and t.is_alive()]
