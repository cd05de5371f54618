"""The cloud providers localfirst speaks to: one table that keys, config, backends and screens read.

Adding a provider is one row here and one backend module: the keyring entry, the env variable,
the config's allowed values, the settings screen's list and the backend factory all follow it.
The backend is named by its import path, so reading the table never imports an SDK.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProviderSpec:
    name: str  # the config value and the keyring entry: `localfirst keys set NAME`
    label: str  # what screens call it
    env_var: str  # the SDK's own key variable, read as a fallback, never written
    default_model: str  # used when [cloud] model is empty
    backend: str  # "module:Class" of its `CloudBackend` subclass

    def backend_class(self) -> Any:
        """The backend class, imported on first use (it imports the provider's SDK)."""
        module, _, name = self.backend.partition(":")
        return getattr(importlib.import_module(module), name)


PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        "anthropic",
        "Anthropic",
        "ANTHROPIC_API_KEY",
        "claude-sonnet-4-6",
        "localfirst.backends.anthropic_backend:AnthropicBackend",
    ),
    ProviderSpec(
        "openai",
        "OpenAI",
        "OPENAI_API_KEY",
        "gpt-5.4",
        "localfirst.backends.openai_backend:OpenAIBackend",
    ),
)
PROVIDER_NAMES: tuple[str, ...] = tuple(p.name for p in PROVIDERS)
ENV_VARS: dict[str, str] = {p.name: p.env_var for p in PROVIDERS}
DEFAULT_MODELS: dict[str, str] = {p.name: p.default_model for p in PROVIDERS}


def provider(name: str) -> ProviderSpec | None:
    return next((p for p in PROVIDERS if p.name == name), None)


def env_vars_text(separator: str = " / ") -> str:
    """'ANTHROPIC_API_KEY / OPENAI_API_KEY', for messages that name every variable."""
    return separator.join(p.env_var for p in PROVIDERS)
