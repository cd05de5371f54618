"""`ask` when a private server dies mid-reply: one answer on a pipe, the restart said on
stderr, and the fallback in the route record and in --json (a fake server cuts the stream at
a known point; the real-server version of the cut is in tests/backends/test_real_server.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clirun import run_cli
from fakes.provider_server import Reply


@pytest.fixture
def env(isolated_dirs, test_model_path: Path, openai_server) -> dict[str, str]:
    openai_server.served_models = ("qwen-test",)
    config = Path(isolated_dirs["XDG_CONFIG_HOME"]) / "localfirst" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        "[local]\nmax_tokens = 6\ntemperature = 0.0\nthreads = 1\ncontext_size = 1024\n"
        f'[[private.servers]]\nname = "gpu-box"\nbase_url = "{openai_server.base_url}"\n'
        'model = "qwen-test"\ntimeout = 5\n'
    )
    assert run_cli(isolated_dirs, "models", "import", str(test_model_path)).returncode == 0
    return isolated_dirs


def test_a_pipe_gets_only_the_final_answer_and_stderr_says_why(env, openai_server) -> None:
    openai_server.enqueue(Reply.text("The dead ", "server's ", "words", cut_after_chunks=2))
    result = run_cli(env, "ask", "Say hello to my colleague Ingrid Solberg")
    assert result.returncode == 0, result.stderr
    assert "The dead" not in result.stdout and result.stdout.strip()
    assert "[restarted]" in result.stderr and "gpu-box" in result.stderr


def test_json_records_the_fallback_and_the_text_that_was_stored(env, openai_server) -> None:
    openai_server.enqueue(Reply.text("The dead ", "server's ", "words", cut_after_chunks=2))
    result = run_cli(env, "ask", "--json", "Say hello to my colleague Ingrid Solberg")
    record = json.loads(result.stdout)
    assert "stopped mid-reply" in record["route"]["fallback"]
    assert record["model"] != "private server gpu-box (qwen-test)"
    assert any("gpu-box" in note for note in record["notes"])
    shown = run_cli(env, "history", "show", str(record["conversation_id"]), "--json")
    stored = json.loads(shown.stdout)["messages"][-1]
    assert stored["content"] == record["text"] and "The dead" not in record["text"]
