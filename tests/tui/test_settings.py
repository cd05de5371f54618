"""The settings screen, the theme switch and the command palette, saving to config.toml."""

from __future__ import annotations

import tomllib

import pytest

from localfirst.tui.commands import chat_commands
from localfirst.tui.screens.settings import SettingsScreen, human_size, parse_terms

from .conftest import TERMINAL_SIZE, make_app, settle

FAKE_KEY = "sk-" + "ant-test-0123456789abcdef"  # built from parts: no scanner mistakes it


def notices(app) -> list[str]:
    """The notifications shown so far (Textual keeps them on the app)."""
    return [str(n.message) for n in app._notifications]


def saved_config(services) -> dict:
    return tomllib.loads(services.paths.config_file.read_text())


async def open_settings(pilot, tab: str) -> SettingsScreen:
    pilot.app.open_settings(tab)
    await settle(pilot)
    assert isinstance(pilot.app.screen, SettingsScreen)
    return pilot.app.screen


async def save_key(pilot, screen: SettingsScreen, key: str) -> None:
    screen.query_one("#key-anthropic").value = key
    await pilot.click("#save-key-anthropic")
    await settle(pilot)


async def test_adding_a_key_stores_it_in_the_keyring_and_enables_the_cloud(
    tui_services, secret_service_keys
) -> None:
    tui_services.keys = secret_service_keys
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        assert app.chat_screen.status_bar.status_text("cloud").startswith("off: no API key")
        screen = await open_settings(pilot, "cloud")
        assert screen.key_status_text("anthropic") == "no key"
        screen.query_one("#key-anthropic").value = FAKE_KEY
        assert FAKE_KEY not in app.export_screenshot()  # the box is masked
        assert await pilot.click("#save-key-anthropic")  # it landed on the button
        await settle(pilot)
        assert secret_service_keys.get("anthropic").source == "keyring"
        assert screen.query_one("#key-anthropic").value == ""
        assert screen.key_status_text("anthropic") == "stored in the keyring"
        assert app.chat_screen.status_bar.status_text("cloud").startswith("ready: anthropic/")
        assert not any(FAKE_KEY in text for text in notices(app))
        await pilot.click("#remove-key-anthropic")
        await settle(pilot)
        assert not secret_service_keys.get("anthropic").found
        assert app.chat_screen.status_bar.status_text("cloud").startswith("off: no API key")


async def test_a_download_offer_arriving_late_never_switches_away_from_the_open_tab(
    tui_services,
) -> None:
    from textual.widgets import TabbedContent

    from localfirst.tui.downloads import DownloadOffer
    from localfirst.tui.widgets.model_installer import ModelInstaller

    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = await open_settings(pilot, "cloud")
        screen.query_one("#save-key-anthropic").focus()
        await pilot.pause()
        # the hardware probe answers after the user is already on the Cloud tab
        offer = DownloadOffer("gemma-3-1b", "Gemma 3 1B", 800_000_000, "fits this machine")
        screen.query_one(ModelInstaller)._show_offer(offer)
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "cloud"
        assert screen.focused is screen.query_one("#save-key-anthropic")


async def test_without_a_keyring_saving_a_key_says_how_to_use_the_env_variable(
    tui_services,
) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = await open_settings(pilot, "cloud")
        await save_key(pilot, screen, FAKE_KEY)
        assert any("ANTHROPIC_API_KEY" in text for text in notices(app))
        assert not any(FAKE_KEY in text for text in notices(app))
        assert screen.key_status_text("anthropic") == "no key"


async def test_routing_share_is_validated_saved_and_applied(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = await open_settings(pilot, "routing")
        screen.query_one("#keep-local-share").value = "1.5"
        await pilot.click("#save-routing")
        assert not tui_services.paths.config_file.exists()
        assert "must be a number from 0 to 1" in notices(app)[-1]
        await pilot.pause(0.3)  # a button ignores clicks during its 0.2 s press effect
        screen.query_one("#keep-local-share").value = "0.8"
        await pilot.click("#save-routing")
        await settle(pilot)
        assert saved_config(tui_services)["routing"]["keep_local_share"] == 0.8
        assert tui_services.router.keep_local_share == 0.8
        assert tui_services.config.routing.keep_local_share == 0.8


async def test_privacy_terms_are_saved_and_the_gate_reloads(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        router_before = tui_services.router
        screen = await open_settings(pilot, "privacy")
        screen.query_one("#deny-terms").value = "Project Bluefin, Acme ,, Project Bluefin"
        screen.query_one("#allow-terms").value = "Paris"
        await pilot.click("#save-privacy")
        await settle(pilot)
        saved = saved_config(tui_services)["privacy"]
        assert saved["deny_terms"] == ["Project Bluefin", "Acme"]
        assert saved["allow_terms"] == ["Paris"]
        assert tui_services.router is not router_before  # rebuilt with the new terms
        assert app.chat_screen.session._route == tui_services.router.route


async def test_send_and_newline_keys_can_be_remapped(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = await open_settings(pilot, "keys")
        screen.query_one("#send-key").value = "ctrl+s"
        screen.query_one("#newline-key").value = "enter"
        await pilot.click("#save-input-keys")
        await pilot.press("escape")
        await pilot.pause()
        prompt = app.chat_screen.prompt
        prompt.focus()
        await pilot.press("h", "i", "enter", "x")
        assert prompt.text == "hi\nx" and app.chat_screen.chat.replies == []
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(app.chat_screen.chat.replies) == 1
        assert saved_config(tui_services)["tui"] == {"send_key": "ctrl+s", "newline_key": "enter"}


async def test_models_tab_lists_the_installed_model_with_size_and_hardware(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = await open_settings(pilot, "models")
        table = screen.query_one("#model-table")
        [row] = [table.get_row_at(i) for i in range(table.row_count)]
        model = tui_services.registry.get("gemma-3-270m")
        assert row[:3] == ["●", "gemma-3-270m", human_size(model.size)]
        assert row[3] == model.architecture
        hardware = str(screen.query_one("#hardware").render())
        assert "CPU cores" in hardware and "llama.cpp offload" in hardware


async def test_choosing_a_theme_in_the_palette_applies_and_saves_it(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "localfirst-dark"
        assert {"localfirst-dark", "localfirst-light", "midnight", "paper"} <= set(
            app.available_themes
        )
        await pilot.press("ctrl+p")
        await pilot.press(*"theme")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        await pilot.press(*"paper")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "paper"
        assert saved_config(tui_services)["tui"]["theme"] == "paper"
        assert tui_services.config.tui.theme == "paper"


async def test_palette_offers_the_chat_commands(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in chat_commands(app.chat_screen)]
        for wanted in ("Local-only: turn on", "Send to the cloud", "Search chats", "Settings"):
            assert wanted in titles
        await pilot.press("ctrl+p", *"local-only")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.local_only is True


@pytest.mark.parametrize(
    ("text", "terms"),
    [("a, b ,, c", ["a", "b", "c"]), ("", []), ("x, x", ["x"])],
)
def test_parse_terms(text: str, terms: list[str]) -> None:
    assert parse_terms(text) == terms


async def test_enter_saves_the_share_and_cloud_shows_and_checks_its_base_url(tui_services) -> None:
    from localfirst.config import load_config

    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = await open_settings(pilot, "routing")
        field = screen.query_one("#keep-local-share")
        field.value = "0.8"
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        path = tui_services.paths.config_file
        assert load_config(path).routing.keep_local_share == 0.8
        base_url = screen.query_one("#cloud-base-url")
        assert base_url.value == tui_services.config.cloud.base_url
        base_url.value = "ftp://x"
        base_url.focus()
        await pilot.press("enter")
        await settle(pilot)
        shown = " ".join(n.message for n in app._notifications)
        assert "Settings not saved" in shown and "base_url" in shown
        assert load_config(path).cloud.base_url == ""
