"""Cloud routes in the app, through the real Anthropic SDK to a local fake server."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from fakes.keys import fake_api_key
from fakes.provider_server import Reply
from localfirst.providers import DEFAULT_MODELS
from localfirst.tui.screens.dialogs import ConfirmDialog

from .conftest import TERMINAL_SIZE, make_app, send, settle

CLOUD = f"anthropic/{DEFAULT_MODELS['anthropic']}"
PRIVATE_PROMPT = "My phone number is 415-738-0100, please remind me to call the dentist"


@pytest.fixture
def cloud_services(tui_services, anthropic_server, monkeypatch: pytest.MonkeyPatch):
    for name, value in anthropic_server.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ANTHROPIC_API_KEY", fake_api_key("anthropic"))
    cloud = replace(tui_services.config.cloud, retry_budget=0.0, timeout=5.0)
    tui_services.config = replace(tui_services.config, cloud=cloud)
    return tui_services


async def test_private_prompt_stays_local_and_the_badge_names_what_was_found(
    cloud_services, anthropic_server
) -> None:
    app = make_app(cloud_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await send(pilot, PRIVATE_PROMPT)
        [reply] = app.chat_screen.chat.replies
        assert reply.badge_text.startswith("⌂ local")
        assert reply.reason_text == "personal data: PHONE_NUMBER, kept local"
        assert anthropic_server.requests == []


async def test_send_to_cloud_asks_first_when_private_data_was_found(
    cloud_services, anthropic_server
) -> None:
    app = make_app(cloud_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        app.chat_screen.prompt.load_text(PRIVATE_PROMPT)
        await pilot.press("ctrl+o")
        await pilot.pause()
        while not isinstance(app.screen, ConfirmDialog):
            await pilot.pause(0.02)
        assert "PHONE_NUMBER" in app.screen.body
        await pilot.click("#confirm")
        await settle(pilot)
        [reply] = app.chat_screen.chat.replies
        assert reply.badge_text == f"☁ {CLOUD}"
        assert reply.reason_text.startswith(f"sent to {CLOUD} by your override")
        assert reply.text == "Hello from the fake server."
        assert "≈ $" in reply.stats_text  # the cloud reply's estimated cost
        [request] = anthropic_server.requests
        assert "415-738-0100" in request.sent_text


async def test_declining_the_confirmation_sends_nothing_and_keeps_the_text(
    cloud_services, anthropic_server
) -> None:
    app = make_app(cloud_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        app.chat_screen.prompt.load_text(PRIVATE_PROMPT)
        await pilot.press("ctrl+o")
        while not isinstance(app.screen, ConfirmDialog):
            await pilot.pause(0.02)
        await pilot.press("escape")
        await settle(pilot)
        assert app.chat_screen.prompt.text == PRIVATE_PROMPT
        assert app.chat_screen.chat.replies == []
        assert anthropic_server.requests == []
        assert cloud_services.history.list_conversations() == []


async def test_send_to_cloud_without_private_data_goes_straight_there(
    cloud_services, anthropic_server
) -> None:
    app = make_app(cloud_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        assert app.chat_screen.status_bar.status_text("cloud") == f"ready: {CLOUD}"
        await send(pilot, "What is the capital of France?", key="ctrl+o")
        [reply] = app.chat_screen.chat.replies
        assert reply.badge_text == f"☁ {CLOUD}"
        assert reply.reason_text == f"you asked for the cloud: sent to {CLOUD}"
        assert len(anthropic_server.requests) == 1


async def test_a_failed_cloud_request_is_answered_locally_and_the_badge_follows(
    cloud_services, anthropic_server
) -> None:
    anthropic_server.enqueue(Reply.server_error(500))
    app = make_app(cloud_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "What is the capital of France?", key="ctrl+o")
        [reply] = app.chat_screen.chat.replies
        assert reply.badge_text == "⌂ local · gemma-3-270m"
        assert reply.reason_text.startswith("cloud unavailable")
        assert reply.reason_text.endswith("answered locally")
        assert reply.text and "≈ $" not in reply.stats_text


async def test_ctrl_o_with_no_cloud_says_why_and_keeps_the_text(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = app.chat_screen
        screen.prompt.load_text("What is the capital of France?")
        await pilot.press("ctrl+o")
        await settle(pilot)
        shown = " ".join(n.message for n in app._notifications)
        assert "there is no cloud to send to" in shown and "F2 → Cloud" in shown
        assert screen.prompt.text == "What is the capital of France?"
        assert screen.chat.replies == [] and tui_services.history.list_conversations() == []


async def test_i_on_a_cloud_reply_shows_exactly_what_left(cloud_services, anthropic_server) -> None:
    from localfirst.tui.screens.sent import SentScreen

    app = make_app(cloud_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "What is the capital of France?", key="ctrl+o")
        [reply] = app.chat_screen.chat.replies
        reply.focus()
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, SentScreen)
        shown = str(app.screen.query_one("#sent-text").render())
        body = json.loads(anthropic_server.last_request.raw_body)
        assert json.loads(shown[shown.index("{") :]) == body  # what the server received
        assert CLOUD in shown


async def test_i_on_a_local_reply_says_nothing_left(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "hello")
        [reply] = app.chat_screen.chat.replies
        reply.focus()
        await pilot.press("i")
        await pilot.pause()
        assert "Nothing left this machine" in " ".join(str(n.message) for n in app._notifications)
