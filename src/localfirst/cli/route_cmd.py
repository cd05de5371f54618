"""`localfirst route`: the routing decision for a prompt (or a batch), without generating."""

from __future__ import annotations

import argparse
import json
import sys

from localfirst.cli.common import add_mode_flags, print_json, read_prompt
from localfirst.errors import UserError
from localfirst.types.messages import ChatMessage, Role


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "route",
        help="show where a prompt would go and why",
        description="Explain the routing decision for PROMPT without generating a reply.",
    )
    p.add_argument("prompt", nargs="*", help="the prompt; read from stdin when absent")
    p.add_argument("--json", action="store_true", help="print the decision as JSON")
    p.add_argument(
        "--batch",
        metavar="FILE",
        help="JSON Lines with `id` and `text` per record ('-' for stdin); one decision a line",
    )
    p.add_argument(
        "--redact",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="consider the redacted cloud route (default: [redaction] enabled in the config)",
    )
    add_mode_flags(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, services) -> int:
    router = services.router
    redact = services.config.redaction.enabled if args.redact is None else args.redact
    redaction = frozenset(services.config.redaction.types) if redact else None
    if args.batch:
        if args.prompt:
            raise UserError("give either a PROMPT or --batch FILE, not both")
        return _batch(args.batch, router, services.mode, redaction)
    prompt = read_prompt(args.prompt)
    decision = router.route([ChatMessage(Role.USER, prompt)], services.mode, redaction=redaction)
    if args.json:
        print_json(decision.as_dict())
    else:
        where = decision.model or "no model"
        print(f"{decision.route_name} ({where}): {'; '.join(decision.reasons)}")
    return 0


def _batch(path: str, router, mode, redaction: frozenset[str] | None = None) -> int:
    """Route each record with the same loaded gate and scorer; bad lines are reported, not fatal."""
    try:
        # bad bytes are kept as surrogates so the line they are on can be reported and routed
        stream = (
            open(sys.stdin.fileno(), encoding="utf-8", errors="surrogateescape", closefd=False)  # noqa: SIM115
            if path == "-"
            else open(path, encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
        )
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    bad = 0
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            if _has_bad_bytes(line):
                line = line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                print(
                    f"localfirst: {path}:{number}: not valid UTF-8; the bad bytes were read as U+FFFD",
                    file=sys.stderr,
                )
            record, problem = _parse_record(line)
            if problem:
                bad += 1
                print(f"localfirst: {path}:{number}: {problem}", file=sys.stderr)
                print_json(
                    {"id": record.get("id") if record else None, "line": number, "error": problem}
                )
                continue
            decision = router.route(
                [ChatMessage(Role.USER, record["text"])], mode, redaction=redaction
            )
            print_json({"id": record.get("id"), **decision.as_dict()})
    return 1 if bad else 0


def _has_bad_bytes(line: str) -> bool:
    return any("\udc80" <= c <= "\udcff" for c in line)


def _parse_record(line: str) -> tuple[dict | None, str | None]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg})"
    if not isinstance(record, dict):
        return None, "each line must be a JSON object with `id` and `text`"
    if not isinstance(record.get("text"), str):
        return record, "the record has no string `text` field"
    return record, None
