#!/usr/bin/env python
"""Write a large synthetic history: N conversations of M messages, for bench_history.py.

The text is made up here from a fixed vocabulary and a fixed seed, so two runs write the same
file; it holds no real data. One conversation has LONG_CHAT messages (for "open a long chat"),
one message holds RARE_WORD (for a rare search) and COMMON_WORD is in about a third of them.
    .venv/bin/python scripts/make_history.py OUT.sqlite3 [--conversations 10000] [--messages 20]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

RARE_WORD = "quetzalcoatlus"
COMMON_WORD = "kettle"
LONG_CHAT = 200
WORDS = [
    line
    for line in (Path(__file__).parent / "data" / "filler_words.txt").read_text().split("\n")
    if line and not line.startswith("#")
]


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    if rng.random() < 0.33:
        text += f" {COMMON_WORD}"
    return text[0].upper() + text[1:] + "."


def message_text(rng: random.Random, role: str) -> str:
    sentences = rng.randint(1, 2) if role == "user" else rng.randint(2, 4)
    return " ".join(sentence(rng, rng.randint(6, 16)) for _ in range(sentences))


def make_history(path: Path, conversations: int, messages: int, seed: int = 7) -> dict:
    from localfirst.storage.history import History

    rng = random.Random(seed)
    history = History(path)
    db = history.db
    now = time.time() - conversations * 60
    route = json.dumps(
        {
            "target": "local",
            "rule": "simple",
            "model": "gemma-3-270m",
            "reasons": ["complexity 0.12 < 0.50: simple enough for the local model"],
            "available": True,
        }
    )
    long_id = rare_id = 0
    with db:
        db.execute("BEGIN")
        for number in range(conversations):
            created = now + number * 60
            count = LONG_CHAT if number == conversations // 2 else messages
            cur = db.execute(
                "INSERT INTO conversations (title, created_at, updated_at) VALUES (?, ?, ?)",
                (f"Chat {number}: {rng.choice(WORDS)} {rng.choice(WORDS)}", created, created),
            )
            conversation_id = int(cur.lastrowid)
            if count == LONG_CHAT:
                long_id = conversation_id
            rows = []
            for index in range(count):
                role = "user" if index % 2 == 0 else "assistant"
                text = message_text(rng, role)
                if number == conversations // 3 and index == 5:
                    text += f" A {RARE_WORD} once flew here."
                rows.append(
                    (
                        conversation_id,
                        role,
                        text,
                        "complete",
                        route if role == "assistant" else None,
                        "gemma-3-270m" if role == "assistant" else "",
                        created + index,
                    )
                )
            db.executemany(
                "INSERT INTO messages (conversation_id, role, content, status, route, model,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        rare_id = db.execute(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?", (RARE_WORD,)
        ).fetchone()[0]
    history.close()
    return {"long_chat": long_id, "rare_message": rare_id}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=20)
    args = parser.parse_args()
    if args.out.exists():
        print(f"{args.out} exists; remove it first", file=sys.stderr)
        return 1
    started = time.perf_counter()
    made = make_history(args.out, args.conversations, args.messages)
    size = args.out.stat().st_size / 1e6
    print(f"wrote {args.out}: {size:.1f} MB in {time.perf_counter() - started:.1f} s; {made}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
