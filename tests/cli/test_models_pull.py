"""`localfirst models pull` as a user runs it: a subprocess, a fresh data dir, a loopback Hub.

The pull of the real test GGUF happens once for the module (`pulled_env`); the tests that need
a pulled model share it, and the others use fresh dirs and small files.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from clirun import run_cli
from fakes.hub_server import FakeHub

REPO = "localfirst-test/gemma-3-270m-GGUF"
FILE = "gemma-3-270m-Q4_K_M.gguf"
NAME = "gemma-3-270m-q4_k_m"


def cli(env, *args: str, stdin: str | None = "", timeout: float = 180):
    return run_cli(env, *args, stdin=stdin, timeout=timeout)


def user_env(home: Path, hub: FakeHub) -> dict[str, str]:
    """A user's environment: own XDG dirs and Hub cache, HF_ENDPOINT at the fake Hub, short replies."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "LOCALFIRST_"))}
    env.update(
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        HF_HOME=str(home / "hf"),
        **hub.env,
    )
    config = home / "config" / "localfirst" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[local]\nmax_tokens = 6\ntemperature = 0.0\n")
    return env


@dataclass
class PulledEnv:
    env: dict[str, str]
    hub: FakeHub
    pull: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def pulled_env(
    tmp_path_factory: pytest.TempPathFactory, test_model_path: Path, test_model_sha256: str
) -> Iterator[PulledEnv]:
    with FakeHub() as hub:
        hub.host(REPO, FILE, test_model_path, sha256=test_model_sha256)
        env = user_env(tmp_path_factory.mktemp("user"), hub)
        yield PulledEnv(env, hub, cli(env, "models", "pull", REPO, FILE))


@pytest.fixture
def fresh_env(tmp_path: Path, hub_server: FakeHub) -> dict[str, str]:
    return user_env(tmp_path, hub_server)


def test_pull_shows_progress_and_verifies(pulled_env: PulledEnv) -> None:
    result = pulled_env.pull
    assert result.returncode == 0, result.stderr
    assert f"pulling {FILE} from {REPO}" in result.stderr
    assert "downloading" in result.stderr and "253.1/253.1 MB" in result.stderr
    assert f"pulled {NAME} (253.1 MB, gemma3), SHA-256 verified" in result.stdout
    assert f"default model: {NAME}" in result.stdout
    hub_cache = (
        Path(pulled_env.env["HF_HOME"]) / "hub" / "models--localfirst-test--gemma-3-270m-GGUF"
    )
    assert f"file: {hub_cache}/snapshots/" in result.stdout
    assert "Traceback" not in result.stderr


def test_the_pulled_model_answers_ask(pulled_env: PulledEnv) -> None:
    result = cli(pulled_env.env, "ask", "--local", "--json", "Say hello")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["route"]["target"] == "local" and answer["model"] == NAME
    assert answer["text"].strip() and answer["usage"]["output_tokens"] >= 1


def test_pulling_again_offline_is_served_from_the_cache(pulled_env: PulledEnv) -> None:
    before = len(pulled_env.hub.requests)
    result = cli(pulled_env.env, "--offline", "models", "pull", REPO, FILE)
    assert result.returncode == 0, result.stderr
    assert "verifying" in result.stderr and "SHA-256 verified" in result.stdout
    assert len(pulled_env.hub.requests) == before


def test_info_and_list_show_where_the_model_came_from(pulled_env: PulledEnv) -> None:
    info = cli(pulled_env.env, "models", "info", NAME)
    assert info.returncode == 0, info.stderr
    assert f"source: hf:{REPO}/{FILE}" in info.stdout and "architecture: gemma3" in info.stdout
    listed = cli(pulled_env.env, "models", "list").stdout
    assert f"* {NAME}" in listed and "/snapshots/" in listed


def test_pull_with_no_name_offers_the_suggested_model_before_downloading(
    fresh_env: dict[str, str], hub_server: FakeHub
) -> None:
    result = cli(fresh_env, "models", "pull")
    assert result.returncode == 1
    assert "Suggested for this machine" in result.stdout and " GB download" in result.stdout
    assert "localfirst models pull --yes" in result.stderr and "Traceback" not in result.stderr
    assert hub_server.requests == []


def test_list_available_marks_the_suggested_preset(fresh_env: dict[str, str]) -> None:
    from localfirst.models.presets import load_presets

    result = cli(fresh_env, "models", "list", "--available")
    assert result.returncode == 0, result.stderr
    for preset in load_presets():
        assert preset.name in result.stdout
    suggested = [line for line in result.stdout.splitlines() if line.endswith("(suggested)")]
    assert len(suggested) == 1 and suggested[0].startswith("* ")
    assert "suggested for this machine (" in result.stdout


def test_info_of_a_preset_says_what_it_is_and_how_to_get_it(fresh_env: dict[str, str]) -> None:
    result = cli(fresh_env, "models", "info", "qwen2.5-0.5b")
    assert result.returncode == 0, result.stderr
    assert (
        "hub: Qwen/Qwen2.5-0.5B-Instruct-GGUF · qwen2.5-0.5b-instruct-q4_k_m.gguf" in result.stdout
    )
    assert "download: 491.4 MB" in result.stdout and "licence: apache-2.0" in result.stdout
    assert "installed: no: `localfirst models pull qwen2.5-0.5b`" in result.stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["no-such-model"], "no model named 'no-such-model' to download"),
        (["Qwen/Qwen2.5-0.5B-Instruct-GGUF"], "looks like a Hub repository: name the file too"),
        (["owner/repo", "model.safetensors"], "is not a GGUF file"),
    ],
)
def test_pull_mistakes_are_one_clear_line(
    fresh_env: dict[str, str], hub_server: FakeHub, args: list[str], said: str
) -> None:
    result = cli(fresh_env, "models", "pull", *args)
    assert result.returncode == 1 and said in result.stderr
    assert "Traceback" not in result.stderr and hub_server.requests == []


def test_a_gated_model_gives_the_token_advice(
    fresh_env: dict[str, str], hub_server: FakeHub, tmp_path: Path
) -> None:
    small = tmp_path / "small.gguf"
    small.write_bytes(os.urandom(1024 * 1024))
    hub_server.host("someone/gated-GGUF", "small.gguf", small, gated=True)
    result = cli(fresh_env, "models", "pull", "someone/gated-GGUF", "small.gguf")
    assert result.returncode == 1
    assert "someone/gated-GGUF is a gated model" in result.stderr
    assert "set HF_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_removing_a_pulled_model_keeps_the_shared_cache_file(
    fresh_env: dict[str, str], test_model_path: Path
) -> None:
    from localfirst.config import AppPaths
    from localfirst.models.registry import ModelRegistry

    data_dir = Path(fresh_env["XDG_DATA_HOME"]) / "localfirst"
    registry = ModelRegistry(AppPaths(Path(), data_dir, Path()).models_file)
    model = registry.import_file(test_model_path, name="downloaded")
    registry.add(type(model)(**{**model.__dict__, "source": f"hf:{REPO}/{FILE}"}))
    result = cli(fresh_env, "models", "rm", "downloaded")
    assert result.returncode == 0, result.stderr
    assert "stays in the Hugging Face cache" in result.stdout
    assert test_model_path.exists()
