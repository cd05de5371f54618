"""The private tier and the OpenAI backend against llama.cpp's real server (not our fakes):
streaming, usage it does not send, a server killed or frozen mid-reply, a required key, the
probe `doctor` runs, and `ask --cloud` through the official SDK."""

from __future__ import annotations

import json
import signal
from dataclasses import replace
from pathlib import Path

from clirun import run_cli
from fakes.llama_server import start_llama_server
from localfirst.backends.private_server import PrivateServer, probe
from localfirst.config import PrivateConfig
from localfirst.explain import fallback_text
from localfirst.types.events import FellBack, ReplyRestarted, TextDelta, Usage
from localfirst.types.messages import MessageStatus

MODEL = "gemma-3-270m"  # the server lists the file path; it answers any model name


def with_server(services, base_url: str, timeout: float = 30):
    server = {"name": "gpu-box", "base_url": base_url, "model": MODEL, "timeout": timeout}
    services.config = replace(services.config, private=PrivateConfig(servers=[server]))
    services._private_backends = None
    return services


async def test_the_private_tier_streams_and_its_usage_is_counted(services, llama_server) -> None:
    with_server(services, llama_server.base_url)
    session = services.new_session()
    events = [e async for e in session.send("Say hello to my colleague Ingrid Solberg")]
    assert events[0].decision.model == f"private server gpu-box ({MODEL})"
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text.strip()
    [usage] = [e for e in events if isinstance(e, Usage)]
    assert usage.estimated and usage.output_tokens > 0 and usage.input_tokens > 0
    reply = services.history.messages(session.conversation.id)[-1]
    assert reply.status is MessageStatus.COMPLETE and reply.content == text
    assert reply.output_tokens == usage.output_tokens > 0  # never an unknown stored as 0
    assert reply.route["usage_estimated"] is True


def test_the_probe_accepts_a_model_listed_by_file_path(llama_server) -> None:
    result = probe(PrivateServer("gpu-box", llama_server.base_url, MODEL))
    assert result.ok, result.detail
    listed = probe(PrivateServer("gpu-box", llama_server.base_url, llama_server.model_path.name))
    assert listed.ok and "serves" in listed.detail


def test_doctor_needs_no_in_process_model_when_a_private_server_answers(
    isolated_dirs, llama_server
) -> None:
    config = Path(isolated_dirs["XDG_CONFIG_HOME"]) / "localfirst" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f'[[private.servers]]\nname = "gpu-box"\nbase_url = "{llama_server.base_url}"\n'
        f'model = "{MODEL}"\n'
    )
    result = run_cli(isolated_dirs, "doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ private server gpu-box" in result.stdout
    assert "not needed: a private server answers" in result.stdout


async def test_a_server_killed_mid_reply_restarts_on_the_in_process_model(
    services, test_model_path
) -> None:
    server = start_llama_server(test_model_path)
    try:
        with_server(services, server.base_url, timeout=10)
        services.config = replace(
            services.config, local=replace(services.config.local, max_tokens=200)
        )
        session = services.new_session()
        events = []
        async for event in session.send("Write a long story about a lighthouse keeper"):
            events.append(event)
            if isinstance(event, TextDelta) and server.process.poll() is None:
                server.process.send_signal(signal.SIGKILL)  # dies after its first token
    finally:
        server.stop()
    restarts = [e for e in events if isinstance(e, ReplyRestarted)]
    assert len(restarts) == 1 and "stopped mid-reply" in restarts[0].text
    reply = services.history.messages(session.conversation.id)[-1]
    assert reply.content.strip() and reply.model == "gemma-3-270m"
    assert "stopped mid-reply" in reply.route["fallback"]


async def test_a_server_that_wants_a_key_says_which_command_fixes_it(
    services, test_model_path
) -> None:
    server = start_llama_server(test_model_path, "--api_key", "right-key")
    try:
        with_server(services, server.base_url)
        session = services.new_session()
        events = [e async for e in session.send("Say hello to my colleague Ingrid Solberg")]
    finally:
        server.stop()
    notes = " ".join(fallback_text(e) for e in events if isinstance(e, FellBack))
    assert "localfirst keys set private:gpu-box" in notes
    assert "LOCALFIRST_PRIVATE_GPU_BOX_KEY" in notes


def test_ask_cloud_through_the_openai_sdk_at_the_real_server(isolated_dirs, llama_server) -> None:
    config = Path(isolated_dirs["XDG_CONFIG_HOME"]) / "localfirst" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f'[cloud]\nprovider = "openai"\nmodel = "{MODEL}"\nbase_url = "{llama_server.base_url}"\n'
        "max_tokens = 8\n"
    )
    env = {**isolated_dirs, "OPENAI_API_KEY": "sk-" + "local-" + "x" * 20}
    result = run_cli(env, "ask", "--json", "--cloud", "Name three prime numbers")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["route"]["target"] == "cloud"
    assert record["text"].strip()
    assert record["usage"]["estimated"] is True  # the server sends no usage chunk
