"""`localfirst history`: list, show and search past conversations, and show what left."""

from __future__ import annotations

import argparse
import time

from localfirst.cli.common import print_json
from localfirst.types.events import SENT_KEY


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "history", help="past conversations", description="Past conversations."
    )
    sub = p.add_subparsers(dest="history_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="recent conversations")
    show = sub.add_parser("show", help="print a conversation")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    sent = sub.add_parser(
        "sent",
        help="exactly what left this machine for a reply",
        description="Print the requests that went to a cloud or private server for reply ID, "
        "as JSON: the messages as they went out (placeholders where redaction replaced "
        "values), the provider and model, and the time. `history show` names the IDs.",
    )
    sent.add_argument("id", type=int, help="the reply's message id")
    search = sub.add_parser("search", help="full-text search")
    search.add_argument("query", nargs="+")
    sub.add_parser(
        "repair",
        help="move a damaged history file aside and start a fresh one",
        description="Rename history.sqlite3 to history.sqlite3.damaged-DATE (nothing is "
        "deleted) and start a fresh history.",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, services) -> int:
    if args.history_command == "repair":
        return _repair(services)
    if args.history_command == "sent":
        return _sent(services, args.id)
    history = services.history
    if args.history_command == "list":
        for conv in history.list_conversations():
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(conv.updated_at))
            lock = " [private]" if conv.sensitive else ""
            print(f"{conv.id:>5}  {when}  {conv.title or '(untitled)'}{lock}")
        return 0
    if args.history_command == "show":
        conv = services.conversation(args.id)
        if args.json:
            print_json(
                {
                    "id": conv.id,
                    "title": conv.title,
                    "sensitive": conv.sensitive,
                    "messages": [
                        {
                            "role": str(m.role),
                            "content": m.content,
                            "status": str(m.status),
                            "model": m.model,
                            "route": m.route,
                        }
                        for m in conv.messages
                    ],
                }
            )
            return 0
        print(f"# {conv.title or '(untitled)'}")
        for m in conv.messages:
            status = "" if m.status.value == "complete" else f" [{m.status}]"
            print(f"\n## {m.role}{status}\n{m.content}")
            if m.route and m.route.get(SENT_KEY):
                print(
                    f"\n  (left this machine: `localfirst history sent {m.id}` shows exactly what)"
                )
        return 0
    for conv_id, _msg_id, snippet in history.search(" ".join(args.query)):
        print(f"{conv_id:>5}  {snippet}")
    return 0


def _sent(services, message_id: int) -> int:
    from localfirst.errors import UserError

    message = services.history.get_message(message_id)
    if message is None:
        raise UserError(
            f"no message with id {message_id}",
            "`localfirst history show CONVERSATION` names the replies that left this machine",
        )
    sent = (message.route or {}).get(SENT_KEY)
    if not sent:
        print(f"message {message_id}: nothing left this machine for it (answered in-process)")
        return 0
    print_json({"message_id": message_id, "conversation_id": message.conversation_id, "sent": sent})
    return 0


def _repair(services) -> int:
    from localfirst.storage.history import move_aside

    path = services.paths.history_db
    if not path.exists():
        print(f"no history file at {path}; nothing to do")
        return 0
    moved = move_aside(path)
    print(f"moved {path.name} aside as {moved} (nothing was deleted); a fresh history starts now")
    return 0
