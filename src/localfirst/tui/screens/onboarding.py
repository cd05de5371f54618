"""First run without a model: offer the default download, an import, or a look around.

Nothing here is required: "Look around first" closes the screen and the app works, telling
each reply that it needs a model (and how to install one) until there is one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, ProgressBar, Static

from localfirst.errors import UserError
from localfirst.tui.downloads import (
    MANUAL_INSTALL_HINT,
    default_model_offer,
    download_default_model,
)

if TYPE_CHECKING:
    from localfirst.services import Services
    from localfirst.tui.app import LocalFirstApp

INTRO = (
    "localfirst answers on this machine with a local model, and sends only hard, "
    "non-private prompts to a cloud model if you add an API key.\n\n"
    "No local model is installed yet."
)


def _size(size_bytes: int | None) -> str:
    if not size_bytes:
        return ""
    return f" ({size_bytes / 1e9:.1f} GB)" if size_bytes >= 1e9 else f" ({size_bytes / 1e6:.0f} MB)"


class OnboardingScreen(ModalScreen[bool]):
    """Dismissed with True once a model is installed, False when the user looks around first."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "skip", "Look around first")]

    app: LocalFirstApp  # type: ignore[assignment]

    def __init__(self, services: Services) -> None:
        super().__init__(classes="dialog-screen", id="onboarding")
        self.services = services
        self.offer = default_model_offer()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static("Welcome to localfirst", classes="dialog-title")
            yield Static(INTRO, classes="dialog-body")
            if self.offer is not None:
                yield Button(
                    f"Download {self.offer.name}{_size(self.offer.size_bytes)}",
                    id="download",
                    variant="primary",
                )
                yield ProgressBar(id="progress", show_eta=False)
            else:
                yield Static(
                    "To install one from a terminal: " + MANUAL_INSTALL_HINT + ".",
                    classes="dialog-body hint",
                    markup=False,
                )
            yield Static("Or import a GGUF file you already have:", classes="dialog-body")
            with Horizontal(classes="import-row"):
                yield Input(placeholder="/path/to/model.gguf", id="gguf-path")
                yield Button("Import", id="import")
            yield Static("", id="onboarding-status", markup=False)
            yield Static(
                "Without an API key everything is answered locally; add one later in "
                "Settings (F2) → Cloud.",
                classes="dialog-body hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Look around first", id="skip")

    def on_mount(self) -> None:
        for bar in self.query(ProgressBar):
            bar.display = False
        self.query_one("#gguf-path", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "skip":
            self.action_skip()
        elif event.button.id == "import":
            self.import_model(self.query_one("#gguf-path", Input).value)
        elif event.button.id == "download":
            event.button.disabled = True
            self.query_one(ProgressBar).display = True
            self.download()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.import_model(event.value)

    def action_skip(self) -> None:
        self.dismiss(False)

    def _say(self, text: str, error: bool = False) -> None:
        status = self.query_one("#onboarding-status", Static)
        status.update(text)
        status.set_class(error, "error")

    @work(thread=True, group="install", exclusive=True, exit_on_error=False)
    def import_model(self, path_text: str) -> None:
        if not path_text.strip():
            self.app.call_from_thread(self._say, "Type the path of a .gguf file first", True)
            return
        path = Path(path_text.strip()).expanduser()
        self.app.call_from_thread(self._say, f"Reading {path.name}…")
        try:
            model = self.services.registry.import_file(path)
        except UserError as exc:
            self.app.call_from_thread(self._say, str(exc), True)
            return
        self.app.call_from_thread(self._installed, model.name)

    @work(thread=True, group="install", exclusive=True, exit_on_error=False)
    def download(self) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, done, total)

        try:
            model = download_default_model(self.services, progress)
        except UserError as exc:
            self.app.call_from_thread(self._say, str(exc), True)
            return
        except Exception as exc:  # a network failure is a message, never a crash
            self.app.call_from_thread(self._say, f"Download failed: {exc}", True)
            return
        self.app.call_from_thread(self._installed, model.name)

    def _progress(self, done: int, total: int) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=total or None, progress=done)

    def _installed(self, name: str) -> None:
        self.notify(f"Installed {name}: loading it now")
        self.app.load_model()
        self.dismiss(True)
