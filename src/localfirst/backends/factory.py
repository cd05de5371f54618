"""Which cloud provider answers, and its backend: the one place that picks a `CloudBackend`.

The provider table (`localfirst.providers`) names each backend class; this module resolves the
configured provider against the keys present and builds the backend, so `cloud.py` (the shared
base) never imports its own subclasses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from localfirst.backends.cloud import CloudBackend, CloudChoice
from localfirst.config import CloudConfig
from localfirst.errors import CloudError
from localfirst.providers import ENV_VARS, PROVIDER_NAMES, env_vars_text, provider

if TYPE_CHECKING:
    from localfirst.keys.store import KeyStore


class NoCloud(str):
    """Why no cloud can answer: the words for the user, and a `cause` front ends act on
    ("offline", "no-key" or "error"). A str, so it is shown wherever a reason is."""

    cause: str

    def __new__(cls, reason: str, cause: str) -> NoCloud:
        text = super().__new__(cls, reason)
        text.cause = cause
        return text


def resolve_cloud(
    config: CloudConfig, keys: KeyStore, *, offline: bool = False
) -> CloudChoice | str:
    """The usable provider, or one line saying why none is.

    `config.provider` wins when set; otherwise the provider that has a key (keyring or
    environment) is used, and with both present the first in the provider table.
    """
    if offline:
        return NoCloud(
            "offline: no cloud requests (unset LOCALFIRST_OFFLINE or [network] offline)",
            "offline",
        )
    candidates = [config.provider] if config.provider else list(PROVIDER_NAMES)
    for name in candidates:
        found = keys.get(name)
        spec = provider(name)
        if found.key and spec is not None:
            return CloudChoice(name, config.model or spec.default_model, found.source or "env")
    return NoCloud(_no_key_reason(config.provider, keys), "no-key")


def _no_key_reason(name: str, keys: KeyStore) -> str:
    if name:
        reason = f"no {name} API key: run `localfirst keys set {name}` or set {ENV_VARS[name]}"
    else:
        others = " or ".join(PROVIDER_NAMES[1:])
        reason = (
            f"no cloud API key: run `localfirst keys set {PROVIDER_NAMES[0]}` ({others}), "
            f"or set {env_vars_text()}"
        )
    if not keys.available:
        reason += f" ({keys.backend_description()} on this machine, so use the env variable)"
    return reason


def build_cloud_backend(config: CloudConfig, keys: KeyStore, choice: CloudChoice) -> CloudBackend:
    """The backend for `choice`, holding its key; the SDK client is made on first use."""
    spec = provider(choice.provider)
    if spec is None:
        raise CloudError(
            f"unknown cloud provider {choice.provider!r}", f"use {' or '.join(PROVIDER_NAMES)}"
        )
    found = keys.get(choice.provider)
    if not found.key:
        raise CloudError(
            f"no {choice.provider} API key",
            f"run `localfirst keys set {choice.provider}` or set {spec.env_var}",
        )
    if found.source and found.source != choice.key_source:
        choice = CloudChoice(choice.provider, choice.model, found.source)
    return spec.backend_class()(config, choice, found.key)
