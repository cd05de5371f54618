"""Private inference servers (vLLM, llama.cpp's server, Ollama) as the local tier.

A private server is inside the user's perimeter, so sensitive prompts may go to it; it speaks
the OpenAI-compatible chat API, so it reuses the OpenAI backend with its own name, kind and
key. Failures are the same typed events, which lets the session fall back to the next tier.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from localfirst.backends.cloud import CloudChoice
from localfirst.backends.openai_backend import OpenAIBackend
from localfirst.config import CloudConfig
from localfirst.keys.store import PRIVATE_PREFIX
from localfirst.network.offline import LOCAL_HOSTNAMES

if TYPE_CHECKING:
    from localfirst.keys.store import KeyStore

# What counts as "inside your network" for offline mode. Explicit, because Python's
# `is_private` also says yes to documentation ranges that are not anybody's LAN.
LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",  # carrier-grade NAT, used by mesh VPNs such as Tailscale
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
    )
)


@dataclass(frozen=True)
class PrivateServer:
    name: str
    base_url: str
    model: str
    timeout: float = 30.0

    @classmethod
    def from_config(cls, entry: dict) -> PrivateServer:
        return cls(
            entry["name"],
            entry["base_url"].rstrip("/"),
            entry["model"],
            float(entry.get("timeout", 30.0)),
        )

    @property
    def label(self) -> str:
        return f"private server {self.name} ({self.model})"

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    @property
    def on_local_network(self) -> bool:
        """Loopback, or a private/link-local address literal: what offline mode may still reach."""
        host = self.host.lower()
        if host in LOCAL_HOSTNAMES:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False  # a name could resolve anywhere: list the server by its address
        return address.is_loopback or any(address in network for network in LOCAL_NETWORKS)


class PrivateServerBackend(OpenAIBackend):
    kind = "private"
    provider: ClassVar[str] = "private server"

    def __init__(self, server: PrivateServer, api_key: str | None) -> None:
        config = CloudConfig(base_url=server.base_url, timeout=server.timeout, retry_budget=0.0)
        choice = CloudChoice("private", server.model, "keyring" if api_key else "none")
        # vLLM and llama.cpp accept any key when none is configured; the SDK insists on one.
        super().__init__(config, choice, api_key or "no-key")
        self.server = server
        self.name = server.label

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def key_name(self) -> str:
        return PRIVATE_PREFIX + self.server.name


def private_backends(servers: list[dict], keys: KeyStore) -> list[PrivateServerBackend]:
    backends = []
    for entry in servers:
        server = PrivateServer.from_config(entry)
        key = keys.get(PRIVATE_PREFIX + server.name).key
        backends.append(PrivateServerBackend(server, key))
    return backends


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    detail: str
    latency_ms: float | None = None


def probe(server: PrivateServer, api_key: str | None = None, timeout: float = 3.0) -> ProbeResult:
    """Is the server reachable, and does it serve the configured model? (for `doctor`)"""
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    started = time.perf_counter()
    try:
        response = httpx.get(f"{server.base_url}/models", headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        return ProbeResult(False, f"unreachable at {server.base_url} ({type(exc).__name__})")
    except ConnectionRefusedError as exc:  # the offline guard refused it
        return ProbeResult(False, str(exc))
    latency = (time.perf_counter() - started) * 1000
    if response.status_code in (401, 403):
        return ProbeResult(
            False,
            f"refused the key ({response.status_code}): "
            f"run `localfirst keys set {PRIVATE_PREFIX}{server.name}`",
            latency,
        )
    if response.status_code >= 400:
        return ProbeResult(
            False, f"answered {response.status_code} at {server.base_url}/models", latency
        )
    try:
        served = [str(m.get("id")) for m in response.json().get("data", [])]
    except (ValueError, AttributeError):
        served = []
    if not served or any(_same_model(server.model, listed) for listed in served):
        return ProbeResult(
            True, f"{server.base_url} serves {server.model}, {latency:.0f} ms", latency
        )
    # llama.cpp's server lists its model by file path (or --model_alias) but answers any
    # name: ask it once with the configured name before calling the configuration wrong
    if _answers(server, headers, timeout):
        return ProbeResult(
            True,
            f"{server.base_url} answers for {server.model} (it lists {served[0]}; its "
            "--model_alias would match the name), "
            f"{latency:.0f} ms",
            latency,
        )
    return ProbeResult(
        False,
        f"does not serve '{server.model}' (it serves: {', '.join(served[:5])})",
        latency,
    )


def _same_model(configured: str, listed: str) -> bool:
    """The configured name is the listed id, its file name, or the stem of its file name."""
    name = listed.replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.removesuffix(".gguf")
    wanted = configured.lower()
    return wanted in {listed.lower(), name.lower(), stem.lower()} or (
        len(wanted) >= 4 and stem.lower().startswith(wanted)
    )


def _answers(server: PrivateServer, headers: dict, timeout: float) -> bool:
    """One tiny request with the configured model name: does the server answer it?"""
    import httpx

    try:
        response = httpx.post(
            f"{server.base_url}/chat/completions",
            headers=headers,
            json={
                "model": server.model,
                "messages": [{"role": "user", "content": "hi"}],
                "max_tokens": 1,
            },
            timeout=max(timeout, 10.0),
        )
    except (httpx.HTTPError, ConnectionRefusedError):
        return False
    return response.status_code == 200
