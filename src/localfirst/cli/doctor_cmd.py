"""`localfirst doctor`: what is installed, where things live, and what is missing.

Never prints a key: the cloud line says which provider has one and where it comes from.
"""

from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass

from localfirst import __version__
from localfirst.cli.common import add_mode_flags
from localfirst.errors import UserError


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    essential: bool = True


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "doctor",
        help="check the installation",
        description="Report versions, paths, the llama.cpp backend and what is missing.",
    )
    add_mode_flags(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, services) -> int:
    print(f"localfirst {__version__} · Python {platform.python_version()} · {platform.platform()}")
    print(
        f"  config: {services.paths.config_file}"
        + ("" if services.paths.config_file.exists() else " (not created yet: defaults)")
    )
    print(f"  data:   {services.paths.data_dir}")
    print(f"  cache:  {services.paths.cache_dir}")
    print(f"  mode:   {services.mode}")
    servers = _private_server_checks(services)
    # The in-process model is needed only when no private server answers: a server that does
    # is the local tier, and sensitive prompts have somewhere to go.
    serving = any(check.ok for check in servers)
    model = _run_check("local model", lambda: _model(services), essential=not serving)
    if serving and not model.ok:
        model = Check(
            model.name, False, f"{model.detail} (not needed: a private server answers)", False
        )
    checks = [
        _run_check("llama.cpp", _llama),
        model,
        _run_check("privacy gate", lambda: _gate(services)),
        _run_check("complexity scorer", lambda: _scorer(services)),
        _run_check("cloud", lambda: _cloud(services), essential=False),
        _run_check("keyring", lambda: _keyring(services), essential=False),
        *servers,
    ]
    if services.offline:
        from localfirst.network.offline import current_guard

        guard = current_guard()
        checks.append(
            Check(
                "offline guard",
                guard is not None and not guard.blocked,
                "active: every non-local connection is refused"
                if guard and not guard.blocked
                else f"{len(guard.blocked) if guard else 0} blocked attempt(s)"
                if guard
                else "not active",
            )
        )
    for check in checks:
        mark = "✓" if check.ok else ("✗" if check.essential else "-")
        print(f"{mark} {check.name}: {check.detail}")
    failed = [c for c in checks if c.essential and not c.ok]
    if failed:
        print(
            f"\n{len(failed)} problem(s) to fix before chatting"
            + (" offline" if services.offline else ""),
            file=sys.stderr,
        )
        return 1
    return 0


def _run_check(name: str, probe: Callable[[], tuple[bool, str]], essential: bool = True) -> Check:
    try:
        ok, detail = probe()
    except UserError as exc:
        ok, detail = False, str(exc).replace("\n", " ")
    except Exception as exc:  # doctor reports, never crashes
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    return Check(name, ok, detail, essential)


def _llama() -> tuple[bool, str]:
    import llama_cpp

    from localfirst.hardware import gpu_backend, physical_cores

    backend = gpu_backend()
    offload = (
        "all layers offloaded to the GPU"
        if backend != "CPU"
        else "CPU only (no Metal/CUDA in this build)"
    )
    return (
        True,
        f"llama-cpp-python {llama_cpp.__version__}, backend {backend}: {offload}; {physical_cores()} physical cores",
    )


def _model(services) -> tuple[bool, str]:
    from localfirst.models.gguf import read_gguf

    model = services.registry.resolve(services.config.local.model)
    from pathlib import Path

    info = read_gguf(Path(model.path))
    ctx = min(
        services.config.local.context_size,
        info.context_length or services.config.local.context_size,
    )
    return (
        True,
        f"{model.name} ({info.architecture}, {model.size / 1e6:.0f} MB, context {ctx:,}) at {model.path}",
    )


def _gate(services) -> tuple[bool, str]:
    router = services.router
    router.warm_up()
    if router.gate_error:
        return False, f"cannot run ({router.gate_error}); every prompt stays local until fixed"
    gate = router.gate()
    described = getattr(gate, "pipeline_description", "ready")
    if not services.config.privacy.ner_model:
        described += "; NER model: off ([privacy] ner_model adds one)"
    return True, described


def _scorer(services) -> tuple[bool, str]:
    router = services.router
    router.warm_up()
    if router.scorer_error:
        return False, f"cannot run ({router.scorer_error}); prompts stay local"
    share = services.config.routing.keep_local_share
    return (
        True,
        f"ready; threshold {router.threshold():.2f} keeps about {share:.0%} of prompts local",
    )


def _cloud(services) -> tuple[bool, str]:
    choice = services.cloud_choice()
    if isinstance(choice, str):
        return False, f"not available: {choice}"
    return True, f"{choice.label} (key from {choice.key_source})"


def _private_server_checks(services) -> list[Check]:
    from localfirst.backends.private_server import PrivateServer, probe
    from localfirst.keys.store import PRIVATE_PREFIX

    checks = []
    for entry in services.config.private.servers:
        server = PrivateServer.from_config(entry)

        def check(server=server) -> tuple[bool, str]:
            if services.offline and not server.on_local_network:
                return (
                    False,
                    f"{server.host} is not on loopback or a local network address: offline mode blocks it",
                )
            result = probe(server, services.keys.get(PRIVATE_PREFIX + server.name).key)
            return result.ok, result.detail

        checks.append(_run_check(f"private server {server.name}", check, essential=False))
    return checks


def _keyring(services) -> tuple[bool, str]:
    keys = services.keys
    status = keys.status()
    have = ", ".join(f"{p} ({s})" for p, s in status.items() if s) or "no keys stored"
    return True, f"{keys.backend_description()}; {have}"
