"""The headless CLI run as a user runs it: a subprocess with its own XDG dirs."""

import json
from pathlib import Path

import pytest

from clirun import run_cli
from localfirst import __version__


def cli(env, *args: str, stdin: str | None = None, timeout: float = 180):
    return run_cli(env, *args, stdin=stdin, timeout=timeout)


@pytest.fixture
def env(isolated_dirs, test_model_path: Path) -> dict[str, str]:
    config_dir = Path(isolated_dirs["XDG_CONFIG_HOME"]) / "localfirst"
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text("[local]\nmax_tokens = 6\ntemperature = 0.0\n")
    return isolated_dirs


@pytest.fixture
def env_with_model(env, test_model_path: Path) -> dict[str, str]:
    result = cli(env, "models", "import", str(test_model_path))
    assert result.returncode == 0, result.stderr
    return env


def test_version_and_help(env) -> None:
    assert cli(env, "--version").stdout.strip() == f"localfirst {__version__}"
    help_text = cli(env, "--help").stdout
    for command in ("ask", "route", "models", "doctor", "config"):
        assert command in help_text


def test_models_import_then_list(env, test_model_path: Path) -> None:
    imported = cli(env, "models", "import", str(test_model_path), "--name", "tiny")
    assert imported.returncode == 0 and "imported tiny" in imported.stdout
    listed = cli(env, "models", "list").stdout
    assert "* tiny" in listed and "gemma3" in listed


def test_importing_a_non_gguf_is_a_clear_error(env, tmp_path: Path) -> None:
    bad = tmp_path / "notes.gguf"
    bad.write_text("hello " * 20)
    result = cli(env, "models", "import", str(bad))
    assert result.returncode == 1
    assert "not a GGUF" in result.stderr and str(bad) in result.stderr
    assert "Traceback" not in result.stderr


def test_ask_streams_the_reply_and_puts_the_route_on_stderr(env_with_model) -> None:
    result = cli(env_with_model, "ask", "Say hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert result.stderr.startswith("→ local (gemma-3-270m-q4_k_m)")
    assert "Traceback" not in result.stderr


def test_ask_json_reads_stdin_and_continue_extends_the_chat(env_with_model) -> None:
    first = json.loads(cli(env_with_model, "ask", "--json", stdin="Say hello\n").stdout)
    assert {"text", "route", "model", "usage"} <= set(first)
    assert first["route"]["target"] == "local" and first["usage"]["output_tokens"] >= 1
    second = json.loads(cli(env_with_model, "ask", "--json", "--continue", "Again").stdout)
    assert second["conversation_id"] == first["conversation_id"]
    shown = json.loads(
        cli(env_with_model, "history", "show", str(first["conversation_id"]), "--json").stdout
    )
    assert [m["role"] for m in shown["messages"]] == ["user", "assistant", "user", "assistant"]


def test_ask_without_a_model_keeps_the_prompt_and_says_how_to_fix(env) -> None:
    result = cli(env, "ask", "remember this prompt")
    assert result.returncode == 1
    assert "localfirst models pull" in result.stderr and "Traceback" not in result.stderr
    assert "remember this prompt" in cli(env, "history", "show", "1").stdout


def test_ask_with_an_unknown_chat_id_is_a_clear_error(env_with_model) -> None:
    result = cli(env_with_model, "ask", "--chat", "999", "hi")
    assert result.returncode == 1 and "no conversation with id 999" in result.stderr


def test_route_json_follows_the_contract(env_with_model) -> None:
    result = cli(env_with_model, "route", "--json", "What is 2 + 2?")
    decision = json.loads(result.stdout)
    assert {"target", "reasons", "sensitive", "entities", "complexity"} <= set(decision)
    assert decision["target"] in ("local", "cloud")
    assert isinstance(decision["reasons"], list) and decision["reasons"]


def test_route_batch_keeps_ids_and_reports_bad_lines(env_with_model, tmp_path: Path) -> None:
    batch = tmp_path / "prompts.jsonl"
    batch.write_text(
        '{"id": "a", "text": "hello"}\nnot json\n{"id": 7, "text": "bye"}\n{"id": 8}\n'
    )
    result = cli(env_with_model, "route", "--batch", str(batch))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("id") for line in lines] == ["a", None, 7, 8]
    assert lines[0]["target"] in ("local", "cloud") and "error" in lines[1] and "error" in lines[3]
    assert f"{batch}:2: not valid JSON" in result.stderr
    assert result.returncode == 1


def test_bad_config_is_reported_with_key_and_file(env) -> None:
    config = Path(env["XDG_CONFIG_HOME"]) / "localfirst" / "config.toml"
    config.write_text("[local]\ncontext_size = 'huge'\n")
    result = cli(env, "route", "hello")
    assert result.returncode == 1
    assert (
        "[local] context_size must be an integer" in result.stderr and str(config) in result.stderr
    )


def test_config_path_and_show(env) -> None:
    path = cli(env, "config", "path").stdout.strip()
    assert path == str(Path(env["XDG_CONFIG_HOME"]) / "localfirst" / "config.toml")
    shown = cli(env, "config", "show").stdout
    assert "max_tokens = 6" in shown and "[privacy]" in shown


def test_doctor_reports_backend_and_model(env_with_model) -> None:
    result = cli(env_with_model, "doctor")
    assert "backend CPU" in result.stdout
    assert "gemma-3-270m-q4_k_m (gemma3" in result.stdout


def test_route_redact_previews_the_redacted_cloud_route(env_with_model) -> None:
    from fakes.keys import fake_api_key

    prompt = "Email Maria Gonzalez at maria@example.org a rigorous proof that sqrt(2) is irrational"
    keyed = {**env_with_model, "ANTHROPIC_API_KEY": fake_api_key("anthropic")}
    plain = json.loads(cli(keyed, "route", "--json", prompt).stdout)
    assert plain["target"] == "local" and plain["sensitive"] and not plain["redacted"]
    redacted = json.loads(cli(keyed, "route", "--json", "--redact", prompt).stdout)
    assert redacted["target"] == "cloud" and redacted["redacted"]
    assert "redacted, then escalated" in redacted["reasons"][0]
