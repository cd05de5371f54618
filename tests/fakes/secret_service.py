"""A real Secret Service for tests: gnome-keyring on a private D-Bus session bus.

`dbus-run-session` starts a session bus, gnome-keyring-daemon is unlocked on it with a throwaway
password (its keyring files go to a temporary directory), and the bus address is handed back, so
the test process, and any subprocess given `env`, talks to this keyring and nothing else.
Closing it ends the bus, and with it the daemon.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

_SCRIPT = (
    "printf %s throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
    'echo "bus=$DBUS_SESSION_BUS_ADDRESS"; '
    "exec cat >/dev/null"  # stays up until the test process closes our stdin
)


def missing_tools() -> list[str]:
    return [tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if not shutil.which(tool)]


@dataclass
class SecretService:
    bus_address: str
    keyring_dir: Path  # where gnome-keyring keeps its (encrypted) files
    process: subprocess.Popen

    @property
    def env(self) -> dict[str, str]:
        """What a process needs to use this keyring (and keyring's SecretService backend)."""
        return {
            "DBUS_SESSION_BUS_ADDRESS": self.bus_address,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring",
        }

    def backend(self):
        """keyring's SecretService backend, talking to this bus (set the env first)."""
        from keyring.backends.SecretService import Keyring

        return Keyring()

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_secret_service(home: Path, timeout: float = 20.0) -> SecretService:
    home.mkdir(parents=True, exist_ok=True)
    runtime = home / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_RUNTIME_DIR": str(runtime),
    }
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    process = subprocess.Popen(
        ["dbus-run-session", "--", "sh", "-c", _SCRIPT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("bus=") or not line:
            break
    address = line.removeprefix("bus=").strip()
    if not address:
        process.kill()
        raise RuntimeError("dbus-run-session did not report a session bus address")
    return SecretService(address, home / "data" / "keyrings", process)
