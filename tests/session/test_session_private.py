"""A private inference server (a fake OpenAI-compatible server standing in for vLLM) as the
first local tier, the in-process model as the fallback."""

import json
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from clirun import run_cli
from fakes.keys import fake_api_key
from fakes.provider_server import Reply
from localfirst.backends.private_server import PrivateServer, probe
from localfirst.config import PrivateConfig
from localfirst.explain import fallback_text
from localfirst.types.decision import Target
from localfirst.types.events import FellBack, ReplyRestarted, RouteDecided, TextDelta
from localfirst.types.messages import MessageStatus

PHONE_PROMPT = "Please text my landlord at 415-738-0132 that the heater is broken."


def with_servers(services, *servers: dict, use_in_process: bool = True):
    private = PrivateConfig(servers=list(servers), use_in_process=use_in_process)
    services.config = replace(services.config, private=private)
    services._private_backends = None
    return services


@pytest.fixture
def vllm(openai_server):
    openai_server.served_models = ("qwen-test",)
    return openai_server


@pytest.fixture
def private_services(services, vllm, anthropic_server, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", fake_api_key("anthropic"))
    for name, value in anthropic_server.env.items():
        monkeypatch.setenv(name, value)
    server = {"name": "gpu-box", "base_url": vllm.base_url, "model": "qwen-test", "timeout": 5}
    return with_servers(services, server)


def text_of(events) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_sensitive_prompt_goes_to_the_private_server_never_the_cloud(
    private_services, vllm, anthropic_server
) -> None:
    session = private_services.new_session()
    events = [e async for e in session.send(PHONE_PROMPT)]
    decision = events[0].decision
    assert decision.target is Target.LOCAL and decision.sensitive
    assert decision.model == "private server gpu-box (qwen-test)"
    assert text_of(events) == "Hello from the fake server."
    assert "415-738-0132" in vllm.last_request.sent_text  # inside the perimeter: allowed
    assert anthropic_server.requests == []
    reply = private_services.history.messages(session.conversation.id)[-1]
    assert reply.model == "private server gpu-box (qwen-test)"


async def test_private_server_dying_mid_stream_falls_back_to_the_in_process_model(
    private_services, vllm
) -> None:
    vllm.enqueue(Reply.cut(after_chunks=2))
    session = private_services.new_session()
    events = [e async for e in session.send(PHONE_PROMPT)]
    restart = next(e for e in events if isinstance(e, ReplyRestarted))
    assert "gpu-box" in restart.text and "answering again with gemma-3-270m" in restart.text
    after = events[events.index(restart) + 1 :]
    reply = private_services.history.messages(session.conversation.id)[-1]
    assert reply.content == text_of(after) and reply.content
    assert reply.model == "gemma-3-270m" and reply.status is MessageStatus.COMPLETE


async def test_unreachable_private_server_is_skipped_with_a_note(services) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    with_servers(
        services, {"name": "down", "base_url": f"http://127.0.0.1:{port}/v1", "model": "m"}
    )
    session = services.new_session()
    events = [e async for e in session.send("hello")]
    assert isinstance(events[0], RouteDecided)
    note = fallback_text(next(e for e in events if isinstance(e, FellBack)))
    assert note.startswith("private server down (m) unavailable") and "gemma-3-270m" in note
    assert text_of(events)


def test_probe_reports_reachability_and_the_served_model(vllm) -> None:
    ok = probe(PrivateServer("gpu-box", vllm.base_url, "qwen-test"))
    assert ok.ok and "serves qwen-test" in ok.detail and ok.latency_ms is not None
    wrong = probe(PrivateServer("gpu-box", vllm.base_url, "llama-70b"))
    assert not wrong.ok and "does not serve 'llama-70b'" in wrong.detail


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8000/v1", True),
        ("http://localhost:8000/v1", True),
        ("http://192.168.1.20:8000/v1", True),
        ("http://[fe80::1]:8000/v1", True),
        ("http://gpu-box.example.com/v1", False),
        ("https://203.0.113.5/v1", False),
    ],
)
def test_which_private_servers_offline_mode_may_reach(url: str, allowed: bool) -> None:
    assert PrivateServer("s", url, "m").on_local_network is allowed


def cli(env, *args):
    return run_cli(env, *args, timeout=300)


def test_offline_allows_a_loopback_private_server_and_blocks_a_remote_one(
    isolated_dirs, test_model_path: Path, vllm, anthropic_server
) -> None:
    config = Path(isolated_dirs["XDG_CONFIG_HOME"]) / "localfirst" / "config.toml"
    config.parent.mkdir(parents=True)
    remote = "https://203.0.113.5/v1"  # TEST-NET-3, refused by the guard before any packet
    config.write_text(
        "[local]\nmax_tokens = 6\n"
        "[private]\nservers = [\n"
        f'  {{name = "far", base_url = "{remote}", model = "m"}},\n'
        f'  {{name = "gpu-box", base_url = "{vllm.base_url}", model = "qwen-test"}},\n]\n'
    )
    env = {**isolated_dirs, **anthropic_server.env, "ANTHROPIC_API_KEY": fake_api_key("anthropic")}
    assert cli(env, "models", "import", str(test_model_path)).returncode == 0
    result = cli(env, "--offline", "ask", "--json", "What is the capital of France?")
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["model"] == "private server gpu-box (qwen-test)"
    assert reply["text"] == "Hello from the fake server."
    assert any("private server far (m) unavailable" in note for note in reply["notes"])
    assert "offline guard: blocked" in result.stderr and "203.0.113.5" in result.stderr
    assert anthropic_server.requests == [] and len(vllm.requests) == 1


def test_doctor_checks_each_private_server(isolated_dirs, vllm) -> None:
    config = Path(isolated_dirs["XDG_CONFIG_HOME"]) / "localfirst" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        "[private]\nservers = [\n"
        f'  {{name = "gpu-box", base_url = "{vllm.base_url}", model = "qwen-test"}},\n'
        '  {name = "wrong", base_url = "' + vllm.base_url + '", model = "llama-70b"},\n]\n'
    )
    out = cli(isolated_dirs, "doctor").stdout
    assert "✓ private server gpu-box:" in out and "serves qwen-test" in out
    assert "- private server wrong: does not serve 'llama-70b'" in out
