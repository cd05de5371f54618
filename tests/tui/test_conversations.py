"""Finding, renaming, deleting, exporting and copying conversations from the sidebar."""

from __future__ import annotations

import json
from dataclasses import replace

from localfirst.tui.screens.dialogs import ConfirmDialog, TextDialog
from localfirst.tui.widgets.chat_view import AssistantMessage, UserMessage
from localfirst.tui.widgets.sidebar import ConversationItem, SearchHit
from localfirst.types.messages import MessageStatus, Role

from .conftest import TERMINAL_SIZE, make_app, send, settle

REPLY = "Use a list:\n\n```python\nprint(sorted(names))\n```\n\nThat is all."


def seed(history, title: str, prompt: str, reply: str = REPLY) -> int:
    """A stored conversation, written the way the session writes one."""
    conversation = history.create_conversation(title)
    history.add_message(conversation.id, Role.USER, prompt)
    route = {
        "target": "local",
        "model": "gemma-3-270m",
        "reasons": ["complexity 0.12 < 0.50: simple enough for the local model"],
        "available": True,
    }
    message = history.add_message(
        conversation.id,
        Role.ASSISTANT,
        reply,
        MessageStatus.COMPLETE,
        route=route,
        model="gemma-3-270m",
    )
    history.update_message(message.id, input_tokens=20, output_tokens=12)
    return conversation.id


async def wait_for(pilot, screen_type) -> None:
    while not isinstance(pilot.app.screen, screen_type):
        await pilot.pause(0.02)


async def test_an_old_conversation_opens_with_its_badges(tui_services) -> None:
    old = seed(tui_services.history, "Sorting names", "How do I sort names?")
    seed(tui_services.history, "Cooking", "How long to boil an egg?", "Nine minutes.")
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = app.chat_screen
        assert screen.sidebar.titles == ["Cooking", "Sorting names"]
        screen.sidebar.list_view.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.session.conversation.id == old
        assert [type(w) for w in screen.chat.children] == [UserMessage, AssistantMessage]
        [reply] = screen.chat.replies
        assert reply.badge_text == "⌂ local · gemma-3-270m"
        assert reply.reason_text == "complexity 0.12 < 0.50: simple enough for the local model"
        assert reply.stats_text == "12 tokens"  # no timings for a reopened reply
        assert screen.status_bar.query_one("#chat-title").render().plain == "Sorting names"


async def test_full_text_search_finds_a_message_and_opens_it(tui_services) -> None:
    seed(tui_services.history, "Sorting names", "How do I sort names?")
    wanted = seed(tui_services.history, "Cooking", "How long to boil an egg?", "Nine minutes.")
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = app.chat_screen
        await pilot.press("ctrl+f")
        await pilot.press(*"boil", "enter")
        await pilot.pause()
        [hit] = [item for item in screen.sidebar.items if isinstance(item, SearchHit)]
        assert hit.conversation_id == wanted
        # the matched word is highlighted, not bracketed (issue 16: no raw "[boil]" markers)
        assert [hit.snippet[a:b].lower() for a, b in hit.matches] == ["boil"]
        assert "[boil]" not in hit.snippet
        await pilot.press("enter")
        await pilot.pause()
        assert screen.session.conversation.id == wanted
        found = screen.chat.query_one(f"#msg-{hit.message_id}")
        assert found.has_class("found") and found.has_focus


async def test_rename_from_the_sidebar(tui_services) -> None:
    conversation_id = seed(tui_services.history, "Sorting names", "How do I sort names?")
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        app.chat_screen.sidebar.list_view.focus()
        await pilot.press("r")
        await wait_for(pilot, TextDialog)
        app.screen.query_one("Input").value = ""
        await pilot.press(*"Python sorting", "enter")
        await settle(pilot)
        assert tui_services.history.get_conversation(conversation_id).title == "Python sorting"
        assert app.chat_screen.sidebar.titles == ["Python sorting"]


async def test_delete_asks_first_and_cancel_keeps_the_chat(tui_services) -> None:
    conversation_id = seed(tui_services.history, "Sorting names", "How do I sort names?")
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await app.chat_screen.open_conversation(conversation_id)
        app.chat_screen.sidebar.list_view.focus()
        await pilot.press("d")
        await wait_for(pilot, ConfirmDialog)
        await pilot.press("enter")  # the focused button is Cancel: the safe choice
        await settle(pilot)
        assert tui_services.history.get_conversation(conversation_id) is not None
        await pilot.press("d")
        await wait_for(pilot, ConfirmDialog)
        await pilot.click("#confirm")
        await settle(pilot)
        assert tui_services.history.get_conversation(conversation_id) is None
        assert app.chat_screen.sidebar.titles == []
        assert app.chat_screen.session.conversation is None  # the open chat was the one deleted
        assert app.chat_screen.chat.replies == []


async def test_export_to_markdown_and_json(tui_services, export_dir) -> None:
    tui = replace(tui_services.config.tui, export_dir=str(export_dir))
    tui_services.config = replace(tui_services.config, tui=tui)
    conversation_id = seed(tui_services.history, "Sorting names", "How do I sort names?")
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = app.chat_screen
        await screen.open_conversation(conversation_id)
        markdown = screen.export(None, "md")
        data = json.loads(screen.export(None, "json").read_text())
        assert markdown.parent == export_dir and markdown.suffix == ".md"
        text = markdown.read_text()
        assert text.startswith("# Sorting names")
        assert "## Assistant (⌂ local · gemma-3-270m)" in text and "print(sorted(names))" in text
        assert [m["role"] for m in data["messages"]] == ["user", "assistant"]
        assert data["messages"][1]["route"]["target"] == "local"


async def test_copy_a_message_and_its_code_block(tui_services) -> None:
    conversation_id = seed(tui_services.history, "Sorting names", "How do I sort names?")
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await app.chat_screen.open_conversation(conversation_id)
        [reply] = app.chat_screen.chat.replies
        reply.focus()
        await pilot.press("c")
        assert app.clipboard == REPLY
        await pilot.press("k")
        assert app.clipboard == "print(sorted(names))\n"


async def test_a_chat_that_turns_private_shows_its_lock_at_once(tui_services) -> None:
    from .conftest import send

    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "Tell me a joke about owls")
        screen = app.chat_screen

        def locked() -> list[bool]:
            return [
                item.sensitive
                for item in screen.sidebar.items
                if isinstance(item, ConversationItem)
            ]

        assert locked() == [False]
        await send(pilot, "My number is 0176 2345 6789, remind me to call")
        assert locked() == [True]
        assert str(screen.status_bar.query_one("#chat-title").content).startswith("🔒 ")


async def test_a_reopened_long_chat_opens_at_its_latest_message(tui_services) -> None:
    history = tui_services.history
    conversation = history.create_conversation()
    for n in range(12):
        history.add_message(conversation.id, Role.USER, f"Question {n}: " + "why? " * 20)
        history.add_message(conversation.id, Role.ASSISTANT, f"Answer {n}.\n\n" + "Because. " * 60)
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        chat = app.chat_screen.chat
        await app.chat_screen.open_conversation(conversation.id)
        await settle(pilot)
        assert chat.max_scroll_y > 0
        assert chat.scroll_y == chat.max_scroll_y


async def test_a_long_reason_is_read_whole_once_the_reply_has_the_focus(tui_services) -> None:
    long_reason = (
        "cloud unavailable (anthropic rejected the API key (401): no keyring backend on "
        "this machine, so set ANTHROPIC_API_KEY in the environment): answered locally"
    )
    history = tui_services.history
    conversation = history.create_conversation()
    history.add_message(conversation.id, Role.USER, "What is the capital of France?")
    history.add_message(
        conversation.id,
        Role.ASSISTANT,
        "Paris.",
        route={"target": "local", "reasons": [long_reason]},
        model="gemma-3-270m",
    )
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        await app.chat_screen.open_conversation(conversation.id)
        await settle(pilot)
        [reply] = app.chat_screen.chat.replies
        reason = reply.query_one(".reason")
        assert "(…)" in str(reason.content)  # one line while reading
        reply.focus()
        await pilot.pause()
        assert str(reason.content) == long_reason and reason.has_class("-expanded")
        app.chat_screen.prompt.focus()
        await pilot.pause()
        assert "(…)" in str(reason.content)


def test_search_hits_highlight_their_words_instead_of_bracketing_them(tmp_path) -> None:
    from localfirst.storage.history import History
    from localfirst.tui.widgets.sidebar import HIT_MARKS

    history = History(tmp_path / "h.sqlite3")
    conversation = history.create_conversation()
    history.add_message(conversation.id, Role.USER, "What is the capital of France [really]?")
    [(_, message_id, snippet)] = history.search("capital", marks=HIT_MARKS)
    hit = SearchHit(conversation.id, message_id, "Geography", snippet)
    assert hit.snippet == "What is the capital of France [really]?"
    assert [hit.snippet[a:b] for a, b in hit.matches] == ["capital"]
    assert history.search("capital")[0][2].count("[capital]") == 1  # the CLI keeps brackets


async def test_export_asks_where_and_suggests_the_documents_folder(
    tui_services, tmp_path, monkeypatch
) -> None:
    from localfirst.tui.screens.dialogs import TextDialog

    documents = tmp_path / "Documents"
    documents.mkdir()
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(documents))
    monkeypatch.chdir(tmp_path)
    conversation_id = seed(tui_services.history, "Sorting names", "How do I sort names?")
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = app.chat_screen
        await screen.open_conversation(conversation_id)
        screen.ask_export(None, "md")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        suggested = app.screen.query_one("#text").value
        assert suggested == str(documents / f"localfirst-{conversation_id}-sorting-names.md")
        await pilot.press("enter")
        await settle(pilot)
        assert (documents / f"localfirst-{conversation_id}-sorting-names.md").exists()
        assert not list(tmp_path.glob("*.md"))  # nothing written silently into the cwd


async def test_export_never_overwrites_a_file_the_user_names(tui_services, tmp_path) -> None:
    from localfirst.tui.screens.dialogs import TextDialog

    existing = tmp_path / "notes.md"
    existing.write_text("keep me")
    conversation_id = seed(tui_services.history, "Sorting names", "How do I sort names?")
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        screen = app.chat_screen
        await screen.open_conversation(conversation_id)
        screen.ask_export(None, "md")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        app.screen.query_one("#text").value = str(existing)
        await pilot.press("enter")
        await settle(pilot)
        assert existing.read_text() == "keep me"
        assert any("already exists" in str(n.message) for n in app._notifications)


async def test_a_search_hit_inside_a_long_reply_opens_on_its_words_with_text_shown(
    tui_services,
) -> None:
    paragraphs = [f"Paragraph {i} about ordinary things." for i in range(300)]
    paragraphs[150] = "Paragraph 150 mentions the zebrafish once."
    conversation_id = seed(
        tui_services.history, "Long", "Tell me everything", "\n\n".join(paragraphs)
    )
    tui_services.history.add_message(conversation_id, Role.USER, "Thanks, that is all")
    [(_, message_id, _)] = tui_services.history.search("zebrafish")
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        chat = app.chat_screen.chat
        await app.chat_screen.open_conversation(conversation_id, message_id, "zebrafish")
        await settle(pilot)
        await pilot.pause(0.2)
        [reply] = chat.replies
        in_view = [s for s in reply.body.segments if s.region.overlaps(chat.region)]
        assert in_view and not any(s.frozen for s in in_view)  # rebuilt, not blank rows
        assert any("zebrafish" in s.text for s in in_view)  # the words searched for
        assert chat.scroll_y < chat.max_scroll_y  # not the end of the chat


async def test_a_long_history_loads_the_chat_list_a_page_at_a_time(tui_services) -> None:
    from localfirst.tui.widgets.sidebar import PAGE_SIZE

    for number in range(PAGE_SIZE + 30):
        tui_services.history.create_conversation(f"Chat {number}")
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        sidebar = app.chat_screen.sidebar
        assert len(sidebar.titles) == PAGE_SIZE  # the first page only
        assert sidebar.titles[0] == f"Chat {PAGE_SIZE + 29}"  # newest first
        sidebar.list_view.focus()
        sidebar.list_view.highlighted = PAGE_SIZE - 1  # near the end: the next page comes
        await settle(pilot)
        assert len(sidebar.titles) == PAGE_SIZE + 30
        assert sidebar.titles[-1] == "Chat 0"


def long_chat(history, pairs: int = 100) -> tuple[int, list[int]]:
    """A chat of `pairs` short questions and answers; returns its id and its message ids."""
    conversation = history.create_conversation("Long talk")
    ids = []
    for n in range(pairs):
        ids.append(history.add_message(conversation.id, Role.USER, f"Question {n}?").id)
        ids.append(history.add_message(conversation.id, Role.ASSISTANT, f"Answer {n}.").id)
    return conversation.id, ids


def mounted_ids(chat) -> list[int]:
    return [block.message_id for block in chat.query("UserMessage, AssistantMessage")]


async def test_a_long_chat_opens_one_page_at_its_end_and_loads_earlier_pages_in_place(
    tui_services,
) -> None:
    from localfirst.tui.widgets.chat_view import MoreMessages

    conversation_id, ids = long_chat(tui_services.history, pairs=40)
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        chat = app.chat_screen.chat
        await app.chat_screen.open_conversation(conversation_id)
        await settle(pilot)
        shown = mounted_ids(chat)
        assert shown == ids[-len(shown) :] and 10 < len(shown) < 40  # the end, a page of it
        [marker] = chat.query(MoreMessages)
        assert marker.count == len(ids) - len(shown)
        assert chat.scroll_y == chat.max_scroll_y
        first = chat.query_one(f"#msg-{shown[0]}")
        chat.scroll_home(animate=False, immediate=True)  # reach the top: the page above comes
        await settle(pilot)
        await pilot.pause(0.1)
        more = mounted_ids(chat)
        assert len(more) > len(shown) and more[-len(shown) :] == shown
        assert first.region.overlaps(chat.region)  # what was on screen stayed there
        while chat.query(MoreMessages):
            chat.scroll_home(animate=False, immediate=True)
            await settle(pilot)
            await pilot.pause(0.1)
        assert mounted_ids(chat) == ids


async def test_a_search_hit_early_in_a_long_chat_opens_there_and_a_new_turn_goes_at_the_end(
    tui_services,
) -> None:
    from localfirst.tui.widgets.chat_view import MoreMessages

    conversation_id, ids = long_chat(tui_services.history)
    [(_, hit, _)] = tui_services.history.search("Question 3")[-1:]  # the oldest of the hits
    assert hit == ids[6]
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        chat = app.chat_screen.chat
        await app.chat_screen.open_conversation(conversation_id, hit, "Question 3")
        await settle(pilot)
        shown = mounted_ids(chat)
        assert hit in shown and ids[-1] not in shown
        assert [m.earlier for m in chat.query(MoreMessages)] == [True, False]
        assert chat.query_one(f"#msg-{hit}").region.overlaps(chat.region)
        await chat.add_user("One more question")
        await settle(pilot)
        shown = mounted_ids(chat)
        assert shown[-2:] == [ids[-1], None]  # the chat's end, then the new turn
        assert [m.earlier for m in chat.query(MoreMessages)] == [True]


async def test_in_local_only_mode_the_reply_streams_first_and_its_badge_follows_the_check(
    tui_services,
) -> None:
    app = make_app(tui_services)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        app.toggle_local_only()
        await pilot.pause()
        await send(pilot, "Text me at 0176 2345 6789 when the parcel arrives")
        screen = app.chat_screen
        [reply] = screen.chat.replies
        assert reply.route["rule"] == "sensitive"  # the check's route, not the provisional one
        assert "PHONE_NUMBER" in reply.reason_text
        assert str(screen.status_bar.query_one("#chat-title").content).startswith("🔒 ")
