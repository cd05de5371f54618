"""Conversation history in a SQLite file (WAL mode, migrations keyed on `PRAGMA user_version`).

The user's turn is written before generation starts, so nothing typed is ever lost, even if
the process dies mid-reply. Replies are written as they finish, with their route and usage.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from localfirst.errors import UserError
from localfirst.types.messages import Conversation, MessageStatus, Role, StoredMessage
from localfirst.types.verdict import Finding, findings_from_json_rows, findings_to_json, text_digest

# Each migration takes the schema from version i to i + 1. Never edit one that has shipped.
MIGRATIONS: list[str] = [
    # 0 -> 1: conversations, messages, and a full-text index over message content
    """
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        sensitive INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        status TEXT NOT NULL,
        route TEXT,
        model TEXT NOT NULL DEFAULT '',
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL
    );
    CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        content, content='messages', content_rowid='id'
    );
    CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END;
    CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content) VALUES('delete', old.id, old.content);
    END;
    CREATE TRIGGER messages_au AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content) VALUES('delete', old.id, old.content);
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END;
    """,
    # 1 -> 2: a reply names the prompt it answers (two writers cannot interleave turns), and a
    # reply still streaming names its process (a crash leaves no row pending for ever)
    """
    ALTER TABLE messages ADD COLUMN reply_to INTEGER;
    ALTER TABLE messages ADD COLUMN writer_pid INTEGER;
    """,
    # 2 -> 3: the sidebar's order as an index, so its pages stay cheap in a long history
    """
    CREATE INDEX conversations_by_update ON conversations(updated_at DESC, id DESC);
    """,
    # 3 -> 4: the privacy gate's findings per message text (types and spans, never values),
    # so routing turn 200 after a restart analyses only the new prompt
    """
    CREATE TABLE gate_findings (
        digest TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        findings TEXT NOT NULL,
        PRIMARY KEY (digest, fingerprint)
    ) WITHOUT ROWID;
    """,
]
# SQLite's default limit on host parameters is 999 in older builds
_PARAMETERS_PER_QUERY = 500

SCHEMA_VERSION = len(MIGRATIONS)
DAMAGED_SUFFIX = ".damaged-"


class DamagedHistory(UserError):
    """The history file is damaged; `localfirst history repair` moves it aside."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(
            f"the history file {path} is damaged ({detail})",
            "run `localfirst history repair` to move it aside (nothing is deleted) and start "
            "a fresh one",
        )
        self.path = path


def _locked(method):
    """Serialise a History method: one connection is shared by the UI and worker threads."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            try:
                return method(self, *args, **kwargs)
            except sqlite3.DatabaseError as exc:
                if _is_damage(exc):
                    raise DamagedHistory(self.path, str(exc)) from exc
                raise

    return wrapper


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


def move_aside(path: Path, clock: Callable[[], float] = time.time) -> Path:
    """Rename a damaged history (and its WAL files) to `history.sqlite3.damaged-DATE`."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(clock()))
    target = path.with_name(f"{path.name}{DAMAGED_SUFFIX}{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.rename(target.with_name(target.name + suffix))
    return target


class History:
    """The chat history. `moved_aside` is set when a damaged file was found at open, moved
    aside and replaced by a fresh one: the front ends say so."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self.moved_aside: Path | None = None
        self._lock = threading.RLock()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                raise
            if getattr(self, "db", None) is not None:
                self.db.close()
            self.moved_aside = move_aside(path, clock)
            self._open()

    def _open(self) -> None:
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA busy_timeout=5000")
        self._migrate()
        self._mark_interrupted()

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise UserError(
                f"{self.path}: history was written by a newer localfirst (schema {version})",
                "upgrade localfirst to open it",
            )
        for target in range(version, SCHEMA_VERSION):
            # one transaction for the statements and the version: executescript() would
            # commit the BEGIN and leave a half schema behind a failed migration
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                for statement in _statements(MIGRATIONS[target]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {target + 1}")

    def _mark_interrupted(self) -> None:
        """Replies left pending by a process that is gone (killed, crashed) become incomplete."""
        rows = self.db.execute(
            "SELECT id, writer_pid FROM messages WHERE status = ?", (str(MessageStatus.PENDING),)
        ).fetchall()
        gone = [r["id"] for r in rows if not _process_alive(r["writer_pid"])]
        if gone:
            with self.db:
                self.db.execute("BEGIN")
                self.db.executemany(
                    "UPDATE messages SET status = ? WHERE id = ?",
                    [(str(MessageStatus.INCOMPLETE), i) for i in gone],
                )

    # conversations

    @_locked
    def create_conversation(self, title: str = "") -> Conversation:
        now = self.clock()
        cur = self.db.execute(
            "INSERT INTO conversations(title, created_at, updated_at) VALUES (?, ?, ?)",
            (title, now, now),
        )
        return Conversation(int(cur.lastrowid), title, now, now)

    @_locked
    def get_conversation(
        self, conversation_id: int, with_messages: bool = True
    ) -> Conversation | None:
        row = self.db.execute(
            "SELECT * FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            return None
        conv = _conversation(row)
        if with_messages:
            conv.messages = self.messages(conversation_id)
        return conv

    @_locked
    def latest_conversation(self) -> Conversation | None:
        row = self.db.execute(
            "SELECT id FROM conversations ORDER BY updated_at DESC, id DESC LIMIT 1"
        ).fetchone()
        return self.get_conversation(row["id"]) if row else None

    @_locked
    def list_conversations(
        self, limit: int = 200, after: Conversation | None = None
    ) -> list[Conversation]:
        """The newest `limit` conversations, or the next `limit` older than `after` (a page
        of the sidebar); keyset paging, so a page deep in a long history costs what the first
        one does."""
        if after is None:
            rows = self.db.execute(
                "SELECT * FROM conversations ORDER BY updated_at DESC, id DESC LIMIT ?", (limit,)
            ).fetchall()
        else:
            rows = self.db.execute(
                "SELECT * FROM conversations WHERE (updated_at, id) < (?, ?)"
                " ORDER BY updated_at DESC, id DESC LIMIT ?",
                (after.updated_at, after.id, limit),
            ).fetchall()
        return [_conversation(r) for r in rows]

    @_locked
    def titles(self, conversation_ids: list[int]) -> dict[int, str]:
        """The titles of these conversations (those that still exist)."""
        if not conversation_ids:
            return {}
        marks = ",".join("?" * len(conversation_ids))
        rows = self.db.execute(
            f"SELECT id, title FROM conversations WHERE id IN ({marks})", conversation_ids
        ).fetchall()
        return {r["id"]: r["title"] for r in rows}

    @_locked
    def rename_conversation(self, conversation_id: int, title: str) -> None:
        self.db.execute(
            "UPDATE conversations SET title = ? WHERE id = ?", (title.strip(), conversation_id)
        )

    @_locked
    def mark_sensitive(self, conversation_id: int, retitle: tuple[str, str] | None = None) -> None:
        """Flag the chat private; `retitle` = (title made from the prompt, its redacted form)
        replaces a title that was made from the private prompt, never one the user chose."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute(
                "UPDATE conversations SET sensitive = 1 WHERE id = ?", (conversation_id,)
            )
            if retitle is not None:
                self.db.execute(
                    "UPDATE conversations SET title = ? WHERE id = ? AND title = ?",
                    (retitle[1], conversation_id, retitle[0]),
                )

    @_locked
    def delete_conversation(self, conversation_id: int) -> None:
        with self.db:
            self.db.execute("BEGIN")
            contents = self.db.execute(
                "SELECT content FROM messages WHERE conversation_id = ?", (conversation_id,)
            ).fetchall()
            self._forget_findings([row[0] for row in contents])
            self.db.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
            self.db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    @_locked
    def search(
        self, query: str, limit: int = 50, marks: tuple[str, str] = ("[", "]")
    ) -> list[tuple[int, int, str]]:
        """Full-text search: (conversation id, message id, snippet) for each hit, newest
        first; `marks` open and close each matched word in the snippet.

        Newest first is what a chat history is searched for, and it is what FTS5 can answer
        without ranking every match: a word in a third of 200,000 messages takes 0.2 ms this
        way and about 120 ms by bm25 rank (scripts/bench_history.py)."""
        terms = " ".join('"' + t.replace('"', '""') + '"' for t in query.split())
        if not terms:
            return []
        rows = self.db.execute(
            """SELECT m.conversation_id, m.id,
                      snippet(messages_fts, 0, ?, ?, '…', 12) AS snip
               FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
               WHERE messages_fts MATCH ? ORDER BY messages_fts.rowid DESC LIMIT ?""",
            (marks[0], marks[1], terms, limit),
        ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    # messages

    @_locked
    def add_message(
        self,
        conversation_id: int,
        role: Role,
        content: str,
        status: MessageStatus = MessageStatus.COMPLETE,
        route: dict | None = None,
        model: str = "",
        reply_to: int | None = None,
    ) -> StoredMessage:
        """`reply_to`: the prompt a reply answers; it is listed right after that prompt."""
        now = self.clock()
        writer = os.getpid() if status is MessageStatus.PENDING else None
        with self.db:
            self.db.execute("BEGIN")
            cur = self.db.execute(
                """INSERT INTO messages(conversation_id, role, content, status, route, model,
                                        created_at, reply_to, writer_pid)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    conversation_id,
                    str(role),
                    content,
                    str(status),
                    _json(route),
                    model,
                    now,
                    reply_to,
                    writer,
                ),
            )
            self.db.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id)
            )
            if role is Role.USER:
                self.db.execute(
                    "UPDATE conversations SET title = ? WHERE id = ? AND title = ''",
                    (title_from(content), conversation_id),
                )
        return StoredMessage(
            int(cur.lastrowid), conversation_id, role, content, status, route, model, 0, 0, now
        )

    @_locked
    def update_message(
        self,
        message_id: int,
        *,
        content: str | None = None,
        status: MessageStatus | None = None,
        route: dict | None = None,
        model: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
    ) -> None:
        updates = {
            "content": content,
            "status": None if status is None else str(status),
            "route": _json(route),
            "model": model,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
        }
        sets = {k: v for k, v in updates.items() if v is not None}
        if not sets:
            return
        assignments = ", ".join(f"{k} = ?" for k in sets)
        self.db.execute(
            f"UPDATE messages SET {assignments} WHERE id = ?", (*sets.values(), message_id)
        )

    @_locked
    def get_message(self, message_id: int) -> StoredMessage | None:
        row = self.db.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()
        return None if row is None else _message(row)

    @_locked
    def delete_message(self, message_id: int) -> None:
        with self.db:
            self.db.execute("BEGIN")
            row = self.db.execute(
                "SELECT content FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is not None:
                self._forget_findings([row[0]])
            self.db.execute("DELETE FROM messages WHERE id = ?", (message_id,))

    # the privacy gate's stored findings (the gate's FindingsStore)

    @_locked
    def load_findings(self, fingerprint: str, digests: list[str]) -> dict[str, tuple[Finding, ...]]:
        """Read on every restart for each earlier turn of a chat, so kept lean: plain tuples,
        not `sqlite3.Row`s."""
        found: dict[str, tuple[Finding, ...]] = {}
        cursor = self.db.cursor()
        cursor.row_factory = None
        for start in range(0, len(digests), _PARAMETERS_PER_QUERY):
            chunk = digests[start : start + _PARAMETERS_PER_QUERY]
            rows = cursor.execute(
                f"""SELECT digest, findings FROM gate_findings
                    WHERE fingerprint = ? AND digest IN ({",".join("?" * len(chunk))})""",
                (fingerprint, *chunk),
            ).fetchall()
            found.update(
                zip(
                    (row[0] for row in rows),
                    findings_from_json_rows([row[1] for row in rows]),
                    strict=True,
                )
            )
        return found

    @_locked
    def save_findings(self, fingerprint: str, entries) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT OR REPLACE INTO gate_findings (digest, fingerprint, findings)"
                " VALUES (?, ?, ?)",
                [(d, fingerprint, findings_to_json(f)) for d, f in entries.items()],
            )

    def _forget_findings(self, contents: list[str]) -> None:
        """A deleted message's text leaves no trace, not even the digest of its findings."""
        digests = [text_digest(text) for text in contents]
        for start in range(0, len(digests), _PARAMETERS_PER_QUERY):
            chunk = digests[start : start + _PARAMETERS_PER_QUERY]
            self.db.execute(
                f"DELETE FROM gate_findings WHERE digest IN ({','.join('?' * len(chunk))})", chunk
            )

    @_locked
    def messages(self, conversation_id: int) -> list[StoredMessage]:
        rows = self.db.execute(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY COALESCE(reply_to, id), id",
            (conversation_id,),
        ).fetchall()
        return [_message(r) for r in rows]


def _statements(script: str) -> list[str]:
    """A migration script as single statements (a trigger's body stays whole)."""
    statements, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n\t;"):
                statements.append(current.strip())
            current = ""
    return statements


def _process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    except OSError:
        return False
    return True


def _json(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value)


def title_from(text: str) -> str:
    """A chat's title from its first prompt."""
    first = " ".join(text.split())
    return first[:60] + ("…" if len(first) > 60 else "")


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"],
        title=row["title"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        sensitive=bool(row["sensitive"]),
    )


def _message(row: sqlite3.Row) -> StoredMessage:
    return StoredMessage(
        id=row["id"],
        conversation_id=row["conversation_id"],
        role=Role(row["role"]),
        content=row["content"],
        status=MessageStatus(row["status"]),
        route=json.loads(row["route"]) if row["route"] else None,
        model=row["model"],
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        created_at=row["created_at"],
    )
