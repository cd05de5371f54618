"""The model switcher: from the model chip or the palette, the active model marked."""

from __future__ import annotations

from localfirst.tui.commands import chat_commands
from localfirst.tui.screens.models import ModelSwitcher

from .conftest import TERMINAL_SIZE, make_app, settle


async def test_the_model_chip_opens_the_switcher_with_the_active_model_marked(
    tui_services, test_model_path
) -> None:
    tui_services.registry.import_file(test_model_path, name="second-copy")
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#model-status")
        await pilot.pause()
        assert isinstance(app.screen, ModelSwitcher)
        options = app.screen.query_one("#models")
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        active = tui_services.in_process_model_name()
        assert any(label.startswith(f"● {active}") for label in labels)
        assert any(label.startswith("  second-copy") for label in labels)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ModelSwitcher)


async def test_choosing_a_model_makes_it_the_default_and_loads_it(
    tui_services, test_model_path
) -> None:
    tui_services.registry.import_file(test_model_path, name="second-copy")
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        app.chat_screen.action_switch_model()
        await pilot.pause()
        options = app.screen.query_one("#models")
        index = next(
            i
            for i in range(options.option_count)
            if options.get_option_at_index(i).id == "second-copy"
        )
        options.highlighted = index
        await pilot.press("enter")
        await settle(pilot)
        while app.statuses["model"][0] == "busy":
            await pilot.pause(0.05)
        assert tui_services.registry.default_name() == "second-copy"
        assert app.chat_screen.status_bar.status_text("model") == "ready: second-copy"


async def test_the_palette_offers_the_switcher(tui_services) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in chat_commands(app.chat_screen)]
        assert "Switch model" in titles and "Help: keys" in titles
