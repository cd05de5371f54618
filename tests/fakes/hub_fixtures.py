"""Pytest fixtures for the loopback Hugging Face Hub (registered by tests/conftest.py).

- `hub_server`: a started FakeHub (function scope, starts in milliseconds). Host files with
  `hub_server.host(repo, filename, path)`, point HF_ENDPOINT at `hub_server.url`, and assert on
  `hub_server.requests`.
- `test_model_sha256`: the test GGUF's SHA-256, computed once per session, so hosting the
  253 MB file costs nothing per test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.hub_server import FakeHub, file_sha256


@pytest.fixture
def hub_server() -> Iterator[FakeHub]:
    with FakeHub() as hub:
        yield hub


@pytest.fixture(scope="session")
def test_model_sha256(test_model_path: Path) -> str:
    return file_sha256(test_model_path)
