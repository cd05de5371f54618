"""Settings: models, cloud providers and keys, routing, privacy terms, and the two input keys.

Each tab saves on its own button (or Enter) into config.toml, re-read first so keys edited by
hand since start-up are kept, and posts `ConfigChanged`: the app rebuilds what depends on it. Keys go to the OS keyring only, through `services.keys`; the key box is
masked and emptied after saving, and no key is ever shown back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
)

from localfirst.errors import UserError
from localfirst.providers import PROVIDERS
from localfirst.tui.downloads import human_size
from localfirst.tui.messages import ConfigChanged, KeysChanged, LocalModelChosen
from localfirst.tui.widgets.model_installer import ModelInstaller

if TYPE_CHECKING:
    from localfirst.services import Services
    from localfirst.tui.app import LocalFirstApp

KEY_SOURCES = {"keyring": "stored in the keyring", "env": "from the environment", None: "no key"}


def parse_terms(text: str) -> list[str]:
    """'a, b ,, c' -> ['a', 'b', 'c'], keeping order and dropping repeats."""
    terms: list[str] = []
    for part in text.split(","):
        term = part.strip()
        if term and term not in terms:
            terms.append(term)
    return terms


class SettingsScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Back to chat")]

    app: LocalFirstApp  # type: ignore[assignment]

    def __init__(self, services: Services, tab: str = "models") -> None:
        super().__init__(id="settings")
        self.services = services
        self.initial_tab = tab

    def compose(self) -> ComposeResult:
        config = self.services.config
        yield Static("Settings", id="settings-title")
        with TabbedContent(initial=self.initial_tab, id="settings-tabs"):
            with TabPane("Models", id="models"), VerticalScroll():
                yield Static("Hardware: detecting…", id="hardware", markup=False)
                yield DataTable(id="model-table", cursor_type="row", zebra_stripes=True)
                with Horizontal(classes="row"):
                    yield Button("Use selected model", id="use-model", variant="primary")
                yield ModelInstaller(self.services, id="installer")
            with TabPane("Cloud & API keys", id="cloud"), VerticalScroll():
                yield Static(
                    "Hard prompts without private data may go to a cloud model. Keys are "
                    "kept in your OS keyring, never in a file.",
                    classes="hint",
                )
                yield Static("Keyring: checking…", id="keyring", markup=False)
                for spec in PROVIDERS:
                    provider = spec.name
                    with Horizontal(classes="row key-row"):
                        yield Label(provider, classes="provider")
                        yield Static("…", id=f"key-status-{provider}", classes="key-status")
                        yield Input(
                            placeholder="paste an API key",
                            password=True,
                            id=f"key-{provider}",
                        )
                        yield Button("Save key", id=f"save-key-{provider}", variant="primary")
                        yield Button("Remove", id=f"remove-key-{provider}")
                with Horizontal(classes="row"):
                    yield Label("Provider", classes="field-label")
                    yield Select(
                        [("whichever has a key", ""), *((p.name, p.name) for p in PROVIDERS)],
                        value=config.cloud.provider,
                        allow_blank=False,
                        id="cloud-provider",
                    )
                with Horizontal(classes="row"):
                    yield Label("Model", classes="field-label")
                    yield Input(
                        config.cloud.model, placeholder="the provider's default", id="cloud-model"
                    )
                with Horizontal(classes="row"):
                    yield Label("Base URL", classes="field-label")
                    yield Input(
                        config.cloud.base_url,
                        placeholder="the provider's own (or *_BASE_URL in the environment)",
                        id="cloud-base-url",
                    )
                yield Button("Save cloud settings", id="save-cloud")
            with TabPane("Routing", id="routing"), VerticalScroll():
                yield Static(
                    "Prompts whose complexity score reaches the threshold go to the cloud "
                    "(unless they hold private data). Keep a larger share local to raise it.",
                    classes="hint",
                )
                with Horizontal(classes="row"):
                    yield Label("Share kept local (0–1)", classes="field-label")
                    yield Input(
                        str(config.routing.keep_local_share), id="keep-local-share", type="number"
                    )
                yield Static("Threshold: …", id="threshold", markup=False)
                with Horizontal(classes="row"):
                    yield Label("Mode at start", classes="field-label")
                    yield Select(
                        [("auto", "auto"), ("local-only", "local-only")],
                        value=config.routing.mode,
                        allow_blank=False,
                        id="routing-mode",
                    )
                yield Button("Save routing", id="save-routing", variant="primary")
            with TabPane("Privacy", id="privacy"), VerticalScroll():
                yield Static(
                    "Deny terms always keep a prompt local (a project name, a client). "
                    "Allow terms are never treated as personal data. Separate them by commas.",
                    classes="hint",
                )
                with Horizontal(classes="row"):
                    yield Label("Always local", classes="field-label")
                    yield Input(", ".join(config.privacy.deny_terms), id="deny-terms")
                with Horizontal(classes="row"):
                    yield Label("Never private", classes="field-label")
                    yield Input(", ".join(config.privacy.allow_terms), id="allow-terms")
                yield Button("Save privacy terms", id="save-privacy", variant="primary")
            with TabPane("Key bindings", id="keys"), VerticalScroll():
                yield Static(
                    "Key names as Textual writes them: enter, shift+enter, ctrl+s, alt+enter. "
                    "Ctrl+J always inserts a newline, for terminals that send Shift+Enter as "
                    "Enter.",
                    classes="hint",
                )
                with Horizontal(classes="row"):
                    yield Label("Send", classes="field-label")
                    yield Input(config.tui.send_key, id="send-key")
                with Horizontal(classes="row"):
                    yield Label("Newline", classes="field-label")
                    yield Input(config.tui.newline_key, id="newline-key")
                yield Button("Save keys", id="save-input-keys", variant="primary")
        with Horizontal(id="settings-buttons"):
            yield Button("Back to chat", id="close")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#model-table", DataTable)
        table.add_columns("", "Name", "Size", "Architecture", "Context", "Chat template", "Source")
        self.show_models()
        self.detect_hardware()
        self.show_key_status()
        self.show_threshold()

    def action_close(self) -> None:
        self.dismiss()

    # models

    def show_models(self) -> None:
        table = self.query_one("#model-table", DataTable)
        table.clear()
        try:
            models = self.services.registry.list()
            current = self.services.local_model_name()
        except UserError as exc:
            self.notify(str(exc), severity="error")
            return
        for model in models:
            table.add_row(
                "●" if model.name == current else "",
                model.name,
                human_size(model.size),
                model.architecture,
                f"{model.context_length:,}" if model.context_length else "?",
                "yes" if model.has_chat_template else "no",
                "download" if model.source.startswith("hf:") else model.source,
                key=model.name,
            )

    @work(thread=True, group="hardware", exit_on_error=False)
    def detect_hardware(self) -> None:
        from localfirst.hardware import gpu_backend, physical_cores

        try:
            import psutil

            memory = f" · {psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
        except Exception:
            memory = ""
        try:
            gpu = gpu_backend()
        except Exception:
            gpu = "unknown"
        text = f"Hardware: {physical_cores()} CPU cores{memory} · llama.cpp offload: {gpu}"
        self.app.call_from_thread(self.query_one("#hardware", Static).update, text)

    def use_selected_model(self) -> None:
        table = self.query_one("#model-table", DataTable)
        if table.row_count == 0:
            self.notify("No model installed yet: import one below", severity="warning")
            return
        name = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        try:
            self.services.registry.set_default(name)
        except UserError as exc:
            self.notify(str(exc), severity="error")
            return
        self.show_models()
        self.notify(f"Using {name}: loading it now")
        if self.services.config.local.model and self.services.config.local.model != name:
            self._save("local", model=name)  # the app loads it on ConfigChanged
        else:
            self.post_message(LocalModelChosen(name))

    def on_model_installer_installed(self, message: ModelInstaller.Installed) -> None:
        # not stopped: the app loads the model
        self.show_models()
        self.notify(f"Installed {message.name}")

    # cloud keys

    @work(thread=True, group="keys", exit_on_error=False)
    def show_key_status(self) -> None:
        try:
            keys = self.services.keys
            backend = keys.backend_description()
            status = keys.status()
        except UserError as exc:
            backend, status = str(exc), {}
        self.app.call_from_thread(self._show_key_status, backend, status)

    def _show_key_status(self, backend: str, status: dict) -> None:
        self.query_one("#keyring", Static).update(f"Keyring: {backend}")
        for provider in (p.name for p in PROVIDERS):
            text = KEY_SOURCES.get(status.get(provider), "no key")
            self.query_one(f"#key-status-{provider}", Static).update(text)

    def key_status_text(self, provider: str) -> str:
        return str(self.query_one(f"#key-status-{provider}", Static).content)

    @work(thread=True, group="keys", exit_on_error=False)
    def save_key(self, provider: str, key: str) -> None:
        try:
            self.services.keys.set(provider, key)
            where = self.services.keys.backend_description()
        except UserError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=12)
            return
        self.app.call_from_thread(self._key_changed, provider, f"{provider} key saved in {where}")

    @work(thread=True, group="keys", exit_on_error=False)
    def remove_key(self, provider: str) -> None:
        try:
            removed = self.services.keys.delete(provider)
        except UserError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=12)
            return
        text = f"{provider} key removed" if removed else f"No stored {provider} key to remove"
        self.app.call_from_thread(self._key_changed, provider, text)

    def _key_changed(self, provider: str, text: str) -> None:
        self.query_one(f"#key-{provider}", Input).value = ""
        self.notify(text)
        self.show_key_status()
        self.post_message(KeysChanged())

    # routing, privacy, input keys

    @work(thread=True, group="threshold", exclusive=True, exit_on_error=False)
    def show_threshold(self) -> None:
        router = self.services.router
        threshold = router.threshold()
        scorer_missing = router.score("") is None
        text = (
            "Threshold: the complexity scorer is unavailable, so every prompt stays local"
            if scorer_missing
            else f"Threshold now: complexity ≥ {threshold:.2f} goes to the cloud"
        )
        self.app.call_from_thread(self.query_one("#threshold", Static).update, text)

    def save_routing(self) -> None:
        raw = self.query_one("#keep-local-share", Input).value.strip()
        try:
            share = float(raw)
        except ValueError:
            share = -1.0
        if not 0.0 <= share <= 1.0:
            self.notify("The share kept local must be a number from 0 to 1", severity="error")
            return
        mode = str(self.query_one("#routing-mode", Select).value)
        if self._save("routing", keep_local_share=share, mode=mode):
            self.notify("Routing saved")
            self.show_threshold()

    def save_privacy(self) -> None:
        deny = parse_terms(self.query_one("#deny-terms", Input).value)
        allow = parse_terms(self.query_one("#allow-terms", Input).value)
        if self._save("privacy", deny_terms=deny, allow_terms=allow):
            self.notify("Privacy terms saved: reloading the privacy gate")

    def save_cloud(self) -> None:
        provider = str(self.query_one("#cloud-provider", Select).value)
        model = self.query_one("#cloud-model", Input).value.strip()
        base_url = self.query_one("#cloud-base-url", Input).value.strip()
        if self._save("cloud", provider=provider, model=model, base_url=base_url):
            self.notify("Cloud settings saved")

    def save_input_keys(self) -> None:
        send = self.query_one("#send-key", Input).value.strip().lower()
        newline = self.query_one("#newline-key", Input).value.strip().lower()
        if not send or not newline or send == newline:
            self.notify("Send and newline need two different keys", severity="error")
            return
        if self._save("tui", send_key=send, newline_key=newline):
            self.notify(f"Send: {send} · newline: {newline}")

    def _save(self, section: str, **changes: object) -> bool:
        """Write `changes` to config.toml and tell the app; False (and why) when refused."""
        from localfirst.config import save_changes

        path = self.services.paths.config_file
        try:
            config = save_changes(path, self.services.config, section, changes)
        except UserError as exc:
            self.notify(f"Settings not saved: {exc}", severity="error", timeout=10)
            return False
        self.post_message(ConfigChanged(config, section))
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        if button == "close":
            self.action_close()
        elif button == "use-model":
            self.use_selected_model()
        elif button.startswith("save-key-"):
            provider = button.removeprefix("save-key-")
            key = self.query_one(f"#key-{provider}", Input).value
            if not key.strip():
                self.notify(f"Paste the {provider} key into the box first", severity="warning")
                return
            self.save_key(provider, key)
        elif button.startswith("remove-key-"):
            self.remove_key(button.removeprefix("remove-key-"))
        elif button == "save-cloud":
            self.save_cloud()
        elif button == "save-routing":
            self.save_routing()
        elif button == "save-privacy":
            self.save_privacy()
        elif button == "save-input-keys":
            self.save_input_keys()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        field = event.input.id or ""
        if field.startswith("key-"):
            provider = field.removeprefix("key-")
            if event.value.strip():
                self.save_key(provider, event.value)
        elif field == "keep-local-share":  # Enter saves, as the button does
            self.save_routing()
        elif field in ("cloud-model", "cloud-base-url"):
            self.save_cloud()
        elif field in ("deny-terms", "allow-terms"):
            self.save_privacy()
        elif field in ("send-key", "newline-key"):
            self.save_input_keys()
