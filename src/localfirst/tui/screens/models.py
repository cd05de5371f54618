"""The model switcher: the installed models, the active one marked; Enter makes one the default.

Opened from the model chip in the top bar (a click) or the palette ("Switch model"). Choosing
posts `LocalModelChosen` and the app loads the model in the background, as at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from localfirst.errors import UserError
from localfirst.text.terminal import one_line_for_terminal
from localfirst.tui.downloads import human_size
from localfirst.tui.messages import LocalModelChosen

if TYPE_CHECKING:
    from localfirst.services import Services


class ModelSwitcher(ModalScreen[str | None]):
    """Dismissed with the chosen model's name, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(self, services: Services) -> None:
        super().__init__(classes="dialog-screen", id="model-switcher")
        self.services = services

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Local model", classes="dialog-title")
            yield OptionList(id="models")
            yield Static("", id="models-hint", classes="dialog-body hint", markup=False)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        hint = self.query_one("#models-hint", Static)
        try:
            models = self.services.registry.list()
            current = self.services.in_process_model_name()
        except UserError as exc:
            hint.update(str(exc))
            return
        if not models:
            hint.update("No model installed yet: F2 → Models downloads or imports one.")
            return
        for model in models:
            mark = "●" if model.name == current else " "
            template = "" if model.has_chat_template else " · base model (no chat template)"
            label = (
                f"{mark} {one_line_for_terminal(model.name)}  {human_size(model.size)}{template}"
            )
            options.add_option(Option(label, id=model.name))
        if current is not None:
            options.highlighted = next((i for i, m in enumerate(models) if m.name == current), 0)
        hint.update("Enter uses the highlighted model; F2 → Models installs more.")
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        name = str(event.option.id)
        if name == self.services.in_process_model_name():
            self.dismiss(None)
            return
        try:
            self.services.registry.set_default(name)
        except UserError as exc:
            self.notify(str(exc), severity="error")
            return
        if self.services.config.local.model and self.services.config.local.model != name:
            self.notify(
                f"[local] model in config.toml names {self.services.config.local.model}; "
                "it wins at the next start unless you change it in F2 → Models",
                severity="warning",
                timeout=8,
            )
        self.post_message(LocalModelChosen(name))
        self.notify(f"Using {name}: loading it now")
        self.dismiss(name)

    def action_close(self) -> None:
        self.dismiss(None)
