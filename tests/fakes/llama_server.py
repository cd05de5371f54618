"""llama.cpp's real OpenAI-compatible server (`python -m llama_cpp.server`, the same wheel with its
`[server]` extra) serving the test GGUF on loopback. Not a fake: it is here beside them because
tests start it the same way. One shared server per session; tests that kill or freeze a server
start their own with `start_llama_server`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


@dataclass
class LlamaServer:
    process: subprocess.Popen
    port: int
    model_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_llama_server(model_path: Path, *extra: str, n_ctx: int = 1024) -> LlamaServer:
    """Start the server and wait until /v1/models answers (the model is loaded by then)."""
    port = _free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path), "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(n_ctx), "--n_threads", "1", *extra,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    server = LlamaServer(process, port, model_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {process.returncode}")
        try:
            response = httpx.get(f"{server.base_url}/models", timeout=2)
            if response.status_code in (200, 401):
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError("llama_cpp.server did not answer within 120 s")


@pytest.fixture(scope="session")
def llama_server(test_model_path: Path) -> Iterator[LlamaServer]:
    server = start_llama_server(test_model_path)
    yield server
    server.stop()
