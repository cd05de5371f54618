"""`localfirst ask`: one prompt, the reply streamed to stdout, the route to stderr."""

from __future__ import annotations

import argparse
import asyncio
import sys

from localfirst.cli.common import add_mode_flags, print_json, read_prompt
from localfirst.errors import UserError
from localfirst.types.decision import Override, Target
from localfirst.types.events import (
    Done,
    FellBack,
    Note,
    ReplyRestarted,
    ReplyStats,
    RouteChecked,
    RouteDecided,
    Stored,
    StreamError,
    TextDelta,
    Usage,
)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "ask",
        help="ask one question (reads stdin when PROMPT is absent)",
        description="Route the prompt, stream the reply to stdout; the route goes to stderr.",
    )
    p.add_argument("prompt", nargs="*", help="the prompt; read from stdin when absent")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--continue", dest="continue_", action="store_true", help="continue the latest chat"
    )
    where.add_argument("--chat", type=int, metavar="ID", help="continue the chat with this id")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--cloud", action="store_true", help="ask the cloud for this one message")
    target.add_argument("--local", action="store_true", help="use the local model for this message")
    p.add_argument(
        "--force",
        action="store_true",
        help="with --cloud: send even if the privacy gate flags the payload",
    )
    p.add_argument(
        "--redact",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="send a hard prompt holding personal data to the cloud with that data replaced by "
        "placeholders, restored in the reply (default: [redaction] enabled in the config)",
    )
    p.add_argument(
        "--show-sent",
        action="store_true",
        help="after the reply, print exactly what was sent when it went redacted",
    )
    add_mode_flags(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, services) -> int:
    if args.force and not args.cloud:
        raise UserError("--force only goes with --cloud", "use `localfirst ask --cloud --force`")
    if args.force and args.redact:
        raise UserError(
            "--force sends the payload as it is, --redact replaces its personal data",
            "choose one: `ask --cloud --redact` or `ask --cloud --force`",
        )
    prompt = read_prompt(args.prompt)
    _start_loading(services, local_certain=args.local or services.local_only or services.offline)
    conversation = None
    if args.chat is not None:
        conversation = services.conversation(args.chat)
    elif args.continue_:
        conversation = services.history.latest_conversation()
    override = Override.NONE
    if args.cloud:
        override = Override.CLOUD_FORCE if args.force else Override.CLOUD
    elif args.local:
        override = Override.LOCAL
    session = services.new_session(conversation)
    if args.redact is not None:
        session.redact = args.redact
    return asyncio.run(
        _closing(
            services,
            _ask(services, session, prompt, override, args.json, args.cloud, args.show_sent),
        )
    )


async def _closing(services, work) -> int:
    """Run `work`, then close the cloud clients' connections on the same event loop."""
    try:
        return await work
    finally:
        await services.aclose()


def _start_loading(services, local_certain: bool) -> None:
    """Start the slow loads at once, beside the main thread, instead of when first needed.

    When the model is sure to answer (`local_certain`), only the model loads here: the gate
    merely fills in the reply's record, and the session loads it and checks once the reply
    has ended (see session.chat._CheckBeside). Loading spaCy (mostly Python, holding the GIL)
    beside llama.cpp made each wait on the other's Python work, and the first byte waited for
    the gate's whole load. Otherwise the gate decides the route, and it loads beside the cloud
    SDK's import."""
    import contextlib
    import threading

    def quietly(load) -> None:
        with contextlib.suppress(Exception):  # whoever needs it next reports it, with its fix
            load()

    def cloud_sdk() -> None:
        choice = services.cloud_choice()
        if not isinstance(choice, str) and choice.provider in ("anthropic", "openai"):
            __import__(choice.provider)  # the SDK's import is most of a first request's setup

    backend = None
    if local_certain:
        try:
            backend = services.local_backend()  # made here, so one object is shared
        except UserError:
            backend = None  # no model installed: the route says so
    if local_certain and backend is not None:
        # the gate only fills in the reply's record, and loads once the reply has ended
        loads = [backend.load]
    elif local_certain:
        loads = [services.router.warm_up]  # no model to load: the route will say so
    else:
        loads = [services.router.warm_up, cloud_sdk]
    for load in loads:
        threading.Thread(target=quietly, args=(load,), name="localfirst-load", daemon=True).start()


async def _ask(
    services,
    session,
    prompt: str,
    override: Override,
    as_json: bool,
    cloud_asked: bool,
    show_sent: bool = False,
) -> int:
    from localfirst.explain import fallback_text, route_line

    text: list[str] = []
    notes: list[str] = []
    errors: list[StreamError] = []
    decision = None
    shown_line = ""
    usage = None
    stored = None
    reason = "stop"
    stats = ReplyStats()
    if cloud_asked:
        preview = await asyncio.to_thread(session.preview, prompt, override)
        if preview.target.value != "cloud":
            # --cloud refused (gate findings, no key, offline): say why; nothing is stored or sent
            redaction_would_send = False
            if preview.sensitive and not session.redact:
                redacted = await asyncio.to_thread(session.preview, prompt, override, True)
                redaction_would_send = redacted.redacted
            _refuse_cloud(preview, as_json, redaction_would_send)
            return 3
    stream = session.send(prompt, override)
    # On a terminal the reply streams, and a tier that dies mid-reply is marked where its text
    # stops. Into a pipe only the final answer goes (a program reading it wants one answer, not
    # a dead server's fragment glued to the next one's), so it is written at the end.
    live = not as_json and sys.stdout.isatty()

    def say_route() -> None:
        nonlocal shown_line
        if decision is not None and not shown_line and not as_json:
            shown_line = route_line(decision)
            print(shown_line, file=sys.stderr, flush=True)

    try:
        async for event in stream:
            if isinstance(event, RouteDecided):
                decision = event.decision
                # A local reply's line waits for its first text: llama.cpp points the
                # process's stdout and stderr at /dev/null while a model loads, and the model
                # may be loading on another thread right now.
                if decision.target is Target.CLOUD or not decision.available:
                    say_route()
            elif isinstance(event, RouteChecked):
                decision = event.decision  # the same route, now with the gate's findings
            elif isinstance(event, TextDelta):
                say_route()
                text.append(event.text)
                if live:
                    sys.stdout.write(event.text)
                    sys.stdout.flush()
            elif isinstance(event, ReplyRestarted):
                text.clear()
                notes.append(event.text)
                if live:
                    sys.stdout.write("\n")
                    sys.stdout.flush()
                if not as_json:
                    say_route()
                    print(f"[restarted] {event.text}", file=sys.stderr, flush=True)
            elif isinstance(event, Note | FellBack):
                note = fallback_text(event) if isinstance(event, FellBack) else event.text
                notes.append(note)
                if not as_json:
                    say_route()
                    print(f"\n[note] {note}", file=sys.stderr, flush=True)
            elif isinstance(event, StreamError):
                errors.append(event)
            elif isinstance(event, Usage):
                usage = event
            elif isinstance(event, Stored):
                stored = event
            elif isinstance(event, Done):
                reason = event.reason
                stats = event.stats or stats
    except (KeyboardInterrupt, asyncio.CancelledError):
        session.cancel()
        await stream.aclose()
        reason = "cancelled"
    if not live and not as_json and text:
        sys.stdout.write("".join(text))
    sent_route = _reply_route(services, stored) if show_sent else None
    sent = _sent_messages(sent_route)
    if as_json:
        print_json(
            {
                **({"sent": sent} if show_sent else {}),
                "text": "".join(text),
                "route": _route_record(services, decision, stored),
                "model": stats.model or (decision.model if decision else None),
                "usage": None
                if usage is None
                else {
                    "input_tokens": usage.input_tokens,
                    "output_tokens": usage.output_tokens,
                    "estimated": usage.estimated,
                },
                "finish_reason": reason,
                **_cost(services, stats, decision, usage),
                "notes": notes,
                "errors": [{"kind": e.kind, "message": e.message} for e in errors],
                "conversation_id": stored.conversation_id if stored else None,
            }
        )
    else:
        if text and not "".join(text).endswith("\n"):
            sys.stdout.write("\n")
        if not shown_line:
            say_route()  # a reply that ended without text
        elif decision is not None and route_line(decision) != shown_line:
            # the reply streamed before the privacy check ended; this is what it found
            sys.stdout.flush()
            print(route_line(decision), file=sys.stderr, flush=True)
        for error in errors:
            print(f"localfirst: {error.message}", file=sys.stderr)
        if show_sent:
            _print_sent(sent_route)
        if errors and stored:
            print(
                f"  your prompt is saved in chat {stored.conversation_id}; "
                f"see it with `localfirst history show {stored.conversation_id}`",
                file=sys.stderr,
            )
    if reason == "cancelled":
        return 130
    return 1 if errors and reason == "error" else 0


def _cost(services, stats: ReplyStats, decision, usage) -> dict:
    if decision is None or usage is None:
        return {}
    target = decision.target
    if target.value == "cloud" and stats.model == decision.model:
        return services.reply_cost(target, decision.model, usage.input_tokens, usage.output_tokens)
    return services.reply_cost(Target.LOCAL, "", usage.input_tokens, usage.output_tokens)


def _reply_route(services, stored) -> dict | None:
    """The stored reply's route record, which holds what was sent when it went redacted."""
    if stored is None or not stored.assistant_message_id:
        return None
    for message in services.history.messages(stored.conversation_id):
        if message.id == stored.assistant_message_id:
            return message.route
    return None


def _sent_messages(route: dict | None) -> list[dict] | None:
    """Exactly what the cloud received for this reply when it went redacted, for JSON."""
    from localfirst.redaction.transcript import sent_payload

    payload = sent_payload(route)
    return None if payload is None else [m.as_dict() for m in payload]


def _print_sent(route: dict | None) -> None:
    from localfirst.redaction.transcript import describe_sent

    sent = describe_sent(route)
    if not sent:
        print("(nothing was sent redacted for this reply)", file=sys.stderr)
        return
    print("--- sent to the cloud (redacted) ---", file=sys.stderr)
    print(sent + "\n", file=sys.stderr)
    print("--- end of what was sent ---", file=sys.stderr, flush=True)


def _refuse_cloud(decision, as_json: bool, redaction_would_send: bool = False) -> None:
    reason = "; ".join(decision.reasons)
    hint = ""
    if decision.sensitive and redaction_would_send:
        hint = (
            "add --redact to send it with the personal data replaced, or --force to send it as is"
        )
    elif decision.sensitive:
        hint = "add --force to send it anyway"
    if as_json:
        print_json({"text": "", "route": decision.as_dict(), "refused": True, "hint": hint})
    print(f"localfirst: not sent to the cloud: {reason}", file=sys.stderr)
    if hint:
        print(f"  hint: {hint}", file=sys.stderr)


def _route_record(services, decision, stored) -> dict | None:
    """The route as stored with the reply: the decision, plus who answered when a later tier
    or the local model took over (`fallback`) and whether usage was estimated."""
    if decision is None:
        return None
    record = decision.as_dict()
    reply_id = stored.assistant_message_id if stored else 0
    if reply_id:
        for message in services.history.messages(stored.conversation_id):
            if message.id == reply_id and message.route:
                for key in ("fallback", "usage_estimated", "target"):
                    if key in message.route:
                        record[key] = message.route[key]
    return record
