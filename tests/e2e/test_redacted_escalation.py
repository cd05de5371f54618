"""End to end, as a user runs it: `ask --redact` over the real gate and a fake Anthropic API that
records every request body. Personal data never leaves, the reply comes back whole, and the
transcript holds exactly what was sent."""

import json
from pathlib import Path

import pytest

from clirun import run_cli
from fakes.keys import fake_api_key
from fakes.provider_server import Reply

NAME, EMAIL, PHONE = "Maria Gonzalez", "maria.gonzalez@fastmail.com", "415-738-0132"
PROMPT = (
    f"My client {NAME} ({EMAIL}, phone {PHONE}) wants an estate plan. Compare a revocable "
    "living trust with a will for her, step by step, with the tax consequences of each."
)


def cli(env, *args: str, stdin: str | None = None, timeout: float = 180):
    return run_cli(env, *args, stdin=stdin, timeout=timeout)


@pytest.fixture
def env(isolated_dirs, anthropic_server) -> dict[str, str]:
    config = Path(isolated_dirs["XDG_CONFIG_HOME"]) / "localfirst" / "config.toml"
    config.parent.mkdir(parents=True)
    # keep_local_share = 0: every prompt counts as hard, so only privacy decides
    config.write_text("[routing]\nkeep_local_share = 0.0\n[cloud]\nretry_budget = 0.0\n")
    return {**isolated_dirs, **anthropic_server.env, "ANTHROPIC_API_KEY": fake_api_key("anthropic")}


def test_ask_redact_sends_placeholders_and_shows_the_restored_reply(env, anthropic_server):
    anthropic_server.enqueue(Reply.text("Dear <PERSON", "_1>, I will call <PHONE_NUMBER_1>."))
    result = cli(env, "ask", "--json", "--redact", "--show-sent", PROMPT)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["route"]["target"] == "cloud" and answer["route"]["redacted"] is True
    assert answer["text"] == f"Dear {NAME}, I will call {PHONE}."
    (request,) = anthropic_server.requests
    sent = "\n".join(m["content"] for m in answer["sent"])
    for value in (NAME, EMAIL, PHONE):
        assert value not in request.sent_text and value not in sent
    assert "<PERSON_1>" in request.sent_text and answer["sent"][-1]["content"] in request.sent_text

    shown = cli(env, "history", "show", str(answer["conversation_id"]), "--json")
    reply = json.loads(shown.stdout)["messages"][-1]
    assert reply["content"] == f"Dear {NAME}, I will call {PHONE}."
    assert reply["route"]["redacted"] is True
    assert reply["route"]["redaction"]["sent"] == answer["sent"]


def test_text_mode_names_the_route_and_prints_what_was_sent(env, anthropic_server):
    anthropic_server.enqueue(Reply.text("Noted, <PERSON_1>."))
    result = cli(env, "ask", "--redact", "--show-sent", PROMPT)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Noted, {NAME}.\n"
    assert "→ cloud (redacted) (anthropic/" in result.stderr
    assert "--- sent to the cloud (redacted) ---" in result.stderr
    assert "My client <PERSON_1> (<EMAIL_ADDRESS_1>, phone <PHONE_NUMBER_1>)" in result.stderr


def test_a_refused_cloud_request_suggests_redaction_and_force_conflicts(env, anthropic_server):
    refused = cli(env, "ask", "--cloud", PROMPT)
    assert refused.returncode == 3 and "not sent to the cloud" in refused.stderr
    assert "--redact" in refused.stderr and "--force" in refused.stderr
    both = cli(env, "ask", "--cloud", "--force", "--redact", PROMPT)
    assert both.returncode == 1 and "choose one" in both.stderr
    assert anthropic_server.requests == []
