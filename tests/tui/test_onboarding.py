"""A first run with no model: the offer, an import from the welcome screen, or a look around."""

from __future__ import annotations

from localfirst.models.presets import default_preset
from localfirst.tui.screens.onboarding import OnboardingScreen

from .conftest import TERMINAL_SIZE, make_app, send, settle


async def test_first_run_without_a_model_opens_the_welcome_screen(bare_services) -> None:
    app = make_app(bare_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OnboardingScreen)
        assert app.chat_screen.status_bar.status_text("model") == "off: none installed"
        words = " ".join(str(w.render()) for w in app.screen.query("Static, Button"))
        assert "No local model is installed yet" in words
        offer = app.screen.installer.offer
        assert offer is not None and offer.name == default_preset().name
        assert offer.label in words  # the suggested model, with its size
        assert "Settings (F2) → Cloud" in words  # how to add a key later


async def test_looking_around_first_still_answers_with_how_to_install(bare_services) -> None:
    app = make_app(bare_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#skip")
        await pilot.pause()
        assert not isinstance(app.screen, OnboardingScreen)
        assert "No local model is installed yet" in app.chat_screen.welcome_text()
        await send(pilot, "hello")
        [reply] = app.chat_screen.chat.replies
        assert "localfirst models" in reply.reason_text
        assert reply.has_class("error")
        [conversation] = bare_services.history.list_conversations()
        assert bare_services.history.messages(conversation.id)[0].content == "hello"


async def test_importing_a_gguf_from_the_welcome_screen_loads_it(
    bare_services, test_model_path, llama_backend
) -> None:
    app = make_app(bare_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#gguf-path")
        await pilot.press(*"/no/such/file.gguf", "enter")
        await settle(pilot)
        assert isinstance(app.screen, OnboardingScreen)
        assert "file.gguf" in str(app.screen.query_one("#import-status").render())
        bare_services._local_backend = llama_backend  # the loaded test model, as elsewhere
        app.screen.query_one("#gguf-path").value = str(test_model_path)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, OnboardingScreen)
        assert bare_services.local_model_name() is not None
        assert app.chat_screen.status_bar.status_text("model").startswith("ready:")


async def test_the_suggested_model_downloads_with_progress_and_loads(
    bare_services, hub_server, test_model_path, test_model_sha256, monkeypatch
) -> None:
    preset = default_preset()
    # the loopback Hub serves the test model under the suggested preset's repo and file
    hub_server.host(preset.repo, preset.file, test_model_path, sha256=test_model_sha256)
    for name, value in hub_server.env.items():
        monkeypatch.setenv(name, value)
    app = make_app(bare_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OnboardingScreen)
        await pilot.click("#download")
        await settle(pilot)
        while app.statuses["model"][0] == "busy":  # the downloaded copy loads in a worker
            await pilot.pause(0.05)
        assert not isinstance(app.screen, OnboardingScreen)
        assert (
            screen.installer.downloaded == test_model_path.stat().st_size
        )  # progress reached the end
        assert app.chat_screen.status_bar.status_text("model") == f"ready: {preset.name}"
        installed = bare_services.registry.get(preset.name)
        assert installed is not None and installed.source == preset.source
        assert bare_services.registry.default_name() == preset.name
        assert len(hub_server.downloads()) == 1


async def test_the_download_is_the_focused_primary_action_once_offered(bare_services) -> None:
    app = make_app(bare_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        button = app.screen.query_one("#download")
        assert button.variant == "primary"
        assert app.screen.focused is button  # Enter downloads; it does not ask for a path


async def test_a_failed_download_says_why_under_download_and_stops_the_bar(
    bare_services, hub_server, monkeypatch
) -> None:
    # the loopback Hub knows nothing of the preset: the download fails at once
    for name, value in hub_server.env.items():
        monkeypatch.setenv(name, value)
    app = make_app(bare_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#download")
        await settle(pilot)
        installer = app.screen.installer
        for _ in range(100):
            if not installer.query_one("#download").disabled:
                break
            await pilot.pause(0.05)
        status = installer.query_one("#download-status")
        assert status.has_class("error") and str(status.render()).strip()
        assert not str(installer.query_one("#import-status").render()).strip()
        assert installer.query_one("#progress").display is False  # no bar left animating
        assert "again" in str(installer.query_one("#download").label)


async def test_offline_offers_import_first_and_says_why(bare_services) -> None:
    bare_services.offline = True
    app = make_app(bare_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        installer = app.screen.installer
        assert installer.query_one("#download").display is False
        assert "Offline mode is on" in str(installer.query_one("#download-status").render())
        assert app.screen.focused is installer.query_one("#gguf-path")


async def test_with_no_model_a_reply_says_how_to_install_once_and_not_failed(bare_services) -> None:
    app = make_app(bare_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#skip")
        await pilot.pause()
        await send(pilot, "hello")
        [reply] = app.chat_screen.chat.replies
        assert "localfirst models" in reply.reason_text
        assert not any("localfirst models" in note for note in reply.notes)  # said once
        stats = str(reply.query_one(".stats").render())
        assert "failed" not in stats and "not answered" in stats


async def test_a_gguf_already_on_the_machine_is_offered_first(
    bare_services, test_model_path, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "my-model.gguf").symlink_to(test_model_path)
    bare_services.offline = True  # an air-gapped machine: no download, the file is the way
    app = make_app(bare_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        installer = app.screen.installer
        for _ in range(50):
            if installer.query_one("#gguf-path").value:
                break
            await pilot.pause(0.05)
        assert installer.query_one("#gguf-path").value == str(test_model_path.resolve())
        assert "Found 1 GGUF file" in str(installer.query_one("#import-status").render())
