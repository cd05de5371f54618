"""The CLI against hostile text, bad bytes, closed pipes and loose file modes."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from clirun import run_cli
from localfirst.storage.history import History
from localfirst.types.messages import Role

HOSTILE = "\x1b]0;pwned\x07Hello \x1b[2Jthere\x1b]52;c;ZXZpbA==\x07 \x9b31m!"


@pytest.fixture
def env(isolated_dirs) -> dict[str, str]:
    return isolated_dirs


def _history(env) -> History:
    return History(Path(env["XDG_DATA_HOME"]) / "localfirst" / "history.sqlite3")


def test_stored_history_is_shown_without_control_sequences(env) -> None:
    history = _history(env)
    conversation = history.create_conversation()
    history.add_message(conversation.id, Role.USER, f"tell me {HOSTILE}")
    history.add_message(conversation.id, Role.ASSISTANT, HOSTILE)
    history.close()
    for args in (("history", "list"), ("history", "show", str(conversation.id))):
        result = run_cli(env, *args)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\x9b" not in result.stdout
        assert "\x07" not in result.stdout
        assert "Hello" in result.stdout and "there" in result.stdout
    # the original is kept: only what is shown changes
    assert _history(env).messages(conversation.id)[1].content == HOSTILE


def test_the_terminal_safe_stream_survives_a_sequence_split_across_writes() -> None:
    import io

    from localfirst.cli.main import _TerminalSafeStream

    inner = io.StringIO()
    stream = _TerminalSafeStream(inner)
    for chunk in ("before \x1b", "]0;title\x07", " after"):
        stream.write(chunk)
    assert "\x1b" not in inner.getvalue() and "\x07" not in inner.getvalue()
    assert inner.getvalue().startswith("before ") and inner.getvalue().endswith(" after")


def test_invalid_utf8_in_argv_and_in_a_batch_line_is_read_not_fatal(env, tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "localfirst", "route", "--json", b"caf\xe9 au lait recipe"],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    assert json.loads(result.stdout)["target"] == "local"

    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(
        b'{"id": 1, "text": "hello"}\n{"id": 2, "text": "caf\xe9"}\n{"id": 3, "text": "bye"}\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "localfirst", "route", "--batch", str(batch)],
        capture_output=True,
        env=env,
        timeout=120,
    )
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == [1, 2, 3]
    assert b"batch.jsonl:2: not valid UTF-8" in result.stderr


def test_a_closed_pipe_ends_quietly(env) -> None:
    result = subprocess.run(
        f"'{sys.executable}' -m localfirst config show | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.stdout.strip()
    assert "BrokenPipe" not in result.stderr and "internal error" not in result.stderr


def test_app_files_are_private_whatever_the_umask(env) -> None:
    data_dir = Path(env["XDG_DATA_HOME"]) / "localfirst"
    (data_dir / "logs").mkdir(parents=True)
    loose = data_dir / "logs" / "crash.log"
    loose.write_text("old\n")
    loose.chmod(0o644)
    data_dir.chmod(0o755)
    result = subprocess.run(
        f"umask 022; '{sys.executable}' -m localfirst history list",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600
    database = data_dir / "history.sqlite3"
    assert database.exists() and stat.S_IMODE(database.stat().st_mode) == 0o600


def test_a_damaged_history_is_moved_aside_and_said_so(env) -> None:
    data_dir = Path(env["XDG_DATA_HOME"]) / "localfirst"
    data_dir.mkdir(parents=True)
    (data_dir / "history.sqlite3").write_bytes(b"garbage " * 1000)
    result = run_cli(env, "history", "list")
    assert result.returncode == 0, result.stderr
    assert "was damaged: it was moved aside as history.sqlite3.damaged-" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(data_dir.glob("history.sqlite3.damaged-*"))
    repaired = run_cli(env, "history", "repair")
    assert repaired.returncode == 0 and "moved history.sqlite3 aside" in repaired.stdout


@pytest.fixture
def env_with_model(env, test_model_path) -> dict[str, str]:
    config_dir = Path(env["XDG_CONFIG_HOME"]) / "localfirst"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text(
        "[local]\nmax_tokens = 400\ntemperature = 0.0\nthreads = 1\ncontext_size = 1024\n"
    )
    result = run_cli(env, "models", "import", str(test_model_path))
    assert result.returncode == 0, result.stderr
    return {**env, "PYTHONUNBUFFERED": "1"}


def _interrupt_mid_reply(env, signal_number: int) -> tuple[int, str]:
    """Start `ask --local` on a terminal (a pty: the reply streams there), wait for streamed
    text, send the signal; (exit code, what the terminal showed)."""
    import os
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "localfirst", "ask", "--local", "Write a long story about a fox"],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    os.close(follower)
    seen = _read_pty(leader, until=lambda data: len(data) >= 20, idle_s=120)
    process.send_signal(signal_number)
    seen += _read_pty(leader, until=lambda data: False, idle_s=5)  # what it writes on the way out
    code = process.wait(timeout=120)
    os.close(leader)
    return code, seen.decode("utf-8", "replace")


def _read_pty(fd: int, until, idle_s: float) -> bytes:
    """Read from a pty until `until(data)` holds, it closes, or nothing comes for `idle_s`."""
    import os
    import select

    data = b""
    while not until(data):
        ready, _, _ = select.select([fd], [], [], idle_s)
        if not ready:
            break
        try:
            chunk = os.read(fd, 256)
        except OSError:  # the other side closed
            break
        if not chunk:
            break
        data += chunk
    return data


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_an_interrupted_local_reply_exits_cleanly_and_keeps_the_partial_text(
    env_with_model, signal_name
) -> None:
    import signal as signals

    from localfirst.types.messages import MessageStatus

    code, shown = _interrupt_mid_reply(env_with_model, getattr(signals, signal_name))
    assert code == 130, (code, shown)  # not -11: llama's thread was joined before exit
    history = _history(env_with_model)
    [conversation] = history.list_conversations()
    _user, reply = history.messages(conversation.id)
    assert reply.status is MessageStatus.INCOMPLETE
    assert reply.content and " ".join(reply.content.split())[:10] in " ".join(shown.split())


def test_repeated_interrupts_never_crash(env_with_model) -> None:
    import signal as signals

    # with the three signal tests above, five interrupts in all (2 of 7 crashed before)
    codes = [_interrupt_mid_reply(env_with_model, signals.SIGINT)[0] for _ in range(2)]
    assert codes == [130] * 2
