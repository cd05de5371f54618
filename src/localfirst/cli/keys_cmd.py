"""`localfirst keys set|list|delete`: manage the cloud API keys kept in the OS keyring.

`set` reads the key with a hidden prompt on a terminal, or one line from stdin in scripts
(`printenv MY_KEY | localfirst keys set openai`), so the key never appears in shell history or
a process list. Nothing here ever prints a key, or any part of one.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from localfirst.errors import UserError
from localfirst.keys.store import KeyStore, check_provider, env_var_for
from localfirst.providers import PROVIDER_NAMES, env_vars_text


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "keys",
        help="store, list or delete cloud API keys (kept in the OS keyring)",
        description=(
            f"Cloud API keys live in the OS keyring. {env_vars_text(' and ')} are "
            "read as a fallback and never written anywhere."
        ),
    )
    commands = parser.add_subparsers(dest="keys_command", metavar="COMMAND", required=True)
    set_parser = commands.add_parser(
        "set",
        help="store a provider's key (hidden prompt, or one line from stdin)",
        description="Store a key: typed at a hidden prompt, or read as one line from stdin.",
    )
    set_parser.add_argument(
        "provider",
        type=_provider_arg,
        metavar="PROVIDER",
        help="anthropic, openai, or private:NAME",
    )
    commands.add_parser("list", help="show which providers have a key, and from where")
    delete_parser = commands.add_parser("delete", help="remove a provider's key from the keyring")
    delete_parser.add_argument(
        "provider",
        type=_provider_arg,
        metavar="PROVIDER",
        help="anthropic, openai, or private:NAME",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, services: Any) -> int:
    keys: KeyStore = services.keys
    command = args.keys_command
    if command == "set":
        return _set(keys, args.provider)
    if command == "list":
        return _list(keys)
    if command == "delete":
        return _delete(keys, args.provider)
    raise UserError(f"unknown keys command {command!r}", "use set, list or delete")


def _set(keys: KeyStore, provider: str) -> int:
    if not keys.available:  # say so before asking for a key that cannot be stored
        from localfirst.keys.store import KeyringUnavailable

        raise KeyringUnavailable(keys.backend_description(), provider)
    key = _read_key(provider)
    keys.set(provider, key)
    print(f"Stored the {provider} API key in the keyring ({keys.backend_description()}).")
    if os.environ.get(env_var_for(provider)):
        print(f"note: {env_var_for(provider)} is also set; the stored key is used first.")
    return 0


def _read_key(provider: str) -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            return getpass.getpass(f"{provider} API key (input hidden): ", stream=sys.stderr)
        except (EOFError, KeyboardInterrupt):
            print(file=sys.stderr)
            raise UserError("no key entered; nothing was stored") from None
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line.strip():
        raise UserError(
            "no key on stdin; nothing was stored",
            f"run `localfirst keys set {provider}` in a terminal, or pipe the key in",
        )
    return line


def _list(keys: KeyStore) -> int:
    status = keys.status()
    width = max(len(p) for p in PROVIDER_NAMES)
    for provider in PROVIDER_NAMES:
        source = status[provider]
        where = {
            "keyring": "key in the keyring",
            "env": f"key from {env_var_for(provider)}",
        }.get(source or "", "no key")
        print(f"{provider:<{width}}  {where}")
    print(f"keyring: {keys.backend_description()}")
    if not keys.available:
        print(
            f"note: without a keyring, set {env_vars_text()} in your "
            "environment (localfirst reads them and never writes them anywhere)"
        )
    return 0


def _delete(keys: KeyStore, provider: str) -> int:
    removed = keys.delete(provider)
    env_note = ""
    if os.environ.get(env_var_for(provider)):
        env_note = f" ({env_var_for(provider)} is still set in your environment)"
    if removed:
        print(f"Deleted the {provider} API key from the keyring{env_note}.")
        return 0
    print(f"No {provider} API key in the keyring{env_note}.", file=sys.stderr)
    return 1


def _provider_arg(value: str) -> str:
    """argparse type: a provider name, or argparse's own clear usage error."""
    try:
        return check_provider(value)
    except UserError as exc:
        raise argparse.ArgumentTypeError(f"{exc.message} ({exc.hint})") from None
