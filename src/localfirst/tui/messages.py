"""Messages screens post up to the app. The app acts on them (rebuilds, reloads, re-checks)
and publishes what changed on its signals; it never reaches into a screen's widgets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from localfirst.config import Config


class ConfigChanged(Message):
    """One section of the config was saved; `config` is the whole config now in effect."""

    def __init__(self, config: Config, section: str) -> None:
        super().__init__()
        self.config = config
        self.section = section


class KeysChanged(Message):
    """An API key was stored or removed: which cloud can answer may have changed."""


class LocalModelChosen(Message):
    """The user picked another installed model as the default."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
