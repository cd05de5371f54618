"""The Textual chat app: `localfirst` with no arguments runs `run_tui(services)`.

Start-up paints first and loads later: the model, the privacy gate and the cloud check each
run in a thread worker after the first frame, and the top bar shows their progress. Nothing
heavy (llama_cpp, presidio, spacy, the provider SDKs) is imported on the way to that frame.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.screen import Screen
from textual.signal import Signal
from textual.theme import Theme

from localfirst.errors import UserError
from localfirst.providers import env_vars_text
from localfirst.tui.chat_screen import ChatScreen
from localfirst.tui.messages import ConfigChanged, KeysChanged, LocalModelChosen
from localfirst.tui.themes import DEFAULT_THEME, bundled_themes_dir, load_themes
from localfirst.tui.widgets.model_installer import ModelInstaller
from localfirst.types.decision import SessionMode

if TYPE_CHECKING:
    from localfirst.services import Services

# part -> (state, short text, detail on hover); states: busy, ready, off, error
Statuses = dict[str, tuple[str, str, str]]


# How long the start-up cloud check waits for the OS keyring before it says it got no answer.
CLOUD_CHECK_TIMEOUT_S = 5.0


class LocalFirstApp(App[int]):
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "localfirst"

    def __init__(
        self, services: Services, *, background_work: bool = True, quit_on_signals: bool = False
    ) -> None:
        """`background_work=False` skips the start-up workers (for benchmarks of the view);
        `quit_on_signals` handles SIGTERM and SIGHUP (the real app, not tests)."""
        super().__init__()
        self._quit_on_signals = quit_on_signals
        self.services = services
        self.background_work = background_work
        # what changed, for the screens that subscribed (published at once, on this thread)
        self.config_signal: Signal[ConfigChanged] = Signal(self, "config-changed")
        self.mode_signal: Signal[SessionMode] = Signal(self, "mode-changed")
        self.status_signal: Signal[tuple[str, str, str, str]] = Signal(self, "status-changed")
        self.statuses: Statuses = {
            "model": ("busy", "checking…", ""),
            "gate": ("busy", "waiting…", ""),
            "cloud": ("busy", "checking…", ""),
        }
        self.theme_problems: list[str] = []

    # screens

    def _fatal_error(self) -> None:
        """An unhandled error ends the app with one line and the crash log's path.

        Textual's own handler prints a traceback with each frame's locals, which would put the
        config, prompts and replies on the screen; the crash log keeps the stack only."""
        from rich.text import Text

        from localfirst.crash_log import log_crash
        from localfirst.text.terminal import one_line_for_terminal

        error = self._exception or RuntimeError("unknown error")
        where = log_crash(error)
        message = one_line_for_terminal(f"{type(error).__name__}: {error}")
        self.bell()
        self._exit_renderables.append(
            Text(f"localfirst: internal error: {message}\n  the details are in {where}")
        )
        self._close_messages_no_wait()

    def get_default_screen(self) -> Screen:
        return ChatScreen(self.services)

    def _show_notices(self) -> None:
        """What services found at start (a damaged history moved aside) is said once."""
        while self.services.notices:
            self.notify(self.services.notices.pop(0), severity="warning", timeout=15)

    # leaving

    async def on_unmount(self) -> None:
        await self.services.aclose()  # the cloud clients' connections, on the app's own loop

    async def action_quit(self) -> None:
        """Quit once a streaming reply is stopped and its partial text saved as incomplete."""
        await self.stop_reply()
        self.exit()

    async def stop_reply(self) -> None:
        try:
            screen = self.chat_screen
        except Exception:  # quitting from a screen before the chat exists
            return
        worker = screen.reply_worker
        if screen.busy and worker is not None:
            screen.session.cancel()
            await worker.wait()

    def quit_on_signals(self) -> None:
        """SIGTERM and SIGHUP (the terminal closed) quit as Ctrl+Q does: nothing is lost."""
        import asyncio
        import signal

        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGHUP):
            try:
                loop.add_signal_handler(number, self._quit_from_signal)
            except (NotImplementedError, RuntimeError, ValueError):  # not on this platform
                continue

    def _quit_from_signal(self) -> None:
        self.run_worker(self.action_quit(), group="quit", exclusive=True, exit_on_error=False)

    @property
    def chat_screen(self) -> ChatScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, ChatScreen)
        return screen

    def on_mount(self) -> None:
        if self._quit_on_signals:
            self.quit_on_signals()
        self.call_after_refresh(self._show_notices)
        self._apply_themes()
        # subscribed once the start-up theme is applied: a fallback is not the user's choice
        self.call_after_refresh(self.theme_changed_signal.subscribe, self, self._save_theme)
        if self.services.local_model_name() is None:
            self.set_status("model", "off", "none installed")
            from localfirst.tui.screens.onboarding import OnboardingScreen

            self.push_screen(OnboardingScreen(self.services))
        if self.background_work:
            self.call_after_refresh(self.start_background_work)

    def open_settings(self, tab: str = "models") -> None:
        from localfirst.tui.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen(self.services, tab))

    # themes

    def _apply_themes(self) -> None:
        loaded = load_themes([bundled_themes_dir(), self.services.paths.user_themes_dir])
        for theme in loaded.themes:
            self.register_theme(theme)
        self.theme_problems = loaded.problems
        for problem in loaded.problems:
            self.notify(f"Theme skipped: {problem}", severity="warning", timeout=8)
        wanted = self.services.config.tui.theme
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            self.notify(
                f"{self.services.paths.config_file}: [tui] theme “{wanted}” is not "
                f"installed; using {DEFAULT_THEME}. Ctrl+P → Theme lists the installed ones.",
                severity="warning",
                timeout=8,
            )
            if DEFAULT_THEME in self.available_themes:
                self.theme = DEFAULT_THEME

    def _save_theme(self, theme: Theme) -> None:
        if theme.name == self.services.config.tui.theme:
            return
        from localfirst.config import save_changes

        try:
            config = save_changes(
                self.services.paths.config_file, self.services.config, "tui", {"theme": theme.name}
            )
        except UserError as exc:
            self.notify(f"Theme not saved: {exc}", severity="error", timeout=10)
            return
        self.post_message(ConfigChanged(config, "tui"))

    # what screens report

    def on_config_changed(self, message: ConfigChanged) -> None:
        rebuilt = self.services.reconfigure(message.config)
        self.config_signal.publish(message)
        if "gate" in rebuilt:
            self.warm_up_gate()
        if message.section == "cloud":
            self.check_cloud()
        elif message.section == "local":
            self.load_model()

    def on_keys_changed(self, _message: KeysChanged) -> None:
        self.check_cloud()

    def on_local_model_chosen(self, _message: LocalModelChosen) -> None:
        self.load_model()

    def on_model_installer_installed(self, message: ModelInstaller.Installed) -> None:
        # a download becomes the default; an import is loaded when nothing is loaded yet
        if message.downloaded or self.statuses["model"][0] != "ready":
            self.load_model()

    def on_model_installer_progressed(self, message: ModelInstaller.Progressed) -> None:
        self.set_status("model", "busy", message.text)

    # routing mode

    @property
    def local_only(self) -> bool:
        return self.services.local_only

    def toggle_local_only(self) -> None:
        if self.services.offline:
            self.notify("Offline mode is on: nothing leaves this machine anyway", timeout=4)
            return
        self.services.local_only = not self.services.local_only
        self.mode_signal.publish(self.services.mode)
        if self.local_only:
            self.notify("Local-only: every message of this session stays on this machine")
        else:
            self.notify("Auto: simple and private prompts stay local, hard ones may use the cloud")

    # background work and the status it shows

    def set_status(self, part: str, state: str, text: str, detail: str = "") -> None:
        self.statuses[part] = (state, text, detail)
        self.status_signal.publish((part, state, text, detail))

    def start_background_work(self) -> None:
        self._keep_long_lived_out_of_collections()
        self.import_markdown()
        self.load_model()
        self.warm_up_gate()
        self.check_cloud()

    @staticmethod
    def _keep_long_lived_out_of_collections() -> None:
        """Move what start-up built (modules, the screen; later the model and spaCy) out of
        the garbage collector's sight: a full collection then walks only newer objects, so
        its pauses stay short. These objects live as long as the app does."""
        gc.freeze()

    @work(thread=True, group="imports", exit_on_error=False)
    def import_markdown(self) -> None:
        """Import the Markdown widget now, off the main thread: the first frame did not need
        it, and the first reply should not wait for it."""
        import markdown_it  # noqa: F401
        import textual.widgets._markdown  # noqa: F401

    @work(thread=True, group="model", exclusive=True, exit_on_error=False)
    def load_model(self) -> None:
        """Load the local model now, so the first reply does not wait for it."""
        name = self.services.in_process_model_name()
        if name is None:
            server = self.services.local_model_name()  # a private server answers locally
            state, text = ("ready", server) if server else ("off", "none installed")
            self.call_from_thread(self.set_status, "model", state, text)
            return
        self.call_from_thread(self.set_status, "model", "busy", f"loading {name}…")
        try:
            self.services.local_backend().load()
        except UserError as exc:
            self.call_from_thread(self.set_status, "model", "error", "failed to load", str(exc))
            self.call_from_thread(self.notify, str(exc), severity="error", timeout=10)
            return
        self.call_from_thread(self.set_status, "model", "ready", name)
        gc.freeze()  # see _keep_long_lived_out_of_collections

    @work(thread=True, group="gate", exclusive=True, exit_on_error=False)
    def warm_up_gate(self) -> None:
        """Load the privacy gate and scorer; until they load the router keeps prompts local."""
        self.call_from_thread(self.set_status, "gate", "busy", "loading…")
        router = self.services.router
        router.warm_up()
        if router.gate_error:
            self.call_from_thread(
                self.set_status,
                "gate",
                "error",
                "off: all local",
                router.gate_error,
            )
        else:
            self.call_from_thread(self.set_status, "gate", "ready", "ready")
        gc.freeze()

    @work(thread=True, group="cloud", exclusive=True, exit_on_error=False)
    def check_cloud(self) -> None:
        """Which cloud provider can answer. Asking the keyring goes over D-Bus and can hang
        when no Secret Service answers, so the check gives up after CLOUD_CHECK_TIMEOUT_S and
        says so: the indicator never stays on "checking…"."""
        import concurrent.futures

        pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="localfirst-keyring")
        asked = pool.submit(self.services.cloud_choice)
        pool.shutdown(wait=False)
        try:
            choice = asked.result(timeout=CLOUD_CHECK_TIMEOUT_S)
        except concurrent.futures.TimeoutError:
            self.call_from_thread(
                self.set_status,
                "cloud",
                "off",
                "keyring not answering",
                f"the OS keyring gave no answer in {CLOUD_CHECK_TIMEOUT_S:g} s; replies stay "
                f"local; set {env_vars_text(' or ')}, or check the Secret Service",
            )
            return
        except Exception as exc:  # the check reports, it never crashes the app
            self.call_from_thread(self.set_status, "cloud", "off", "unavailable", str(exc))
            return
        if isinstance(choice, str):
            cause = getattr(choice, "cause", "error")
            short = {"offline": "offline", "no-key": "no API key"}.get(cause, "unavailable")
            self.call_from_thread(self.set_status, "cloud", "off", short, choice)
        else:
            self.call_from_thread(self.set_status, "cloud", "ready", choice.label)


def run_tui(services: Services) -> int:
    """Run the chat app until the user quits; the exit status for the shell."""
    from localfirst.backends.llama_backend import stop_generations

    app = LocalFirstApp(services, quit_on_signals=True)
    try:
        result = app.run()
    finally:
        stop_generations()  # join llama.cpp's thread before the interpreter frees the model
    return int(result or app.return_code or 0)
