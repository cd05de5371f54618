"""First run without a model: offer the suggested download, an import, or a look around.

Nothing here is required: "Look around first" closes the screen and the app works, each
reply saying that it needs a model (and how to install one) until there is one.
"""

from __future__ import annotations

import threading
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
    DownloadOffer,
    download,
    human_size,
    suggest_download,
)

if TYPE_CHECKING:
    from localfirst.services import Services
    from localfirst.tui.app import LocalFirstApp

INTRO = (
    "localfirst answers on this machine with a local model, and sends only hard, "
    "non-private prompts to a cloud model if you add an API key.\n\n"
    "No local model is installed yet."
)


class OnboardingScreen(ModalScreen[bool]):
    """Dismissed with True once a model is installed, False when the user looks around first."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "skip", "Look around first")]

    app: LocalFirstApp  # type: ignore[assignment]

    def __init__(self, services: Services) -> None:
        super().__init__(classes="dialog-screen", id="onboarding")
        self.services = services
        self.offer: DownloadOffer | None = None
        self.cancel = threading.Event()
        self.downloaded = 0  # bytes, as last reported

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static("Welcome to localfirst", classes="dialog-title")
            yield Static(INTRO, classes="dialog-body")
            yield Button("Finding the model that suits this machine…", id="download", disabled=True)
            yield Static("", id="offer-reason", classes="dialog-body hint", markup=False)
            yield ProgressBar(id="progress", show_eta=True)
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
        self.query_one(ProgressBar).display = False
        self.query_one("#gguf-path", Input).focus()
        self.find_offer()

    # the suggested download

    @work(thread=True, group="offer", exit_on_error=False)
    def find_offer(self) -> None:
        try:
            offer = suggest_download()
        except Exception:  # probing the machine must not stop onboarding
            offer = None
        self.app.call_from_thread(self._show_offer, offer)

    def _show_offer(self, offer: DownloadOffer | None) -> None:
        if not self.is_mounted:  # the user went on without waiting
            return
        self.offer = offer
        button = self.query_one("#download", Button)
        reason = self.query_one("#offer-reason", Static)
        if offer is None:
            button.display = False
            reason.update("To install one from a terminal: " + MANUAL_INSTALL_HINT + ".")
            return
        button.label = offer.label
        button.variant = "primary"
        button.disabled = False
        reason.update(f"{offer.title}: {offer.reason}.")

    @work(thread=True, group="install", exclusive=True, exit_on_error=False)
    def download(self) -> None:
        assert self.offer is not None
        self.cancel.clear()

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, done, total)

        try:
            model = download(self.services, self.offer, progress, self.cancel)
        except UserError as exc:
            self.app.call_from_thread(self._download_failed, str(exc))
            return
        except Exception as exc:  # a network failure is a message, never a crash
            self.app.call_from_thread(self._download_failed, f"download failed: {exc}")
            return
        self.app.call_from_thread(self._installed, model.name)

    def _progress(self, done: int, total: int) -> None:
        self.downloaded = done
        if not self.is_mounted:  # the user went on without waiting
            return
        self.query_one(ProgressBar).update(total=total or None, progress=done)
        if total:
            self._say(f"Downloading: {human_size(done)} of {human_size(total)}")

    def _download_failed(self, text: str) -> None:
        if not self.is_mounted:  # the user went on without waiting
            return
        self._say(text, error=True)
        button = self.query_one("#download", Button)
        button.label = "Try the download again (it resumes)"
        button.disabled = False

    # importing a file

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.import_model(event.value)

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

    # either way

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "skip":
            self.action_skip()
        elif event.button.id == "import":
            self.import_model(self.query_one("#gguf-path", Input).value)
        elif event.button.id == "download" and self.offer is not None:
            event.button.disabled = True
            self.query_one(ProgressBar).display = True
            self._say("Connecting to the Hugging Face Hub…")
            self.download()

    def action_skip(self) -> None:
        self.cancel.set()  # a download in progress stops; pulling again resumes it
        self.dismiss(False)

    def _say(self, text: str, error: bool = False) -> None:
        if not self.is_mounted:  # the user went on without waiting
            return
        status = self.query_one("#onboarding-status", Static)
        status.update(text)
        status.set_class(error, "error")

    def _installed(self, name: str) -> None:
        self.notify(f"Installed {name}: loading it now")
        self.app.load_model()
        self.dismiss(True)
