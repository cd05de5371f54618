"""Small helpers the commands share: reading a prompt, printing JSON."""

from __future__ import annotations

import argparse
import json
import sys

from localfirst.errors import UserError


def read_prompt(words: list[str] | None) -> str:
    """The prompt from the arguments, else from standard input."""
    if words:
        prompt = " ".join(words)
    elif not sys.stdin.isatty():
        prompt = sys.stdin.read()
    else:
        raise UserError(
            "no prompt given", 'pass it as an argument (localfirst ask "...") or pipe it in'
        )
    if not prompt.strip():
        raise UserError("the prompt is empty", "type something to ask")
    return prompt.strip("\n")


def print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def add_mode_flags(parser: argparse.ArgumentParser, top_level: bool = False) -> None:
    """--offline and --local-only, accepted before or after the subcommand."""
    default = False if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--offline",
        action="store_true",
        default=default,
        help="make no network connection at all (also LOCALFIRST_OFFLINE=1)",
    )
    parser.add_argument(
        "--local-only",
        action="store_true",
        default=default,
        help="never use the cloud in this session",
    )
