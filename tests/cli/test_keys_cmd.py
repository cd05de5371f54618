"""`localfirst keys set|list|delete`, against a real Secret Service and with no keyring at all."""

from __future__ import annotations

import argparse
import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from fakes.keys import fake_api_key
from fakes.provider_server import Reply
from localfirst.backends.factory import build_cloud_backend, resolve_cloud
from localfirst.cli import keys_cmd
from localfirst.config import AppPaths, CloudConfig
from localfirst.errors import UserError
from localfirst.keys.store import KeyringUnavailable, KeyStore
from localfirst.session.chat import ChatSession
from localfirst.storage.history import History
from localfirst.types.backend import GenerationParams
from localfirst.types.decision import Decision, Target
from localfirst.types.events import Done, TextDelta
from localfirst.types.messages import MessageStatus, Role


def run_keys(argv: list[str], keys: KeyStore, stdin: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog="localfirst")
    keys_cmd.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["keys", *argv])
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    return args.handler(args, SimpleNamespace(keys=keys))


@pytest.fixture(autouse=True)
def _restore_stdin(monkeypatch):
    """run_keys swaps sys.stdin; put the real one back after each test."""
    monkeypatch.setattr(sys, "stdin", sys.stdin)


def test_set_reads_one_line_from_stdin_and_never_prints_the_key(
    secret_service_keys, capsys, monkeypatch
):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    key = fake_api_key("openai")
    assert run_keys(["set", "openai"], secret_service_keys, stdin=key + "\n") == 0
    out = capsys.readouterr()
    assert "Stored the openai API key" in out.out
    assert key not in out.out + out.err
    assert secret_service_keys.get("openai").key == key


def test_set_notes_an_env_variable_that_is_also_set(secret_service_keys, capsys, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", fake_api_key("anthropic"))
    run_keys(["set", "anthropic"], secret_service_keys, stdin=fake_api_key("anthropic"))
    assert "ANTHROPIC_API_KEY is also set; the stored key is used first" in capsys.readouterr().out


def test_set_with_empty_stdin_stores_nothing(secret_service_keys, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(UserError, match="no key on stdin"):
        run_keys(["set", "openai"], secret_service_keys, stdin="")
    assert secret_service_keys.get("openai").key is None


def test_list_shows_sources_never_keys(secret_service_keys, capsys, monkeypatch):
    stored, env = fake_api_key("anthropic"), fake_api_key("openai")
    secret_service_keys.set("anthropic", stored)
    monkeypatch.setenv("OPENAI_API_KEY", env)
    assert run_keys(["list"], secret_service_keys) == 0
    out = capsys.readouterr().out
    assert "anthropic  key in the keyring" in out
    assert "openai     key from OPENAI_API_KEY" in out
    assert "keyring: SecretService" in out
    assert stored not in out
    assert env not in out


def test_delete_removes_the_key(secret_service_keys, capsys, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    secret_service_keys.set("openai", fake_api_key("openai"))
    assert run_keys(["delete", "openai"], secret_service_keys) == 0
    assert "Deleted the openai API key" in capsys.readouterr().out
    assert secret_service_keys.get("openai").key is None
    assert run_keys(["delete", "openai"], secret_service_keys) == 1
    assert "No openai API key in the keyring" in capsys.readouterr().err


def test_an_unknown_provider_is_refused_by_the_parser(fail_keys, capsys):
    with pytest.raises(SystemExit):
        run_keys(["set", "gemini"], fail_keys)
    err = capsys.readouterr().err
    assert "unknown provider 'gemini'" in err and "private:NAME" in err


def test_without_a_keyring_set_fails_before_reading_a_key(fail_keys, capsys):
    key = fake_api_key("openai")
    with pytest.raises(KeyringUnavailable) as caught:
        run_keys(["set", "openai"], fail_keys, stdin=key + "\n")
    assert "OPENAI_API_KEY" in str(caught.value)
    assert sys.stdin.read() == key + "\n"  # not even read


def test_without_a_keyring_list_points_to_the_env_variables(fail_keys, capsys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert run_keys(["list"], fail_keys) == 0
    out = capsys.readouterr().out
    assert "anthropic  no key" in out
    assert "keyring: no keyring backend" in out
    assert "ANTHROPIC_API_KEY / OPENAI_API_KEY" in out


# in a real terminal

_RUN_KEYS = """
import argparse, sys
from types import SimpleNamespace
from localfirst.cli import keys_cmd
from localfirst.errors import UserError
from localfirst.keys.store import KeyStore
parser = argparse.ArgumentParser(prog="localfirst")
keys_cmd.add_parser(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args(["keys", *sys.argv[1:]])
try:
    sys.exit(args.handler(args, SimpleNamespace(keys=KeyStore())))
except UserError as exc:
    print(f"localfirst: {exc}", file=sys.stderr)
    sys.exit(1)
"""


def test_set_on_a_terminal_prompts_without_echoing_the_key(
    secret_service, isolated_dirs, monkeypatch
):
    for name, value in secret_service.env.items():
        monkeypatch.setenv(name, value)
    key = fake_api_key("anthropic")
    env = {**os.environ, **isolated_dirs, **secret_service.env}
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", _RUN_KEYS, "set", "anthropic"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=env,
        start_new_session=True,  # no controlling terminal: getpass uses the pty on stdin
    )
    os.close(secondary)
    try:
        screen = _read_until(primary, b"(input hidden): ")
        os.write(primary, key.encode() + b"\n")
        screen += _read_until(primary, b"Stored the anthropic API key")
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(primary)
    assert key.encode() not in screen
    store = KeyStore(backend=secret_service.backend())
    try:
        assert store.get("anthropic").key == key
    finally:
        store.delete("anthropic")


def _read_until(fd: int, marker: bytes, timeout: float = 30.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    assert marker in seen, seen
    return seen


# the "done when": keys set, a cloud chat, no key on disk


async def test_a_stored_key_drives_a_cloud_chat_and_lands_in_no_file(
    secret_service_keys, isolated_dirs, openai_server, monkeypatch, tmp_path
):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    key = fake_api_key("openai")
    assert run_keys(["set", "openai"], secret_service_keys, stdin=key + "\n") == 0
    openai_server.required_key = key
    openai_server.enqueue(Reply.text("Streamed", " from the", " cloud."))

    config = CloudConfig(base_url=openai_server.base_url, retry_budget=0.0)
    choice = resolve_cloud(config, secret_service_keys)
    assert choice.provider == "openai" and choice.key_source == "keyring"
    backend = build_cloud_backend(config, secret_service_keys, choice)
    paths = AppPaths.from_platform()
    history = History(paths.history_db)
    session = ChatSession(
        history,
        route=lambda payload, mode, override, sensitive: Decision(
            Target.CLOUD, choice.label, ("complex and not sensitive",)
        ),
        backends=SimpleNamespace(
            backend_for=lambda target: backend, params_for=lambda target: GenerationParams()
        ),
        system_prompt="You are a helpful assistant.",
    )
    prompt = "Compare the trade-offs of B-trees and LSM trees for write-heavy workloads."
    events = [event async for event in session.send(prompt)]
    history.close()

    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Streamed from the cloud."
    assert events[-1] == Done("stop")
    assert openai_server.last_request.auth_matched is True
    assert prompt in openai_server.last_request.sent_text
    reply = History(paths.history_db).messages(session.conversation.id)[-1]
    assert (reply.role, reply.status) == (Role.ASSISTANT, MessageStatus.COMPLETE)
    assert paths.history_db.exists()
    leaked = [
        path
        for path in Path(tmp_path).rglob("*")
        if path.is_file() and key.encode() in path.read_bytes()
    ]
    assert leaked == []
