#!/usr/bin/env python
"""Fails unless a built wheel carries every data file the app needs at run time."""

from __future__ import annotations

import sys
import zipfile

REQUIRED_SUFFIXES = {
    "theme files": "localfirst/themes/",
    "TUI stylesheet": ".tcss",
    "model presets": "localfirst/models/presets.toml",
    "scorer weights": "localfirst/complexity/",
}


def missing_parts(names: list[str]) -> list[str]:
    missing = []
    for label, marker in REQUIRED_SUFFIXES.items():
        if not any(marker in name or name.endswith(marker) for name in names):
            missing.append(f"{label} ({marker})")
    if not any(n.startswith("localfirst/themes/") and not n.endswith("/") for n in names):
        missing.append("at least one theme file")
    return missing


def main(wheel: str) -> int:
    names = zipfile.ZipFile(wheel).namelist()
    problems = missing_parts(names)
    if any(name.startswith(("tests/", "localfirst/tests/")) for name in names):
        problems.append("tests must not ship in the wheel")
    for problem in problems:
        print(f"{wheel}: missing {problem}", file=sys.stderr)
    print(f"{wheel}: {len(names)} files, {'OK' if not problems else 'INCOMPLETE'}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
