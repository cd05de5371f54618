import sqlite3
from pathlib import Path

import pytest

from localfirst.errors import UserError
from localfirst.storage.history import SCHEMA_VERSION, History
from localfirst.types.messages import MessageStatus, Role


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(tmp_path / "history.sqlite3")


def test_new_database_is_migrated_and_in_wal_mode(history: History) -> None:
    assert history.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert history.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_keeps_data_and_does_not_migrate_twice(tmp_path: Path) -> None:
    first = History(tmp_path / "h.sqlite3")
    conv = first.create_conversation()
    first.add_message(conv.id, Role.USER, "hello there")
    first.close()
    again = History(tmp_path / "h.sqlite3")
    assert [m.content for m in again.messages(conv.id)] == ["hello there"]


def test_newer_schema_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(UserError, match="newer localfirst"):
        History(path)


def test_first_user_turn_titles_the_conversation(history: History) -> None:
    conv = history.create_conversation()
    history.add_message(conv.id, Role.USER, "How do I   bake\nbread?")
    history.add_message(conv.id, Role.USER, "second question")
    assert history.get_conversation(conv.id).title == "How do I bake bread?"


def test_updates_route_usage_and_status(history: History) -> None:
    conv = history.create_conversation()
    reply = history.add_message(conv.id, Role.ASSISTANT, "", MessageStatus.PENDING)
    history.update_message(
        reply.id,
        content="partial",
        status=MessageStatus.INCOMPLETE,
        route={"target": "local"},
        input_tokens=7,
        output_tokens=3,
    )
    (stored,) = history.messages(conv.id)
    assert (stored.content, stored.status, stored.route) == (
        "partial",
        MessageStatus.INCOMPLETE,
        {"target": "local"},
    )
    assert (stored.input_tokens, stored.output_tokens) == (7, 3)


def test_full_text_search_finds_words_and_follows_edits(history: History) -> None:
    conv = history.create_conversation()
    msg = history.add_message(conv.id, Role.USER, "the sourdough starter smells odd")
    history.add_message(conv.id, Role.ASSISTANT, "feed it twice a day")
    assert [hit[1] for hit in history.search("sourdough")] == [msg.id]
    history.update_message(msg.id, content="the rye starter smells odd")
    assert history.search("sourdough") == []
    assert history.search('quote" OR x') == []  # user text is never FTS syntax


def test_delete_removes_messages_and_their_index(history: History) -> None:
    conv = history.create_conversation()
    history.add_message(conv.id, Role.USER, "delete me please")
    history.delete_conversation(conv.id)
    assert history.get_conversation(conv.id) is None
    assert history.search("delete") == []


def test_latest_conversation_is_the_most_recently_updated(history: History) -> None:
    clock = iter(range(100, 200))
    history.clock = lambda: float(next(clock))
    old = history.create_conversation()
    new = history.create_conversation()
    history.add_message(old.id, Role.USER, "bump")
    assert history.latest_conversation().id == old.id
    assert new.id != old.id


def test_marking_a_chat_private_retitles_it_only_if_the_title_came_from_the_prompt(
    tmp_path,
) -> None:
    from localfirst.storage.history import History, title_from
    from localfirst.types.messages import Role

    history = History(tmp_path / "h.sqlite3")
    prompt = "My SSN is 536-22-8704, fill in the form"
    auto = history.create_conversation()
    history.add_message(auto.id, Role.USER, prompt)
    named = history.create_conversation()
    history.add_message(named.id, Role.USER, prompt)
    history.rename_conversation(named.id, "Tax forms")
    for conversation in (auto, named):
        history.mark_sensitive(
            conversation.id, retitle=(title_from(prompt), "My SSN is <US_SSN>, fill in the form")
        )
    titles = {c.id: c.title for c in history.list_conversations()}
    assert titles[auto.id] == "My SSN is <US_SSN>, fill in the form"
    assert titles[named.id] == "Tax forms"


def test_a_damaged_file_is_moved_aside_and_a_fresh_history_starts(tmp_path) -> None:
    from localfirst.storage.history import History

    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a database, just garbage " * 200)
    history = History(path)
    assert history.moved_aside is not None and history.moved_aside.exists()
    assert history.moved_aside.name.startswith("history.sqlite3.damaged-")
    assert history.moved_aside.read_bytes().startswith(b"this is not a database")
    assert history.list_conversations() == []  # usable at once


def test_damage_found_later_names_the_file_and_the_way_out(tmp_path) -> None:
    from localfirst.errors import UserError
    from localfirst.storage.history import History

    path = tmp_path / "history.sqlite3"
    history = History(path)
    conversation = history.create_conversation()
    for n in range(400):
        history.add_message(conversation.id, Role.USER, f"message {n} " + "words " * 50)
    history.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    history.close()
    raw = bytearray(path.read_bytes())
    page = 4096
    for start in range(len(raw) // 3 // page * page, 2 * len(raw) // 3, page):
        raw[start : start + 64] = b"\xff" * 64  # the headers of pages in the middle
    path.write_bytes(bytes(raw))
    history = History(path)
    if history.moved_aside is not None:  # found at open (the start-up scan read the page)
        assert history.moved_aside.exists() and history.messages(conversation.id) == []
        return
    with pytest.raises(UserError) as found:
        history.messages(conversation.id)
        history.search("words")
    assert str(path) in str(found.value) and "history repair" in str(found.value)


def test_migrations_are_atomic_with_their_version(tmp_path, monkeypatch) -> None:
    import sqlite3

    import pytest

    from localfirst.storage import history as module

    broken = [*module.MIGRATIONS, "CREATE TABLE extra(x INTEGER); CREATE TABLE extra(x INTEGER);"]
    monkeypatch.setattr(module, "MIGRATIONS", broken)
    monkeypatch.setattr(module, "SCHEMA_VERSION", len(broken))
    path = tmp_path / "h.sqlite3"
    with pytest.raises(sqlite3.OperationalError):
        module.History(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(broken) - 1
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "extra" not in tables  # the half-applied migration was rolled back


def test_a_reply_is_listed_after_its_own_prompt_when_two_writers_interleave(tmp_path) -> None:
    from localfirst.storage.history import History
    from localfirst.types.messages import MessageStatus

    path = tmp_path / "h.sqlite3"
    first, second = History(path), History(path)
    conversation = first.create_conversation()
    prompt_a = first.add_message(conversation.id, Role.USER, "question A")
    prompt_b = second.add_message(conversation.id, Role.USER, "question B")
    first.add_message(conversation.id, Role.ASSISTANT, "answer A", reply_to=prompt_a.id)
    second.add_message(conversation.id, Role.ASSISTANT, "answer B", reply_to=prompt_b.id)
    order = [m.content for m in first.messages(conversation.id)]
    assert order == ["question A", "answer A", "question B", "answer B"]
    assert all(m.status is MessageStatus.COMPLETE for m in first.messages(conversation.id))


def test_a_reply_left_pending_by_a_dead_process_is_marked_incomplete(tmp_path) -> None:
    import subprocess
    import sys

    from localfirst.storage.history import History
    from localfirst.types.messages import MessageStatus

    path = tmp_path / "h.sqlite3"
    history = History(path)
    conversation = history.create_conversation()
    history.add_message(conversation.id, Role.USER, "hello")
    history.close()
    # another process starts a reply and dies before finishing it (as after kill -9)
    script = (
        "import os, sys; from pathlib import Path;"
        "from localfirst.storage.history import History;"
        "from localfirst.types.messages import Role, MessageStatus;"
        f"h = History(Path({str(path)!r}));"
        "h.add_message(1, Role.ASSISTANT, 'partial', MessageStatus.PENDING, reply_to=1);"
        "os._exit(9)"
    )
    subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    reopened = History(path)
    reply = reopened.messages(conversation.id)[-1]
    assert reply.content == "partial" and reply.status is MessageStatus.INCOMPLETE
    # a reply this process is still writing stays pending
    mine = reopened.add_message(conversation.id, Role.ASSISTANT, "", MessageStatus.PENDING)
    assert History(path).messages(conversation.id)[-1].id == mine.id
    assert History(path).messages(conversation.id)[-1].status is MessageStatus.PENDING


def test_a_malformed_page_met_in_use_is_a_user_error_with_the_way_out(tmp_path) -> None:
    history = History(tmp_path / "history.sqlite3")

    class DamagedConnection:
        def execute(self, *args):
            raise sqlite3.DatabaseError("database disk image is malformed")

    history.db = DamagedConnection()  # what SQLite says on reading a damaged page
    with pytest.raises(UserError) as found:
        history.list_conversations()
    assert "history.sqlite3 is damaged" in str(found.value)
    assert "localfirst history repair" in str(found.value)


def test_conversations_page_newest_first_without_gaps_or_repeats(tmp_path: Path) -> None:
    ticks = iter(range(1, 1000))
    history = History(tmp_path / "h.sqlite3", clock=lambda: float(next(ticks)))
    made = [history.create_conversation(f"chat {i}").id for i in range(25)]
    seen, after = [], None
    while page := history.list_conversations(10, after=after):
        seen += [c.id for c in page]
        after = page[-1]
    assert seen == made[::-1]


def test_titles_of_some_conversations(history: History) -> None:
    first = history.create_conversation("First")
    history.create_conversation("Second")
    assert history.titles([first.id, 999]) == {first.id: "First"}
    assert history.titles([]) == {}


def test_search_lists_the_newest_hits_first(history: History) -> None:
    conversation = history.create_conversation("Birds")
    older = history.add_message(conversation.id, Role.USER, "a heron by the lake")
    newer = history.add_message(conversation.id, Role.USER, "another heron today")
    assert [m for _c, m, _s in history.search("heron")] == [newer.id, older.id]


def test_the_gates_findings_survive_a_reopen_and_leave_with_their_chat(tmp_path: Path) -> None:
    from localfirst.types.verdict import Category, Finding, text_digest

    path = tmp_path / "history.db"
    history = History(path)
    conv = history.create_conversation("travel")
    history.add_message(conv.id, Role.USER, "Call me on the landline tonight")
    phone = Finding("PHONE_NUMBER", 11, 19, 0.75, rule="phone", category=Category.PERSONAL)
    digest = text_digest("Call me on the landline tonight")
    history.save_findings("rules-v1", {digest: [phone]})
    history.close()

    reopened = History(path)
    assert reopened.load_findings("rules-v1", [digest, "unknown"]) == {digest: (phone,)}
    assert reopened.load_findings("rules-v2", [digest]) == {}  # another rule set reads nothing
    reopened.delete_conversation(conv.id)
    assert reopened.load_findings("rules-v1", [digest]) == {}
    reopened.close()


def test_many_findings_load_in_one_call(history: History) -> None:
    from localfirst.types.verdict import text_digest

    entries = {text_digest(f"turn {i}"): [] for i in range(1_200)}  # more than one query holds
    history.save_findings("rules", entries)
    assert len(history.load_findings("rules", list(entries))) == 1_200


def test_turns_with_and_without_findings_each_get_their_own(history: History) -> None:
    """Rows are decoded in one batch; each must still come back under its own digest."""
    from localfirst.types.verdict import Category, Finding, text_digest

    def found(i: int) -> list[Finding]:
        if i % 3 == 0:
            return []
        category = Category.CREDENTIAL if i % 3 == 2 else Category.PERSONAL
        return [Finding("EMAIL_ADDRESS", i, i + 5, 0.5, rule=f"rule {i}", category=category)]

    entries = {text_digest(f"turn {i}"): found(i) for i in range(30)}
    history.save_findings("rules", entries)
    loaded = history.load_findings("rules", list(reversed(entries)))
    assert loaded == {digest: tuple(findings) for digest, findings in entries.items()}
