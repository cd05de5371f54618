"""First run without a model: offer the suggested download, an import, or a look around.

Nothing here is required: "Look around first" closes the screen and the app works, each
reply saying that it needs a model (and how to install one) until there is one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from localfirst.tui.widgets.model_installer import ModelInstaller

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
        self.installer = ModelInstaller(services, id="installer", takes_focus=True)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static("Welcome to localfirst", classes="dialog-title")
            yield Static(INTRO, classes="dialog-body")
            yield self.installer
            yield Static(
                "Without an API key everything is answered locally; add one later in "
                "Settings (F2) → Cloud & API keys.",
                classes="dialog-body hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Look around first", id="skip")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "skip":
            event.stop()
            self.action_skip()

    def action_skip(self) -> None:
        self.dismiss(False)  # a download in progress stops with the installer; pulling resumes it

    def on_model_installer_installed(self, message: ModelInstaller.Installed) -> None:
        # not stopped: the app loads the model
        self.notify(f"Installed {message.name}: loading it now")
        self.dismiss(True)
