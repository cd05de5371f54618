"""`localfirst`: the TUI with no arguments, subcommands for scripts.

Each subcommand lives in its own module exposing `add_parser(subparsers)` and
`run(args, services) -> int`. Errors a user can act on are printed as one clear line; anything
unexpected is logged with its traceback to the data dir and reported without one.
"""

from __future__ import annotations

import argparse
import importlib
import io
import sys
from collections.abc import Sequence

from localfirst import __version__
from localfirst.cli.common import add_mode_flags

COMMAND_MODULES = ("ask", "route", "models", "config", "doctor", "keys", "history")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="localfirst",
        description="Chat with a local model; only safe, hard prompts go to the cloud.",
        epilog="Run `localfirst` with no command to open the chat app.",
    )
    parser.add_argument("--version", action="version", version=f"localfirst {__version__}")
    add_mode_flags(parser, top_level=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"localfirst.cli.{name}_cmd")
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Bytes that are not UTF-8 ($'caf\xe9') arrive as lone surrogates, which SQLite and the
    # terminal refuse: they become U+FFFD here, once, before anything stores or shows them.
    argv = [_valid_text(a) for a in (sys.argv[1:] if argv is None else argv)]
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")
    args = build_parser().parse_args(argv)
    from localfirst.errors import UserError

    if args.command is not None:
        _terminal_safe_output()
        _interrupt_on_hangup()
    _private_files()
    try:
        from localfirst.config import offline_from_env
        from localfirst.services import Services

        # Reading the config touches no network; the guard goes up before anything else runs.
        services = Services(offline=args.offline or offline_from_env(), local_only=args.local_only)
        if services.offline:
            from localfirst.network.offline import enter_offline_mode

            enter_offline_mode(services.hosts_allowed_offline())
        if args.command is None:
            from localfirst.tui.app import run_tui

            return run_tui(services)
        try:
            return int(args.handler(args, services) or 0)
        finally:
            for notice in services.notices:
                print(f"localfirst: {notice}", file=sys.stderr)
    except UserError as exc:
        print(f"localfirst: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nlocalfirst: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`localfirst config show | head -1`): stop quietly, as cat does
        _silence_stdout()
        return 141
    except Exception as exc:  # report, never show a traceback to the user
        from localfirst.crash_log import log_crash

        log = log_crash(exc)
        print(
            f"localfirst: internal error: {type(exc).__name__}: {exc}\n"
            f"  the details are in {log}; please report them",
            file=sys.stderr,
        )
        return 70


def _interrupt_on_hangup() -> None:
    """SIGTERM and SIGHUP act as Ctrl+C: a streaming `ask` stops, its partial reply is saved
    as incomplete (asyncio turns SIGINT into a cancellation of the running command)."""
    import os
    import signal

    def as_interrupt(_number, _frame) -> None:
        os.kill(os.getpid(), signal.SIGINT)

    for number in (signal.SIGTERM, signal.SIGHUP):
        try:
            signal.signal(number, as_interrupt)
        except (OSError, ValueError):  # not the main thread, or not on this platform
            continue


def _private_files() -> None:
    """Everything localfirst writes is for this user only, whatever the umask was."""
    import os

    from localfirst.config import AppPaths

    os.umask(0o077)
    AppPaths.from_platform().make_private()


def _valid_text(arg: str) -> str:
    return arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class _TerminalSafeStream:
    """A text stream whose writes pass through `for_terminal`: whatever a command prints
    (replies, stored history, a server's error message) cannot drive the terminal."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        from localfirst.text.terminal import for_terminal

        self._inner.write(for_terminal(text))
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self._inner, name)


def _terminal_safe_output() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _TerminalSafeStream):
            setattr(sys, name, _TerminalSafeStream(stream))


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush raises no second error."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())
    except (OSError, AttributeError, ValueError):
        pass


if __name__ == "__main__":
    raise SystemExit(main())
