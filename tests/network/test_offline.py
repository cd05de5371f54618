"""Offline mode: the guard's own behaviour, and the whole CLI flow proven to make no connection."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from localfirst.network.offline import OfflineGuard, OfflineViolation

TEST_NET = "192.0.2.10"  # TEST-NET-1: documentation only; the guard refuses it before any packet


def fake_socket() -> socket.socket:
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def test_guard_refuses_remote_connects_and_reports_the_caller() -> None:
    guard = OfflineGuard(report_to_stderr=False)
    with fake_socket() as sock, pytest.raises(OfflineViolation, match=f"{TEST_NET}:443"):
        guard.hook("socket.connect", (sock, (TEST_NET, 443)))
    (attempt,) = guard.blocked
    assert attempt.event == "socket.connect" and attempt.target == f"{TEST_NET}:443"
    assert "test_offline.py" in attempt.caller


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("socket.getaddrinfo", ("huggingface.co", 443, 0, 0, 0)),
        ("socket.gethostbyname", ("publicsuffix.org",)),
        ("socket.getaddrinfo", ("api.anthropic.com", None, 0, 0, 0)),
    ],
)
def test_guard_refuses_name_lookups(event: str, args: tuple) -> None:
    guard = OfflineGuard(report_to_stderr=False)
    with pytest.raises(OfflineViolation):
        guard.hook(event, args)
    assert guard.blocked[0].event == event


@pytest.mark.parametrize(
    "address",
    [("127.0.0.1", 8080), ("::1", 8080, 0, 0), ("localhost", 80), "/run/user/0/bus"],
)
def test_guard_allows_loopback_and_unix_sockets(address) -> None:
    guard = OfflineGuard(report_to_stderr=False)
    with fake_socket() as sock:
        guard.hook("socket.connect", (sock, address))
    assert guard.blocked == []


def test_listed_private_hosts_are_allowed() -> None:
    guard = OfflineGuard({"gpu-box.lan"}, report_to_stderr=False)
    guard.hook("socket.getaddrinfo", ("gpu-box.lan", 8000, 0, 0, 0))
    assert guard.blocked == []


def test_guard_installed_in_a_process_stops_a_real_attempt() -> None:
    code = (
        "import socket, sys\n"
        "from localfirst.network.offline import enter_offline_mode\n"
        "guard = enter_offline_mode()\n"
        "try:\n"
        "    socket.create_connection(('example.com', 443), timeout=2)\n"
        "except ConnectionRefusedError as exc:\n"
        "    print('refused:', exc)\n"
        "print(len(guard.blocked), guard.blocked[0].event)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert "refused: offline mode: network access to example.com:443 is blocked" in result.stdout
    assert "1 socket.getaddrinfo" in result.stdout
    assert "offline guard: blocked socket.getaddrinfo to example.com:443" in result.stderr


def _no_network_prefix() -> list[str]:
    if shutil.which("unshare") is None or shutil.which("strace") is None:
        pytest.skip("unshare and strace are installed by scripts/test")
    unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    probe = subprocess.run([*unshare, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.fail(f"cannot create a network namespace here: {probe.stderr.decode()}")
    return unshare


def _traced(env, trace: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        *_no_network_prefix(),
        "strace", "-f", "-qq", "-e", "trace=connect,sendto,execve", "-o", str(trace),
        sys.executable, "-m", "localfirst", "--offline", *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def _inet_attempts(trace: Path) -> list[str]:
    """The inet connection attempts in a trace, once the trace shows it followed the program
    (its execve is there): an empty or broken trace would otherwise prove nothing."""
    lines = trace.read_text().splitlines()
    assert any("execve(" in line and "localfirst" in line for line in lines), lines[:5]
    return [line for line in lines if re.search(r"sa_family=AF_INET6?\b", line)]


@pytest.fixture
def offline_env(isolated_dirs, test_model_path: Path) -> dict[str, str]:
    config_dir = Path(isolated_dirs["XDG_CONFIG_HOME"]) / "localfirst"
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text("[local]\nmax_tokens = 6\n")
    subprocess.run(
        [sys.executable, "-m", "localfirst", "models", "import", str(test_model_path)],
        env=isolated_dirs,
        check=True,
        capture_output=True,
    )
    return isolated_dirs


def test_offline_ask_answers_with_zero_connection_attempts(offline_env, tmp_path: Path) -> None:
    trace = tmp_path / "ask.strace"
    result = _traced(offline_env, trace, "ask", "--json", "Say hello to my colleague John Smith")
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["route"]["target"] == "local" and reply["route"]["mode"] == "offline"
    assert reply["text"]
    assert _inet_attempts(trace) == []
    assert "offline guard: blocked" not in result.stderr


def test_offline_route_and_gate_warm_up_make_no_connection(offline_env, tmp_path: Path) -> None:
    trace = tmp_path / "route.strace"
    result = _traced(offline_env, trace, "route", "--json", "Email jane.doe@example.org the report")
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["target"] == "local"
    assert _inet_attempts(trace) == []
    assert "offline guard: blocked" not in result.stderr


def test_offline_without_a_model_names_the_air_gapped_way_in(isolated_dirs, tmp_path: Path) -> None:
    result = _traced(isolated_dirs, tmp_path / "t", "ask", "hello")
    assert result.returncode == 1
    assert "localfirst models import" in result.stderr
    assert _inet_attempts(tmp_path / "t") == []


def test_offline_from_the_config_file_installs_the_guard(offline_env, tmp_path: Path) -> None:
    config = Path(offline_env["XDG_CONFIG_HOME"]) / "localfirst" / "config.toml"
    config.write_text("[local]\nmax_tokens = 6\n[network]\noffline = true\n")
    trace = tmp_path / "doctor.strace"
    command = [*_no_network_prefix(), "strace", "-f", "-qq", "-e", "trace=connect,sendto,execve", "-o", str(trace),
               sys.executable, "-m", "localfirst", "doctor"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=offline_env, timeout=300)
    assert "mode:   offline" in result.stdout
    assert "offline guard: active" in result.stdout
    assert _inet_attempts(trace) == []
