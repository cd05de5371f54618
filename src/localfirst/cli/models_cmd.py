"""`localfirst models`: list, import, choose, inspect and remove local GGUF models."""

from __future__ import annotations

import argparse
from pathlib import Path

from localfirst.errors import UserError


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "models", help="manage local models", description="Manage local models."
    )
    sub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="installed models")
    imp = sub.add_parser("import", help="register a GGUF file already on disk")
    imp.add_argument("file", type=Path)
    imp.add_argument("--name", help="the name to use (default: from the file name)")
    use = sub.add_parser("use", help="make a model the default")
    use.add_argument("name")
    rm = sub.add_parser("rm", help="forget a model (an imported file stays on disk)")
    rm.add_argument("name")
    info = sub.add_parser("info", help="what a model is and how it will run")
    info.add_argument("name")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, services) -> int:
    registry = services.registry
    action = args.models_command
    if action == "list":
        models = registry.list()
        if not models:
            print("no models installed; `localfirst models import FILE.gguf` registers one")
            return 0
        default = registry.default_name()
        for m in models:
            mark = "*" if m.name == default else " "
            print(f"{mark} {m.name:<32} {_size(m.size):>9}  {m.architecture:<10} {m.path}")
        return 0
    if action == "import":
        model = registry.import_file(args.file, args.name)
        print(
            f"imported {model.name} ({_size(model.size)}, {model.architecture}) from {model.path}"
        )
        return 0
    if action == "use":
        print(f"default model: {registry.set_default(args.name).name}")
        return 0
    if action == "rm":
        model = registry.remove(args.name)
        print(
            f"removed {model.name}"
            + (" (the file was left on disk)" if model.source == "import" else "")
        )
        return 0
    if action == "info":
        model = registry.get(args.name)
        if model is None:
            raise UserError(
                f"no installed model named '{args.name}'", "see `localfirst models list`"
            )
        from localfirst.backends.chat_formats import format_for_architecture

        chat = (
            "from the file"
            if model.has_chat_template
            else f"{format_for_architecture(model.architecture)} (from the architecture)"
        )
        rows = [
            ("name", model.name),
            ("file", model.path),
            ("size", _size(model.size)),
            ("architecture", model.architecture),
            ("trained context", f"{model.context_length:,}" if model.context_length else "unknown"),
            ("chat format", chat),
            ("source", model.source),
        ]
        for key, value in rows:
            print(f"{key:>16}: {value}")
        return 0
    raise UserError(f"unknown action {action}")


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"
