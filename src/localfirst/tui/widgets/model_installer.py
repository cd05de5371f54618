"""Install a model: the suggested download, or a GGUF file the user has. Onboarding and the
settings screen both use this one widget, so they behave the same way.

Everything slow runs in thread workers: choosing the suggestion probes the machine, a download
moves gigabytes, an import reads a header. The widget posts `Installed` when a model is ready;
the screen around it decides what follows. Removing the widget (leaving the screen) stops a
download; starting it again resumes it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, ProgressBar, Static
from textual.worker import Worker, WorkerState

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


class ModelInstaller(Vertical):
    """A download button with its progress and status, then an import row with its own."""

    class Installed(Message):
        """A model was downloaded or imported; it is the default now when downloaded."""

        def __init__(self, name: str, downloaded: bool) -> None:
            super().__init__()
            self.name = name
            self.downloaded = downloaded

    class Progressed(Message):
        """Download progress, for a status bar outside the widget."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(
        self, services: Services, *, id: str | None = None, takes_focus: bool = False
    ) -> None:
        """`takes_focus`: move the focus to the primary action once it is known (onboarding).
        In settings it sits in a tab, and focusing into a tab the user is not looking at would
        switch to it, away from the one they opened."""
        super().__init__(id=id, classes="model-installer")
        self.services = services
        self.takes_focus = takes_focus
        self.offer: DownloadOffer | None = None
        self.cancel = threading.Event()
        self.downloaded = 0  # bytes, as last reported

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Button("Finding the model that suits this machine…", id="download", disabled=True)
            yield Button("Stop download", id="stop-download", disabled=True)
        yield ProgressBar(id="progress", show_eta=True)
        yield Static("", id="download-status", classes="hint", markup=False)
        yield Static("Or import a GGUF file you already have:", classes="hint")
        with Horizontal(classes="row import-row"):
            yield Input(placeholder="/path/to/model.gguf", id="gguf-path")
            yield Button("Import", id="import")
        yield Static("", id="import-status", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False
        self.query_one("#stop-download", Button).display = False
        self.find_local_files()
        if self.services.offline:
            self._no_download("Offline mode is on, so nothing is downloaded")
            return
        self.find_offer()

    # files already here

    @work(thread=True, group="local-files", exit_on_error=False)
    def find_local_files(self) -> None:
        from localfirst.models.discover import local_gguf_files

        try:
            installed = {Path(m.path) for m in self.services.registry.list()}
            found = local_gguf_files(installed)
        except Exception:  # looking around must not stop an install
            found = []
        if found:
            self.app.call_from_thread(self._show_local_files, found)

    def _show_local_files(self, found: list[Path]) -> None:
        if not self.is_mounted:
            return
        path_box = self.query_one("#gguf-path", Input)
        if not path_box.value:
            path_box.value = str(found[0])  # Enter in the box imports it
        names = ", ".join(p.name for p in found[:3]) + (" …" if len(found) > 3 else "")
        plural = "file" if len(found) == 1 else "files"
        self._say(
            "#import-status",
            f"Found {len(found)} GGUF {plural} on this machine ({names}): Import adds the one "
            "in the box, without downloading anything.",
        )

    def on_unmount(self) -> None:
        self.cancel.set()  # leaving stops a download; starting it again resumes it

    # the suggested download

    @work(thread=True, group="offer", exit_on_error=False)
    def find_offer(self) -> None:
        try:
            offer = suggest_download()
        except Exception:  # probing the machine must not stop an install
            offer = None
        self.app.call_from_thread(self._show_offer, offer)

    def _show_offer(self, offer: DownloadOffer | None) -> None:
        if not self.is_mounted:  # the user went on without waiting
            return
        self.offer = offer
        if offer is None:
            self._no_download("To install one from a terminal: " + MANUAL_INSTALL_HINT)
            return
        button = self.query_one("#download", Button)
        button.label = offer.label
        button.variant = "primary"
        button.disabled = False
        self._say("#download-status", f"{offer.title}: {offer.reason}.")
        focused = self.screen.focused
        path_box = self.query_one("#gguf-path", Input)
        if not self.takes_focus:
            return
        if (
            focused is None
            or isinstance(focused, Button)
            or (focused is path_box and not path_box.value)
        ):
            button.focus()  # the primary action, unless the user is already typing a path

    def _no_download(self, text: str) -> None:
        """No download to offer (offline, or no preset fits): import comes first."""
        self.query_one("#download", Button).display = False
        self.query_one("#download-status", Static).update(text + ". Import a .gguf file below.")
        if self.takes_focus:
            self.query_one("#gguf-path", Input).focus()

    def start_download(self) -> None:
        if self.offer is None:
            return
        self.query_one("#download", Button).disabled = True
        stop = self.query_one("#stop-download", Button)
        stop.display, stop.disabled = True, False
        self.query_one(ProgressBar).display = True
        self._say("#download-status", "Connecting to the Hugging Face Hub…")
        self._download()

    @work(thread=True, group="install", exclusive=True, exit_on_error=False)
    def _download(self) -> ModelInstaller.Installed | None:
        assert self.offer is not None
        self.cancel.clear()

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, done, total)

        try:
            model = download(self.services, self.offer, progress, self.cancel)
        except Exception as exc:  # a failed download is a message, never a crash
            text = str(exc) if isinstance(exc, UserError) else f"download failed: {exc}"
            self.app.call_from_thread(self._download_ended, text, True)
            return None
        self.app.call_from_thread(self._download_ended, f"Downloaded {model.name}", False)
        return self.Installed(model.name, True)  # announced once this worker has finished

    def _progress(self, done: int, total: int) -> None:
        self.downloaded = done
        text = f"{human_size(done)} of {human_size(total)}" if total else human_size(done)
        self.post_message(self.Progressed(f"downloading {text}"))
        if not self.is_mounted:
            return
        self.query_one(ProgressBar).update(total=total or None, progress=done)
        self._say("#download-status", f"Downloading: {text}")

    def _download_ended(self, text: str, error: bool) -> None:
        if not self.is_mounted:  # the user went on without waiting
            return
        bar = self.query_one(ProgressBar)
        bar.display = not error  # a failed download leaves no bar animating
        button = self.query_one("#download", Button)
        button.disabled = False
        if error:
            button.label = "Try the download again (it resumes)"
        self.query_one("#stop-download", Button).disabled = True
        self._say("#download-status", text, error)

    def stop_download(self) -> None:
        self.cancel.set()

    # importing a file

    @work(thread=True, group="install", exclusive=True, exit_on_error=False)
    def import_model(self, path_text: str) -> ModelInstaller.Installed | None:
        if not path_text.strip():
            self.app.call_from_thread(
                self._say, "#import-status", "Type the path of a .gguf file first", True
            )
            return None
        path = Path(path_text.strip()).expanduser()
        self.app.call_from_thread(self._say, "#import-status", f"Reading {path.name}…")
        try:
            model = self.services.registry.import_file(path)
        except UserError as exc:
            self.app.call_from_thread(self._say, "#import-status", str(exc), True)
            return None
        self.app.call_from_thread(self._imported, model.name)
        return self.Installed(model.name, False)  # announced once this worker has finished

    def _imported(self, name: str) -> None:
        if self.is_mounted:
            self.query_one("#gguf-path", Input).value = ""
            self._say("#import-status", f"Imported {name}")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Say a model is installed only once its worker has finished: the screen that hears
        it may close, removing this widget, and a removed widget's workers are cancelled; a
        worker still returning from its thread was cancelled that way, after its work."""
        installed = event.worker.result if event.state is WorkerState.SUCCESS else None
        if event.worker.group == "install" and isinstance(installed, self.Installed):
            self.post_message(installed)

    # events

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "download":
            event.stop()
            self.start_download()
        elif event.button.id == "stop-download":
            event.stop()
            self.stop_download()
        elif event.button.id == "import":
            event.stop()
            self.import_model(self.query_one("#gguf-path", Input).value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "gguf-path":
            event.stop()
            self.import_model(event.value)

    def _say(self, where: str, text: str, error: bool = False) -> None:
        if not self.is_mounted:
            return
        status = self.query_one(where, Static)
        status.update(text)
        status.set_class(error, "error")
