"""Offline mode, enforced: an audit hook refuses every non-local connection and name look-up.

Settings alone (HF_HUB_OFFLINE and friends) only ask libraries to behave; the guard makes
sure they do. Python raises the `socket.connect`/`socket.getaddrinfo`/... audit events before
any packet leaves, and a hook that raises stops the call. Loopback (and addresses the user
listed, e.g. a private inference server) stay allowed; Unix sockets (D-Bus for the keyring)
are not network traffic. Each refused attempt is recorded with the code that made it.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import traceback
from dataclasses import dataclass, field

# Environment switches that make our dependencies stay off the network by themselves.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "LOCALFIRST_OFFLINE": "1",
}

_NETWORK_EVENTS = {
    "socket.connect",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.sendto",
    "socket.sendmsg",
}
# Host names that always mean this machine (private_server.py reads the same set).
LOCAL_HOSTNAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class OfflineViolation(ConnectionRefusedError):
    """Raised inside the code that tried to reach the network while offline."""


@dataclass(frozen=True)
class BlockedAttempt:
    event: str
    target: str
    caller: str  # "file:line in function" of the first frame outside the socket machinery


@dataclass
class OfflineGuard:
    allowed_hosts: set[str] = field(default_factory=set)
    blocked: list[BlockedAttempt] = field(default_factory=list)
    report_to_stderr: bool = True

    def is_allowed(self, host: object) -> bool:
        if host is None:
            return True
        if isinstance(host, bytes):
            host = host.decode(errors="replace")
        host = str(host).strip("[]").lower()
        if not host or host in LOCAL_HOSTNAMES or host in self.allowed_hosts:
            return True
        try:
            return ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            return False

    def hook(self, event: str, args: tuple) -> None:
        if event not in _NETWORK_EVENTS:
            return
        host, target = _target_of(event, args)
        if host is _NOT_INET or self.is_allowed(host):
            return
        attempt = BlockedAttempt(event, target, _caller())
        self.blocked.append(attempt)
        if self.report_to_stderr:
            print(
                f"localfirst offline guard: blocked {event} to {target} from {attempt.caller}",
                file=sys.stderr,
            )
        raise OfflineViolation(f"offline mode: network access to {target} is blocked")


_NOT_INET = object()


def _target_of(event: str, args: tuple) -> tuple[object, str]:
    """The host an event is about (or _NOT_INET for Unix sockets) and a printable target."""
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        address = args[1] if len(args) > 1 else None
        if not isinstance(address, tuple) or not address:
            return _NOT_INET, str(address)  # AF_UNIX path or unknown family: not the network
        return address[0], f"{address[0]}:{address[1]}" if len(address) > 1 else str(address[0])
    host = args[0] if args else None
    if event == "socket.getaddrinfo" and len(args) > 1 and args[1] is not None:
        return host, f"{host}:{args[1]}"
    return host, str(host)


def _caller() -> str:
    frames = traceback.extract_stack()[:-2]  # drop this function and the hook
    for frame in reversed(frames):
        name = frame.filename.replace("\\", "/")
        if "/socket.py" in name or "/ssl.py" in name or "localfirst/network/offline" in name:
            continue
        return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "unknown"


_installed: OfflineGuard | None = None


def enter_offline_mode(allowed_hosts: set[str] | None = None) -> OfflineGuard:
    """Switch this process offline for the rest of its life (audit hooks cannot be removed)."""
    global _installed
    os.environ.update(OFFLINE_ENV)
    if _installed is None:
        _installed = OfflineGuard(set(allowed_hosts or ()))
        sys.addaudithook(_installed.hook)
    elif allowed_hosts:
        _installed.allowed_hosts |= set(allowed_hosts)
    return _installed


def current_guard() -> OfflineGuard | None:
    return _installed
