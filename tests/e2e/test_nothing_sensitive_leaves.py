"""End to end, as a user runs it: the CLI, the real gate, and a fake Anthropic API that records
every request body. The promise under test: nothing sensitive reaches the cloud, earlier turns
included, unless the user forces one message and the transcript says so."""

import json
from pathlib import Path

import pytest

from clirun import run_cli
from fakes.keys import fake_api_key

PHONE = "415-738-0132"
SENSITIVE_TURN = f"My number is {PHONE}, remind me to call the dentist about my crown."
HARD = "Prove that there are infinitely many prime numbers, step by step, with full rigour."


def cli(env, *args: str, stdin: str | None = None, timeout: float = 180):
    return run_cli(env, *args, stdin=stdin, timeout=timeout)


@pytest.fixture
def env(isolated_dirs, test_model_path: Path, anthropic_server) -> dict[str, str]:
    config = Path(isolated_dirs["XDG_CONFIG_HOME"]) / "localfirst" / "config.toml"
    config.parent.mkdir(parents=True)
    # keep_local_share = 0: every clean prompt escalates, so only the gate keeps things local
    config.write_text(
        "[local]\nmax_tokens = 6\ntemperature = 0.0\n"
        "[routing]\nkeep_local_share = 0.0\n"
        "[cloud]\nretry_budget = 0.0\n"
    )
    env = {**isolated_dirs, **anthropic_server.env, "ANTHROPIC_API_KEY": fake_api_key("anthropic")}
    assert cli(env, "models", "import", str(test_model_path)).returncode == 0
    return env


def test_a_phone_number_in_an_earlier_turn_keeps_the_whole_chat_local(
    env, anthropic_server
) -> None:
    first = json.loads(cli(env, "ask", "--json", SENSITIVE_TURN).stdout)
    assert first["route"]["target"] == "local" and first["route"]["sensitive"]
    assert first["saved_usd"] > 0 and first["priced_against"].startswith("anthropic/")
    assert "PHONE_NUMBER" in first["route"]["reasons"][0]

    follow_up = json.loads(cli(env, "ask", "--json", "--continue", HARD).stdout)
    assert follow_up["route"]["target"] == "local"
    assert follow_up["route"]["sensitive"], "the earlier turn is part of the payload"
    sources = {e["source"] for e in follow_up["route"]["entities"] if e["sensitive"]}
    assert "turn 0" in sources

    refused = cli(env, "ask", "--continue", "--cloud", HARD)
    assert refused.returncode == 3 and "not sent to the cloud" in refused.stderr
    assert "--force" in refused.stderr
    assert anthropic_server.requests == [], "the cloud saw nothing"


def test_a_clean_chat_escalates_and_only_that_text_leaves(env, anthropic_server) -> None:
    reply = json.loads(cli(env, "ask", "--json", HARD).stdout)
    assert reply["route"]["target"] == "cloud", reply
    assert reply["text"] == "Hello from the fake server."
    assert reply["cost_usd"] > 0
    (request,) = anthropic_server.requests
    assert HARD in request.sent_text and PHONE not in request.sent_text
    assert request.body["stream"] is True


def test_forcing_one_message_sends_it_and_the_transcript_says_so(env, anthropic_server) -> None:
    first = json.loads(cli(env, "ask", "--json", SENSITIVE_TURN).stdout)
    forced = cli(env, "ask", "--json", "--continue", "--cloud", "--force", HARD)
    assert forced.returncode == 0, forced.stderr
    route = json.loads(forced.stdout)["route"]
    assert (
        route["target"] == "cloud"
        and "by your override despite personal data" in route["reasons"][0]
    )
    assert PHONE in anthropic_server.last_request.sent_text  # the user chose to send it
    shown = json.loads(cli(env, "history", "show", str(first["conversation_id"]), "--json").stdout)
    last = shown["messages"][-1]
    assert last["route"]["override"] == "cloud-force"
    assert "override" in last["route"]["reasons"][0]
