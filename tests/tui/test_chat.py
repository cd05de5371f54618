"""Chat flows in the real app with the real test model: streaming, badges, Esc, modes, cloud."""

from __future__ import annotations

from localfirst.types.decision import SessionMode
from localfirst.types.messages import MessageStatus, Role

from .conftest import TERMINAL_SIZE, allow_long_replies, make_app, send, settle, start_streaming


async def test_a_reply_streams_under_a_badge_that_says_where_and_why(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "Tell me a joke about owls")
        screen = app.chat_screen
        [reply] = screen.chat.replies
        [conversation] = tui_services.history.list_conversations()
        user, stored = tui_services.history.messages(conversation.id)
        assert (user.role, user.content) == (Role.USER, "Tell me a joke about owls")
        assert reply.badge_text == "⌂ local · gemma-3-270m"
        assert reply.reason_text == stored.route["reasons"][0]
        assert reply.text == stored.content and reply.body.source == stored.content
        assert "tok/s" in reply.stats_text and "first token" in reply.stats_text
        assert screen.prompt.text == ""
        assert screen.sidebar.titles == ["Tell me a joke about owls"]


async def test_status_bar_reports_what_loaded(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        bar = app.chat_screen.status_bar
        assert bar.status_text("model") == "ready: gemma-3-270m"
        assert bar.status_text("cloud").startswith("off: no API key")
        assert bar.status_text("gate") == "ready: ready"
        assert "F2 → Cloud" in app.chat_screen.welcome_text()  # how to add a key, no docs needed


async def test_escape_stops_the_reply_and_keeps_the_partial_text(tui_services) -> None:
    allow_long_replies(tui_services)
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = await start_streaming(pilot)
        await pilot.press("escape")
        await settle(pilot)
        [reply] = screen.chat.replies
        stored = tui_services.history.messages(tui_services.history.list_conversations()[0].id)[-1]
        assert stored.status is MessageStatus.INCOMPLETE
        assert stored.content == reply.text != ""
        assert stored.output_tokens < 400
        assert "stopped: partial reply kept" in reply.stats_text
        assert reply.has_class("stopped")


async def test_local_only_toggle_is_visible_and_reaches_the_router(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = app.chat_screen
        chip = screen.query_one("#mode")
        assert str(chip.render()).strip() == "AUTO"
        await pilot.press("ctrl+l")
        assert str(chip.render()).strip() == "LOCAL-ONLY"
        assert screen.session.mode is SessionMode.LOCAL_ONLY
        await send(pilot, "What is two plus two?")
        stored = tui_services.history.messages(screen.session.conversation.id)[-1]
        assert stored.route["mode"] == "local-only"
        await pilot.press("ctrl+n")  # the toggle is per app session: a new chat keeps it
        assert screen.session.mode is SessionMode.LOCAL_ONLY
        await pilot.click("#mode")  # the chip itself toggles too
        assert screen.session.mode is SessionMode.AUTO
        assert str(chip.render()).strip() == "AUTO"


async def test_offline_mode_shows_and_cannot_be_toggled_off(tui_services) -> None:
    tui_services.offline = True
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = app.chat_screen
        await pilot.press("ctrl+l")
        assert screen.session.mode is SessionMode.OFFLINE
        assert str(screen.query_one("#mode").render()).strip() == "OFFLINE"
        assert screen.status_bar.status_text("cloud").startswith("off: offline")


async def test_prompt_history_walks_with_up_and_down_and_keeps_the_draft(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        prompt = app.chat_screen.prompt
        await send(pilot, "first question")
        await send(pilot, "second question")
        prompt.load_text("a draft")
        await pilot.press("up")
        assert prompt.text == "second question"
        await pilot.press("up")
        assert prompt.text == "first question"
        await pilot.press("down", "down")
        assert prompt.text == "a draft"


async def test_newline_key_and_ctrl_j_insert_newlines_instead_of_sending(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        prompt = app.chat_screen.prompt
        prompt.focus()
        await pilot.press("a", "shift+enter", "b", "ctrl+j", "c")
        assert prompt.text == "a\nb\nc"
        assert app.chat_screen.chat.replies == []
        await pilot.press("enter")
        await settle(pilot)
        assert tui_services.history.messages(1)[0].content == "a\nb\nc"


async def test_retry_answers_the_last_message_again(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "Name a colour")
        first_id = app.chat_screen.chat.replies[-1].message_id
        await pilot.press("ctrl+r")
        await settle(pilot)
        replies = app.chat_screen.chat.replies
        messages = tui_services.history.messages(app.chat_screen.session.conversation.id)
        assert len(replies) == 1 and [m.role for m in messages] == [Role.USER, Role.ASSISTANT]
        assert messages[-1].id != first_id and replies[0].message_id == messages[-1].id


async def test_new_chat_twice_in_a_row_shows_one_welcome(tui_services) -> None:
    app = make_app(tui_services, background_work=False)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await pilot.pause()
        while len(app.screen_stack) > 1:
            app.pop_screen()
        await pilot.press("ctrl+n", "ctrl+n")
        await pilot.pause()
        assert len(app.chat_screen.chat.query("#welcome")) == 1
        assert app.chat_screen.session.conversation is None


async def test_a_gate_that_cannot_load_says_so_in_the_status_bar(tui_services) -> None:
    def broken():
        raise RuntimeError("no spaCy pipeline")

    tui_services.router._gate._factory = broken
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        assert app.chat_screen.status_bar.status_text("gate").startswith("error:")


def test_a_stop_before_any_text_says_nothing_was_kept() -> None:
    from localfirst.explain import ReplyFigures, stats_line

    assert stats_line(ReplyFigures(), "cancelled-empty").endswith("nothing to keep")
    assert "partial reply kept" in stats_line(ReplyFigures(output_tokens=3), "cancelled")


async def test_the_chrome_follows_the_local_only_toggle(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = app.chat_screen
        before = screen.status_bar.status_text("cloud")
        assert screen.check_action("send_to_cloud", ()) is True
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert screen.status_bar.status_text("cloud") == "off: unused: local-only"
        assert screen.check_action("send_to_cloud", ()) is False
        assert "Ctrl+O" not in screen.welcome_text()
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert screen.status_bar.status_text("cloud") == before
        assert "Ctrl+O" in screen.welcome_text()


async def test_a_keyring_that_never_answers_does_not_leave_the_cloud_checking(
    tui_services, monkeypatch
) -> None:
    import threading

    from localfirst.tui import app as app_module

    monkeypatch.setattr(app_module, "CLOUD_CHECK_TIMEOUT_S", 0.3)
    released = threading.Event()

    def hangs():  # a D-Bus call to a Secret Service that is not there
        released.wait(10)
        return "no cloud API key"

    tui_services.cloud_choice = hangs
    app = make_app(tui_services)
    try:
        async with app.run_test(size=TERMINAL_SIZE) as pilot:
            await settle(pilot)
            await pilot.pause(0.5)
            await settle(pilot)
            assert app.chat_screen.status_bar.status_text("cloud") == "off: keyring not answering"
    finally:
        released.set()


async def test_a_base_model_says_so_once_and_its_first_reply_is_capped(tui_services) -> None:
    from localfirst.tui.chat_screen import BASE_MODEL_FIRST_REPLY_TOKENS

    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = app.chat_screen
        assert screen._first_base_model_reply() == BASE_MODEL_FIRST_REPLY_TOKENS  # the test GGUF
        await send(pilot, "Say hello")
        await send(pilot, "Say goodbye")
        first, second = screen.chat.replies
        assert any("base model" in note and "Esc" in note for note in first.notes)
        assert not any("base model" in note for note in second.notes)
        assert screen.session.local_token_cap is None  # lifted after the first reply
