"""Snapshots of the main screens (pytest-textual-snapshot); update with --snapshot-update.

Each waits for start-up work to finish and stops the cursor blinking, and nothing here shows
a timing or a date, so a snapshot changes only when the screen's design does.
"""

from __future__ import annotations

from .conftest import TERMINAL_SIZE, make_app, settle
from .test_conversations import seed


async def _ready(pilot) -> None:
    await settle(pilot)
    # every widget with a cursor, on every screen (the onboarding path box blinked once)
    for screen in pilot.app.screen_stack:
        for widget in screen.query("*"):
            if hasattr(widget, "cursor_blink"):
                widget.cursor_blink = False
    await pilot.pause()


def test_first_screen_welcomes_and_shows_what_is_ready(tui_services, snap_compare) -> None:
    assert snap_compare(make_app(tui_services), terminal_size=TERMINAL_SIZE, run_before=_ready)


def test_reopened_conversation_with_route_badges(tui_services, snap_compare) -> None:
    seed(tui_services.history, "Cooking", "How long to boil an egg?", "Nine minutes.")
    conversation_id = seed(tui_services.history, "Sorting names", "How do I sort names?")
    cloud_route = {
        "target": "cloud",
        "model": "anthropic/claude-sonnet-4-5",
        "reasons": [
            "complexity 0.82 ≥ 0.50 (code, multi-step): escalated to anthropic/claude-sonnet-4-5"
        ],
        "available": True,
    }
    from localfirst.types.messages import MessageStatus, Role

    history = tui_services.history
    history.add_message(conversation_id, Role.USER, "And stable sorting by two keys?")
    reply = history.add_message(
        conversation_id,
        Role.ASSISTANT,
        "Sort by the second key first, then the first:\n\n"
        "```python\npeople.sort(key=lambda p: p.age)\npeople.sort(key=lambda p: p.name)\n```",
        MessageStatus.COMPLETE,
        route=cloud_route,
        model="anthropic/claude-sonnet-4-5",
    )
    history.update_message(reply.id, input_tokens=1200, output_tokens=340)

    async def open_it(pilot) -> None:
        await settle(pilot)
        await pilot.app.chat_screen.open_conversation(conversation_id)
        await _ready(pilot)

    assert snap_compare(make_app(tui_services), terminal_size=TERMINAL_SIZE, run_before=open_it)


def test_local_only_mode_in_the_header(tui_services, snap_compare) -> None:
    async def toggle(pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await pilot.pause(0.1)
        pilot.app.clear_notifications()
        await _ready(pilot)

    assert snap_compare(make_app(tui_services), terminal_size=TERMINAL_SIZE, run_before=toggle)


def test_settings_cloud_keys(tui_services, snap_compare) -> None:
    async def open_settings(pilot) -> None:
        await settle(pilot)
        pilot.app.open_settings("cloud")
        await _ready(pilot)

    assert snap_compare(
        make_app(tui_services), terminal_size=TERMINAL_SIZE, run_before=open_settings
    )


def test_onboarding_without_a_model(bare_services, snap_compare, tmp_path, monkeypatch) -> None:
    from localfirst.tui.downloads import DownloadOffer

    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/models of this machine's on the screen

    async def with_fixed_offer(pilot) -> None:
        await settle(pilot)
        # the real suggestion depends on this machine's memory: show a fixed one
        pilot.app.screen.installer._show_offer(
            DownloadOffer("gemma-3-1b", "Gemma 3 1B", 806_058_240, "fits in 16 GB of RAM")
        )
        await _ready(pilot)

    assert snap_compare(
        make_app(bare_services), terminal_size=TERMINAL_SIZE, run_before=with_fixed_offer
    )
