"""Pytest fixtures for the fake servers and keyrings (registered by tests/conftest.py).

- `anthropic_server` / `openai_server`: a started fake provider (function scope, starts in
  milliseconds). Script it with `server.enqueue(Reply...)`, point an SDK at `server.base_url`
  (or a subprocess at `server.env`), and assert on `server.requests`.
- `secret_service`: a real gnome-keyring on a private D-Bus bus, one per test session.
- `secret_service_keys`: a KeyStore on that keyring, under a service name of its own, with the
  bus address in the environment; its entries are removed afterwards.
- `fail_keys`: a KeyStore on keyring's fail backend, i.e. a machine with no keyring at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.anthropic_server import FakeAnthropicServer
from fakes.openai_server import FakeOpenAIServer
from fakes.secret_service import SecretService, missing_tools, start_secret_service


@pytest.fixture
def anthropic_server() -> Iterator[FakeAnthropicServer]:
    with FakeAnthropicServer() as server:
        yield server


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretService]:
    missing = missing_tools()
    if missing:
        pytest.skip(f"needs {' and '.join(missing)} (Debian: gnome-keyring, dbus-x11)")
    service = start_secret_service(Path(tmp_path_factory.mktemp("secret-service")))
    try:
        yield service
    finally:
        service.close()


@pytest.fixture
def secret_service_keys(secret_service: SecretService, monkeypatch: pytest.MonkeyPatch):
    from localfirst.keys.store import KeyStore
    from localfirst.providers import PROVIDER_NAMES

    for name, value in secret_service.env.items():
        monkeypatch.setenv(name, value)
    store = KeyStore(f"localfirst-test-{uuid.uuid4().hex[:8]}", backend=secret_service.backend())
    yield store
    for provider in PROVIDER_NAMES:
        store.delete(provider)


@pytest.fixture
def fail_keys():
    from keyring.backends import fail

    from localfirst.keys.store import KeyStore

    return KeyStore(backend=fail.Keyring())
