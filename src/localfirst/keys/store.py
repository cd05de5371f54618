"""API keys in the OS keyring, with the providers' env variables as a read-only fallback.

Keys are stored with `keyring` under the service "localfirst" (one entry per provider), so
they live in the Secret Service, the macOS Keychain or the Windows Credential Locker. When no
keyring backend exists (a headless Linux box without a Secret Service) storing a key fails
with a message that offers the env-variable route: there is deliberately no plaintext-file
fallback. Env variables are read, never written. No message or repr here contains a key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from localfirst.errors import UserError
from localfirst.providers import ENV_VARS, PROVIDER_NAMES, env_vars_text

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

PRIVATE_PREFIX = "private:"  # keys of private inference servers: "private:NAME"
SERVICE = "localfirst"
MAX_KEY_LENGTH = 4096
NO_BACKEND = "no keyring backend"


class KeyringUnavailable(UserError):
    """No usable keyring backend, so a key cannot be stored safely."""

    def __init__(
        self, detail: str = NO_BACKEND, provider: str | None = None, action: str = "store the key"
    ) -> None:
        env = env_var_for(provider) if provider else env_vars_text()
        if detail == NO_BACKEND:
            detail += " (no Secret Service, Keychain or Credential Locker was found)"
        super().__init__(
            f"cannot {action}: {detail}; localfirst never falls back to a plaintext file",
            f"set {env} in your environment instead (it is read, never written anywhere), "
            "or install and unlock a Secret Service such as gnome-keyring or KWallet",
        )


@dataclass(frozen=True)
class KeyLookup:
    """A key and where it came from; the repr never shows the key."""

    key: str | None = field(repr=False)
    source: str | None  # "keyring" | "env" | None

    @property
    def found(self) -> bool:
        return bool(self.key)


def check_provider(provider: str) -> str:
    if provider in PROVIDER_NAMES or re.fullmatch(r"private:[A-Za-z0-9._-]+", provider):
        return provider
    raise UserError(
        f"unknown provider {provider!r}",
        f"choose one of: {', '.join(PROVIDER_NAMES)}, or private:NAME for a private server",
    )


def env_var_for(provider: str) -> str:
    """The env variable read as a fallback: the SDK's own, or one per private server."""
    if provider in ENV_VARS:
        return ENV_VARS[provider]
    name = re.sub(r"[^A-Z0-9]", "_", provider.removeprefix(PRIVATE_PREFIX).upper())
    return f"LOCALFIRST_PRIVATE_{name}_KEY"


def clean_key(key: str) -> str:
    """The key without surrounding whitespace; refuse what cannot be a key (never echoing it)."""
    key = key.strip()
    if not key:
        raise UserError("the API key is empty", "paste the key when asked, or pipe it on stdin")
    if len(key) > MAX_KEY_LENGTH or any(ch.isspace() or not ch.isprintable() for ch in key):
        raise UserError(
            "that does not look like an API key (it contains spaces or control characters)",
            "paste only the key itself",
        )
    return key


class KeyStore:
    """Keys per provider: the keyring first, then the provider's env variable."""

    def __init__(self, service: str = SERVICE, *, backend: KeyringBackend | None = None) -> None:
        self.service = service
        self._backend = backend  # None: keyring's own choice, made on first use

    def __repr__(self) -> str:
        return f"KeyStore(service={self.service!r})"

    @property
    def backend(self) -> KeyringBackend:
        if self._backend is None:
            import keyring

            self._backend = keyring.get_keyring()
        return self._backend

    @property
    def available(self) -> bool:
        """Whether a real keyring backend is there to store keys in."""
        return _unavailable_reason(self.backend) is None

    def backend_description(self) -> str:
        reason = _unavailable_reason(self.backend)
        if reason is not None:
            return reason
        return str(getattr(self.backend, "name", type(self.backend).__name__))

    def get(self, provider: str) -> KeyLookup:
        check_provider(provider)
        if self.available:
            try:
                key = self.backend.get_password(self.service, provider)
            except Exception:  # locked, D-Bus gone, ...: the env variable may still answer
                key = None
            if key:
                return KeyLookup(key, "keyring")
        env_key = os.environ.get(env_var_for(provider), "").strip()
        return KeyLookup(env_key, "env") if env_key else KeyLookup(None, None)

    def set(self, provider: str, key: str) -> None:
        check_provider(provider)
        key = clean_key(key)
        reason = _unavailable_reason(self.backend)
        if reason is not None:
            raise KeyringUnavailable(reason, provider)
        try:
            self.backend.set_password(self.service, provider, key)
        except Exception as exc:
            raise KeyringUnavailable(_failure_text(exc, key), provider) from None

    def delete(self, provider: str) -> bool:
        """Remove the stored key; False if there was none. The env variable is left alone."""
        check_provider(provider)
        reason = _unavailable_reason(self.backend)
        if reason is not None:
            raise KeyringUnavailable(reason, provider, action="delete the key")
        from keyring.errors import PasswordDeleteError

        try:
            if self.backend.get_password(self.service, provider) is None:
                return False
            self.backend.delete_password(self.service, provider)
        except PasswordDeleteError:
            return False
        except Exception as exc:
            raise KeyringUnavailable(
                _failure_text(exc), provider, action="delete the key"
            ) from None
        return True

    def status(self) -> dict[str, str | None]:
        """Provider -> "keyring", "env" or None; never the key."""
        return {provider: self.get(provider).source for provider in PROVIDER_NAMES}


def _unavailable_reason(backend: KeyringBackend) -> str | None:
    """Why `backend` cannot hold keys, or None if it can."""
    from keyring.backends import fail, null

    if isinstance(backend, fail.Keyring):
        return NO_BACKEND
    if isinstance(backend, null.Keyring):
        return "keyring disabled (null backend)"
    if getattr(backend, "backends", None) == []:  # a chainer with nothing to chain
        return NO_BACKEND
    return None


def _failure_text(exc: BaseException, key: str | None = None) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if key:
        text = text.replace(key, "[key]")
    return f"the keyring refused: {text[:160]}"
