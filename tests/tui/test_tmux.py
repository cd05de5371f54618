"""`localfirst` in a real terminal (tmux): type a prompt, read the reply and its route badge.

Everything runs as a user would run it: the installed `localfirst` command, isolated XDG
dirs, the test model imported with `localfirst models import`, and keys typed into tmux.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from localfirst.config import AppPaths
from localfirst.storage.history import History

from .conftest import TEST_SPACY_MODEL

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

LOCALFIRST = str(Path(sys.executable).with_name("localfirst"))
WIDTH, HEIGHT = 120, 36
CONFIG = f"""\
[local]
max_tokens = 8
context_size = 1024
temperature = 0.0
threads = 1

[privacy]
spacy_model = "{TEST_SPACY_MODEL}"
"""


class Tmux:
    """One private tmux server (its socket in the test's folder) running one command."""

    def __init__(self, env: dict[str, str], socket: Path) -> None:
        self.socket = str(socket)
        self.env = env

    def run(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-u", "-S", self.socket, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout

    def start(self, command: str, width: int = WIDTH, height: int = HEIGHT) -> None:
        # remain-on-exit keeps the pane (and its last screen) after the command ends
        self.run("new-session", "-d", "-s", "app", "-x", str(width), "-y", str(height), command)
        self.run("set-option", "-t", "app", "remain-on-exit", "on")

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "app")

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", "app", *(["-l"] if literal else []), *keys)

    def pane_dead(self) -> bool:
        return self.run("display-message", "-p", "-t", "app", "#{pane_dead}").strip() == "1"

    def wait_for(self, ready: Callable[[str], bool], timeout: float = 120.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if ready(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never got there; it shows:\n{text}")
            time.sleep(0.2)

    def kill(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], env=self.env, check=False)


@pytest.fixture
def terminal(
    isolated_dirs: dict[str, str], test_model_path: Path, tmp_path: Path
) -> Iterator[Tmux]:
    env = {
        **isolated_dirs,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        # a machine without a keyring: deterministic, and no D-Bus prompt can appear
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    env.pop("TMUX", None)
    paths = AppPaths.from_platform()
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(CONFIG)
    subprocess.run(
        [LOCALFIRST, "models", "import", str(test_model_path), "--name", "gemma-3-270m"],
        env=env,
        check=True,
        capture_output=True,
    )
    tmux = Tmux(env, tmp_path / "tmux.sock")
    try:
        yield tmux
    finally:
        tmux.kill()


def test_chat_in_a_real_terminal_shows_the_reply_and_its_route(terminal: Tmux) -> None:
    terminal.start(LOCALFIRST)
    terminal.wait_for(lambda s: "● model gemma-3-270m" in s and "Send" in s)
    terminal.keys("Hello from a real terminal", literal=True)
    terminal.keys("Enter")
    screen = terminal.wait_for(lambda s: "⌂ local · gemma-3-270m" in s and "tokens" in s)

    history = History(AppPaths.from_platform().history_db)
    try:
        [conversation] = history.list_conversations()
        user, reply = history.messages(conversation.id)
    finally:
        history.close()
    assert user.content == "Hello from a real terminal"
    assert "You" in screen and "Hello from a real terminal" in screen
    reason = reply.route["reasons"][0]
    assert reason[:40] in screen, "the one-line reason is under the badge"
    assert "AUTO" in screen and "F2 → Cloud" not in screen  # the welcome gave way to the chat

    terminal.keys("C-q")
    terminal.wait_for(lambda s: terminal.pane_dead(), timeout=20)


@pytest.mark.parametrize(("width", "height"), [(80, 24), (140, 40)])
def test_start_up_settles_and_nothing_is_cut_at_either_size(
    terminal: Tmux, width: int, height: int
) -> None:
    """Every indicator ends on what it found (the cloud check once stayed on "checking…"
    until a resize), and at 80 columns the chat list folds away instead of squeezing the
    title, the indicators and the footer."""
    # the keyring's own detection, as on a desktop without a Secret Service: its answer comes
    # back during start-up, the moment the bug needed
    terminal.env = {k: v for k, v in terminal.env.items() if k != "PYTHON_KEYRING_BACKEND"}
    terminal.start(LOCALFIRST, width, height)
    screen = terminal.wait_for(
        lambda s: "gemma-3-270m" in s and "checking" not in s and "loading" not in s,
        timeout=60,
    )
    top, *_rest, footer = [line for line in screen.splitlines() if line.strip()]
    assert "no API key" in top  # the cloud check said what it found, in full
    assert "New chat" in top  # the chat title keeps its place
    assert "palettee" not in footer and footer.rstrip().endswith(("Help", "palette"))
    if width < 100:
        assert "Chats" not in screen  # folded away; Ctrl+B brings it back
        terminal.keys("C-b")
        terminal.wait_for(lambda s: "Chats" in s, timeout=10)
    else:
        assert "Chats" in screen and "localfirst" in top and "● gate ready" in top
    terminal.keys("C-q")
    terminal.wait_for(lambda s: terminal.pane_dead(), timeout=20)
