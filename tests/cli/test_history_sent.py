"""`localfirst history sent ID`: exactly what left this machine for a reply."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from fakes.keys import fake_api_key
from localfirst.cli.main import main
from localfirst.types.decision import Override


@pytest.fixture
def cloud_services(services, anthropic_server, monkeypatch: pytest.MonkeyPatch):
    for name, value in anthropic_server.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ANTHROPIC_API_KEY", fake_api_key("anthropic"))
    services.config = replace(services.config, cloud=replace(services.config.cloud, timeout=2.0))
    return services


async def _ask(services, prompt: str, override: Override) -> int:
    session = services.new_session()
    async for _event in session.send(prompt, override):
        pass
    return services.history.messages(session.conversation.id)[-1].id


async def test_it_prints_the_body_the_server_received(cloud_services, anthropic_server, capsys):
    reply_id = await _ask(cloud_services, "Which planet is largest?", Override.CLOUD)
    assert main(["history", "sent", str(reply_id)]) == 0
    shown = json.loads(capsys.readouterr().out)
    [sent] = shown["sent"]
    assert sent["request"] == json.loads(anthropic_server.last_request.raw_body)
    assert sent["model"].startswith("anthropic/")


async def test_a_local_reply_says_nothing_left(cloud_services, capsys):
    reply_id = await _ask(cloud_services, "hello", Override.LOCAL)
    assert main(["history", "sent", str(reply_id)]) == 0
    assert "nothing left this machine" in capsys.readouterr().out


def test_an_unknown_id_is_a_clear_error(isolated_dirs, capsys):
    assert main(["history", "sent", "999"]) != 0
    err = capsys.readouterr().err
    assert "no message with id 999" in err and "history show" in err
