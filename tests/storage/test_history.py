import sqlite3
from pathlib import Path

import pytest

from localfirst.core.messages import MessageStatus, Role
from localfirst.errors import UserError
from localfirst.storage.history import SCHEMA_VERSION, History


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
    from localfirst.core.messages import Role
    from localfirst.storage.history import History, title_from

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
