"""`localfirst models`: list, download, import, choose, inspect and remove local GGUF models."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from localfirst.cli.common import add_mode_flags
from localfirst.errors import UserError


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "models", help="manage local models", description="Manage local models."
    )
    sub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    lst = sub.add_parser("list", help="installed models (--available: ones to download)")
    lst.add_argument(
        "--available",
        action="store_true",
        help="the models `pull` can download, and the one suggested for this machine",
    )
    pull = sub.add_parser(
        "pull",
        help="download a model from Hugging Face",
        description="Download a GGUF model into the Hugging Face cache, verify it and install it. "
        "With no argument: the model suggested for this machine (asks first). HF_ENDPOINT, "
        "HF_TOKEN and HF_HUB_OFFLINE are honoured; an interrupted download resumes.",
    )
    pull.add_argument(
        "target",
        nargs="*",
        metavar="NAME | REPO FILE",
        help="a name from `models list --available`, or a Hub repo and a .gguf file in it",
    )
    pull.add_argument(
        "--name", help="the name to install it under (default: the preset's or file's)"
    )
    pull.add_argument("--revision", help="branch, tag or commit to download (default: main)")
    pull.add_argument(
        "--default", dest="make_default", action="store_true", help="make it the default model"
    )
    pull.add_argument(
        "-y", "--yes", action="store_true", help="download the suggested model without asking"
    )
    add_mode_flags(pull)
    imp = sub.add_parser("import", help="register a GGUF file already on disk")
    imp.add_argument("file", type=Path)
    imp.add_argument("--name", help="the name to use (default: from the file name)")
    use = sub.add_parser("use", help="make a model the default")
    use.add_argument("name")
    rm = sub.add_parser("rm", help="forget a model (its file stays on disk)")
    rm.add_argument("name")
    info = sub.add_parser("info", help="what a model is and how it will run")
    info.add_argument("name")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, services) -> int:
    registry = services.registry
    action = args.models_command
    if action == "list":
        return _list_available(registry) if args.available else _list_installed(registry)
    if action == "pull":
        return _pull(args, registry)
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
        if model.source == "import":
            print(f"removed {model.name} (the file was left on disk)")
        elif model.source.startswith("hf:"):
            print(
                f"removed {model.name} (the file stays in the Hugging Face cache, "
                f"shared with other tools: {model.path})"
            )
        else:
            print(f"removed {model.name}")
        return 0
    if action == "info":
        return _info(args.name, registry)
    raise UserError(f"unknown action {action}")


# list


def _list_installed(registry) -> int:
    models = registry.list()
    if not models:
        print(
            "no models installed; `localfirst models pull` downloads one "
            "(see `localfirst models list --available`), "
            "`localfirst models import FILE.gguf` registers one you have"
        )
        return 0
    default = registry.default_name()
    for m in models:
        mark = "*" if m.name == default else " "
        print(f"{mark} {m.name:<32} {_size(m.size):>9}  {m.architecture:<10} {m.path}")
    return 0


def _list_available(registry) -> int:
    from localfirst.models.presets import choose_preset, load_presets, probe_machine

    presets = load_presets()
    machine = probe_machine()
    choice = choose_preset(presets, machine)
    installed = {m.source for m in registry.list()} | {m.name for m in registry.list()}
    print(f"  {'NAME':<14} {'SIZE':>8}  {'PARAMS':>6}  {'CONTEXT':>7}  {'LICENCE':<10}  MODEL")
    for p in presets:
        notes = []
        if p.source in installed or p.name in installed:
            notes.append("installed")
        if p is choice.preset:
            notes.append("suggested")
        mark = "*" if p is choice.preset else " "
        print(
            f"{mark} {p.name:<14} {_size(p.size):>8}  {p.params_b:>5.1f}B  "
            f"{p.context_length // 1024:>6}k  {p.license:<10}  {p.title}"
            + (f"  ({', '.join(notes)})" if notes else "")
        )
    print(
        f"\n* suggested for this machine ({machine.describe()}): {choice.preset.name}, "
        f"{choice.reason}\n`localfirst models pull NAME` downloads one; "
        "`localfirst models pull OWNER/REPO FILE.gguf` any other GGUF on the Hub"
    )
    return 0


# pull


def _pull(args: argparse.Namespace, registry) -> int:
    from localfirst.models.hub import DownloadCancelled, pull_and_register
    from localfirst.models.presets import get_preset

    targets = args.target
    if len(targets) > 2:
        raise UserError("too many arguments", "give a preset NAME, or a Hub REPO and a FILE in it")
    if not targets:
        preset = _suggest_preset(args.yes)
        if preset is None:
            print("nothing downloaded")
            return 0
        repo, filename, name = preset.repo, preset.file, args.name or preset.name
    elif len(targets) == 1:
        preset = get_preset(targets[0])
        if preset is None:
            if "/" in targets[0]:
                raise UserError(
                    f"'{targets[0]}' looks like a Hub repository: name the file too",
                    f"localfirst models pull {targets[0]} FILE.gguf",
                )
            raise UserError(
                f"no model named '{targets[0]}' to download",
                "see `localfirst models list --available`, or pull any GGUF with "
                "`localfirst models pull OWNER/REPO FILE.gguf`",
            )
        repo, filename, name = preset.repo, preset.file, args.name or preset.name
    else:
        preset = None
        (repo, filename), name = targets, args.name
    print(
        f"pulling {filename} from {repo}" + (f" ({_size(preset.size)})" if preset else ""),
        file=sys.stderr,
    )
    try:
        with _ProgressDisplay() as display:
            model = pull_and_register(
                repo,
                filename,
                registry,
                name=name,
                make_default=args.make_default,
                revision=args.revision,
                progress=display.update,
            )
    except (KeyboardInterrupt, DownloadCancelled):
        print(
            "localfirst: download stopped; run the same command again to resume it",
            file=sys.stderr,
        )
        return 130
    print(f"pulled {model.name} ({_size(model.size)}, {model.architecture}), SHA-256 verified")
    print(f"  file: {model.path}")
    if registry.default_name() == model.name:
        print(f"default model: {model.name}")
    else:
        print(f"make it the default with `localfirst models use {model.name}`")
    return 0


def _suggest_preset(assume_yes: bool):
    """Offer the preset suggested for this machine, with its size, before downloading it."""
    from localfirst.models.presets import choose_preset, load_presets, probe_machine

    machine = probe_machine()
    choice = choose_preset(load_presets(), machine)
    preset = choice.preset
    print(
        f"Suggested for this machine ({machine.describe()}): {preset.name}, {preset.title} "
        f"({preset.quant}), a {_size(preset.size)} download under the {preset.license} licence; "
        f"{choice.reason}."
    )
    if assume_yes:
        return preset
    if not sys.stdin.isatty():
        raise UserError(
            "not downloading without a yes",
            "run `localfirst models pull --yes` to download it, or `localfirst models pull NAME` "
            "for another (see `localfirst models list --available`)",
        )
    answer = input(f"Download {preset.name} ({_size(preset.size)})? [y/N] ")
    return preset if answer.strip().lower() in ("y", "yes") else None


class _ProgressDisplay:
    """A rich progress bar on stderr: one bar for the download, one for checking a cached file."""

    def __enter__(self) -> _ProgressDisplay:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description:<11}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self._tasks: dict[str, int] = {}
        self._progress.__enter__()
        return self

    def update(self, event) -> None:
        task = self._tasks.get(event.phase)
        if task is None:
            label = "downloading" if event.phase == "download" else "verifying"
            # a resumed download starts part-way: not bytes transferred now, so not in the speed
            task = self._tasks[event.phase] = self._progress.add_task(
                label, total=event.total, completed=event.downloaded
            )
        self._progress.update(task, completed=event.downloaded, total=event.total)

    def __exit__(self, *exc_info) -> None:
        self._progress.__exit__(*exc_info)


# info


def _info(name: str, registry) -> int:
    from localfirst.models.presets import get_preset, preset_for_source

    model = registry.get(name)
    if model is None:
        preset = get_preset(name)
        if preset is None:
            raise UserError(
                f"no installed model named '{name}'",
                "see `localfirst models list` (and `--available` for ones to download)",
            )
        _print_rows(
            [
                ("name", preset.name),
                ("model", preset.title),
                ("hub", f"{preset.repo} · {preset.file}"),
                ("quantisation", preset.quant),
                ("download", _size(preset.size)),
                ("parameters", f"{preset.params_b:.1f}B"),
                ("trained context", f"{preset.context_length:,}"),
                ("licence", preset.license),
                ("chat format", preset.chat_format),
                ("installed", f"no: `localfirst models pull {preset.name}`"),
            ]
        )
        return 0
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
    preset = preset_for_source(model.source)
    if preset is not None:
        rows += [("model", preset.title), ("licence", preset.license)]
    _print_rows(rows)
    return 0


def _print_rows(rows: list[tuple[str, str]]) -> None:
    for key, value in rows:
        print(f"{key:>16}: {value}")


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"
