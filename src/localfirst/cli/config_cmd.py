"""`localfirst config`: where the config file is, and what is in effect."""

from __future__ import annotations

import argparse

from localfirst.config import render_config


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "config", help="show the configuration", description="Show the configuration."
    )
    sub = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    sub.add_parser("path", help="print the config file's path")
    sub.add_parser("show", help="print the effective configuration as TOML")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, services) -> int:
    if args.config_command == "path":
        print(services.paths.config_file)
        return 0
    exists = services.paths.config_file.exists()
    origin = services.paths.config_file if exists else "defaults (no config file yet)"
    print(f"# effective configuration: {origin}")
    print(render_config(services.config))
    return 0
