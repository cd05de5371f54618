"""The main screen: conversations on the left, the chat, the message box, and the footer.

It turns user intents into `ChatSession` calls and renders the session's events; it never
talks to a backend or decides a route itself. Every slow step (routing, generation) runs in a
worker, so typing, scrolling and Esc stay responsive while a reply streams.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from localfirst.errors import UserError
from localfirst.explain import (
    LOCAL_ICON,
    ReplyFigures,
    base_model_note,
    estimate_cost,
    fallback_text,
    held_because,
    is_cloud,
)
from localfirst.session.chat import route_after_fallback
from localfirst.tui.commands import ChatCommands
from localfirst.tui.export import (
    code_blocks,
    default_export_dir,
    export_conversation,
    free_export_path,
    write_export,
)
from localfirst.tui.messages import ConfigChanged
from localfirst.tui.screens.dialogs import ConfirmDialog, TextDialog
from localfirst.tui.widgets.chat_view import AssistantMessage, ChatView, MessageBlock
from localfirst.tui.widgets.prompt_input import PromptHistory, PromptInput
from localfirst.tui.widgets.sidebar import ConversationSidebar
from localfirst.tui.widgets.status_bar import ModeChip, ModelChip, StatusBar
from localfirst.types.decision import Override, SessionMode, Target
from localfirst.types.events import (
    SENT_KEY,
    Done,
    FellBack,
    Note,
    ReplyRestarted,
    ReplyStats,
    RouteChecked,
    RouteDecided,
    SessionEvent,
    Stored,
    StreamError,
    TextDelta,
    Usage,
)
from localfirst.types.messages import Role

if TYPE_CHECKING:
    from localfirst.services import Services
    from localfirst.session.chat import ChatSession
    from localfirst.tui.app import LocalFirstApp
    from localfirst.types.decision import Decision


# While a reply streams: young collections rarer than Python's (700, 10), so the widgets each
# Markdown append builds and throws away die young instead of being promoted and left for a
# full collection; and no full collection at all (the third number is never reached).
STREAMING_GC_THRESHOLDS = (10_000, 20, 1_000_000)


@contextmanager
def full_collections_deferred(after_next_frame: Callable[..., object]) -> Iterator[None]:
    """No full garbage collection while a reply streams; one once its last frame is painted.

    A full collection walks every object, and a screen of Markdown is many thousands of
    them: mid-stream it would freeze the view for a few hundred milliseconds. The young
    generations still run, so short-lived garbage is freed as usual.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(*STREAMING_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        after_next_frame(gc.collect)


# Below this many columns the chat list folds away and the top bar goes compact.
NARROW_COLUMNS = 100

# A base model rambles to the length limit; its first reply stops here, with a note saying why.
BASE_MODEL_FIRST_REPLY_TOKENS = 128


class ChatScreen(Screen):
    COMMANDS: ClassVar[set] = {ChatCommands}  # the palette (Ctrl+P) adds the app's own
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop", "Stop"),
        Binding("ctrl+l", "toggle_local_only", "Local-only"),
        Binding("ctrl+o", "send_to_cloud", "To cloud"),
        Binding("ctrl+n", "new_chat", "New chat"),
        Binding("f2", "settings", "Settings"),
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),  # outside the prompt, which types it
        Binding("ctrl+b", "toggle_sidebar", "Chats", show=False),
        Binding("ctrl+f", "search", "Search chats", show=False),
        Binding("ctrl+r", "retry", "Retry", show=False),
    ]

    app: LocalFirstApp  # type: ignore[assignment]

    def __init__(self, services: Services) -> None:
        super().__init__(id="chat-screen")
        self.services = services
        self.session: ChatSession = services.new_session()
        self.reply_worker: Worker | None = None
        self._renew_after_reply = False
        self._base_model_noted = False
        self._sidebar_chosen = False

    # layout

    def compose(self) -> ComposeResult:
        tui = self.services.config.tui
        yield StatusBar(id="status-bar")
        with Horizontal(id="body"):
            yield ConversationSidebar(self.services.history, id="sidebar")
            with Vertical(id="main"):
                yield ChatView(id="chat")
                yield PromptInput(
                    tui.send_key,
                    tui.newline_key,
                    PromptHistory(),
                    id="prompt",
                    placeholder="Type a message…",
                )
        yield Footer(compact=True)

    @property
    def chat(self) -> ChatView:
        return self.query_one(ChatView)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one(PromptInput)

    @property
    def sidebar(self) -> ConversationSidebar:
        return self.query_one(ConversationSidebar)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    async def on_mount(self) -> None:
        self.app.config_signal.subscribe(self, self._config_changed, immediate=True)
        self.app.mode_signal.subscribe(self, self.mode_changed, immediate=True)
        self.app.status_signal.subscribe(
            self, lambda status: self.status_changed(*status), immediate=True
        )
        self.session.mode = self.services.mode
        self.status_bar.set_mode(self.session.mode)
        for part, (state, text, detail) in self.app.statuses.items():
            self.status_bar.set_status(part, state, text, detail)
        await self.chat.clear_messages(self.welcome_text())
        self.prompt.focus()
        self.call_after_refresh(self.sidebar.reload)

    # what the app tells the screen

    def status_changed(self, part: str, state: str, text: str, detail: str) -> None:
        if part == "cloud" and self._cloud_unused():
            state, text = "off", "unused: local-only"  # what the mode allows, not the key
        self.status_bar.set_status(part, state, text, detail)
        self.chat.set_welcome(self.welcome_text())

    def _config_changed(self, message: ConfigChanged) -> None:
        if message.section == "tui":
            self.prompt.set_keys(message.config.tui.send_key, message.config.tui.newline_key)
        elif message.section in ("privacy", "routing"):
            self.renew_session()  # on the router the services rebuilt

    def mode_changed(self, mode: SessionMode) -> None:
        """The chrome follows the mode: no green cloud and no ^o while nothing may leave."""
        self.session.mode = mode
        self.status_bar.set_mode(mode)
        self.status_changed("cloud", *self.app.statuses["cloud"])
        self.refresh_bindings()

    def _cloud_unused(self) -> bool:
        return self.session.mode is SessionMode.LOCAL_ONLY

    def renew_session(self) -> None:
        """A session on the services' current router, for the same chat (after settings change)."""
        if self.busy:
            self._renew_after_reply = True
            return
        self._renew_after_reply = False
        self.session = self.services.new_session(self.session.conversation)
        self.session.mode = self.services.mode

    def welcome_text(self) -> str:
        lines = [
            "Ask anything. Each reply shows where it ran, and why:",
            f"  {LOCAL_ICON} local   on this machine",
            "  ☁ cloud   provider, model and estimated cost",
            "Private data (names, emails, keys…) always stays local.",
            "",
            "  Ctrl+L   local-only for this session",
            "  Ctrl+O   send one message to the cloud",
            "  Ctrl+P   every command · F2 settings",
        ]
        if self.session.mode is not SessionMode.AUTO:
            lines.remove("  Ctrl+O   send one message to the cloud")
        model_state = self.app.statuses["model"][0]
        if model_state == "off":
            lines += [
                "",
                "No local model is installed yet. Install one with",
                "`localfirst models pull` or `localfirst models import FILE.gguf`.",
            ]
        cloud_state = self.app.statuses["cloud"][0]
        if cloud_state == "off":
            if self.services.offline:
                lines += ["", "Offline mode is on: nothing leaves this machine."]
            else:
                answered = (
                    "replies are answered locally, and that works."
                    if model_state != "off"
                    else "with a local model installed, replies are answered locally."
                )
                lines += [
                    "",
                    f"No cloud API key yet: {answered}",
                    "Add one in F2 → Cloud & API keys, or run",
                    "`localfirst keys set anthropic` in a terminal.",
                ]
        return "\n".join(lines)

    # sending

    def on_prompt_input_submitted(self, event: PromptInput.Submitted) -> None:
        event.stop()
        self.submit(event.text, Override.NONE)

    def action_send_to_cloud(self) -> None:
        if not self.prompt.text.strip():
            self.notify("Type a message first, then Ctrl+O sends it to the cloud", timeout=4)
            return
        self.submit(self.prompt.text, Override.CLOUD)

    @property
    def busy(self) -> bool:
        return self.reply_worker is not None and self.reply_worker.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        )

    def submit(self, text: str, override: Override) -> None:
        if self.busy:
            self.notify("A reply is still streaming: Esc stops it", severity="warning")
            return
        self.reply_worker = self.run_worker(
            self._send(text, override), group="reply", exit_on_error=False
        )
        self.refresh_bindings()

    async def _send(self, text: str, override: Override) -> None:
        if override is Override.CLOUD:
            override = await self._confirm_cloud(text)
            if override is Override.NONE:
                return
        self.prompt.clear_sent(text)
        await self.chat.add_user(text)
        self.session.local_token_cap = self._first_base_model_reply()
        try:
            await self.render_events(self.session.send(text, override))
        finally:
            self.session.local_token_cap = None

    def _first_base_model_reply(self) -> int | None:
        """The token cap for the first reply of a base model this run, else None."""
        if self._base_model_noted or self.services.config.private.servers:
            return None
        try:
            model = self.services.registry.resolve(self.services.config.local.model)
        except UserError:
            return None
        return None if model.has_chat_template else BASE_MODEL_FIRST_REPLY_TOKENS

    async def _confirm_cloud(self, text: str) -> Override:
        """CLOUD, CLOUD_FORCE once the user confirmed, or NONE when they declined."""
        asked, forced = await asyncio.to_thread(self._cloud_previews, text)
        if forced.target is not Target.CLOUD:
            # no cloud at all (no key, offline, local-only): say so rather than answer locally
            availability = self.services.availability()
            if availability.cloud_model is None:
                why = availability.cloud_missing_reason
                fix = "Add an API key in F2 → Cloud, or press Enter to ask the local model."
            else:  # a cloud exists, but this session may not use it (local-only, offline)
                why = forced.summary
                fix = "Press Enter to ask the local model."
            self.notify(
                f"Not sent: there is no cloud to send to ({why}). {fix} Your text is still here.",
                severity="warning",
                timeout=10,
            )
            return Override.NONE
        if asked.target is Target.CLOUD:
            return Override.CLOUD  # goes to the cloud
        found = held_because(asked)
        confirmed = await self.app.push_screen_wait(
            ConfirmDialog(
                "Send this message to the cloud?",
                f"The privacy check says: {found}.\n\n"
                f"If you confirm, this message and the conversation so far go to "
                f"{forced.model}. Otherwise nothing is sent and your text stays here.",
                confirm="Send to cloud",
                cancel="Keep local",
                danger=True,
            )
        )
        if not confirmed:
            self.notify("Not sent: your message is still in the box", timeout=4)
            return Override.NONE
        return Override.CLOUD_FORCE

    def _cloud_previews(self, text: str) -> tuple[Decision, Decision]:
        return (
            self.session.preview(text, Override.CLOUD),
            self.session.preview(text, Override.CLOUD_FORCE),
        )

    async def render_events(self, events: AsyncIterator[SessionEvent]) -> AssistantMessage | None:
        """Show a reply's events as they come; used for sends, retries and the benchmark."""
        with full_collections_deferred(self.app.call_after_refresh):
            return await self._render_events(events)

    async def _render_events(self, events: AsyncIterator[SessionEvent]) -> AssistantMessage | None:
        reply: AssistantMessage | None = None
        new_conversation = self.session.conversation is None
        usage: Usage | None = None
        try:
            async for event in events:
                if isinstance(event, RouteDecided):
                    reply = await self.chat.add_reply(
                        event.decision.as_dict(), event.decision.model or ""
                    )
                    if not event.decision.available:
                        reply.add_class("error")
                    elif self.session.local_token_cap and event.decision.target is Target.LOCAL:
                        self._base_model_noted = True  # said once per run
                        reply.add_note(
                            base_model_note(
                                event.decision.model or "", self.session.local_token_cap
                            )
                        )
                    if event.decision.sensitive and not new_conversation:
                        await self._privacy_shown()  # the chat may have just turned private
                elif isinstance(event, TextDelta) and reply is not None:
                    await reply.write(event.text)
                elif isinstance(event, RouteChecked) and reply is not None:
                    # the reply started before the privacy check: its findings arrive now
                    reply.set_route(event.decision.as_dict(), event.decision.model or "")
                    if event.decision.sensitive and not new_conversation:
                        await self._privacy_shown()
                elif isinstance(event, Stored):
                    if reply is not None:
                        reply.message_id = event.assistant_message_id or None
                    if new_conversation:
                        new_conversation = False
                        await self._conversation_started(event.conversation_id)
                elif isinstance(event, FellBack) and reply is not None:
                    reply.add_note(fallback_text(event))
                    if event.from_target == "cloud":
                        reply.set_route(
                            route_after_fallback(reply.route, event),
                            self.services.local_model_name() or "",
                        )
                elif isinstance(event, Note) and reply is not None:
                    reply.add_note(event.text)
                elif isinstance(event, ReplyRestarted) and reply is not None:
                    await reply.restart(event.text)
                elif isinstance(event, Usage):
                    usage = event
                elif isinstance(event, StreamError) and reply is not None:
                    if event.kind == "unavailable":
                        reply.add_class("error")  # the reason line already says how to fix it
                    else:
                        reply.show_error(event.message)
                elif isinstance(event, Done) and reply is not None:
                    stats = event.stats or ReplyStats()
                    answered_by = stats.model
                    if not is_cloud(reply.route) and answered_by and answered_by != reply.model:
                        reply.set_route(reply.route, answered_by)  # a later local tier answered
                    ended = (
                        "unavailable" if not reply.route.get("available", True) else event.reason
                    )
                    await reply.finish(ended, self._figures(reply, usage, stats))
        except UserError as exc:
            self.notify(str(exc), severity="error", timeout=8)
        finally:
            if reply is not None and not reply.finished:
                await reply.finish("cancelled", self._figures(reply, usage, ReplyStats()))
            self.call_after_refresh(self._reply_ended)
        return reply

    def _reply_ended(self) -> None:
        if self._renew_after_reply and not self.busy:
            self.renew_session()
        self.refresh_bindings()

    def _figures(
        self, reply: AssistantMessage, usage: Usage | None, stats: ReplyStats
    ) -> ReplyFigures:
        cost = None
        if is_cloud(reply.route) and usage is not None:
            model = stats.model or str(reply.route.get("model") or "")
            cost = estimate_cost(
                model, usage.input_tokens, usage.output_tokens, self.services.config.cloud.prices
            )
        return ReplyFigures(
            output_tokens=stats.output_tokens,
            input_tokens=stats.input_tokens,
            first_token_s=stats.first_token_s,
            tokens_per_s=stats.tokens_per_s,
            cost_usd=cost,
        )

    async def _privacy_shown(self) -> None:
        """The lock in the sidebar and the top bar, and the title with placeholders, as soon
        as a chat turns private mid-conversation (not at the next Ctrl+N)."""
        current = self.session.conversation
        if current is None:
            return
        stored = self.services.history.get_conversation(current.id, with_messages=False)
        if stored is not None:
            self.status_bar.set_title(stored.title, stored.sensitive)
            await self.sidebar.reload(current.id)

    async def _conversation_started(self, conversation_id: int) -> None:
        conversation = self.services.history.get_conversation(conversation_id, with_messages=False)
        if conversation is not None:
            self.session.conversation = conversation
            self.status_bar.set_title(conversation.title, conversation.sensitive)
        await self.sidebar.reload(conversation_id)

    # actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.busy  # only offered while a reply streams
        if action == "retry":
            return not self.busy and self.session.conversation is not None
        if action == "send_to_cloud":
            return self.session.mode is SessionMode.AUTO  # local-only and offline: never
        return True

    def action_stop(self) -> None:
        if self.busy:
            self.session.cancel()

    def action_toggle_local_only(self) -> None:
        self.app.toggle_local_only()

    def on_model_chip_clicked(self, event: ModelChip.Clicked) -> None:
        event.stop()
        self.action_switch_model()

    def action_switch_model(self) -> None:
        from localfirst.tui.screens.models import ModelSwitcher

        self.app.push_screen(ModelSwitcher(self.services))

    def on_mode_chip_toggled(self, event: ModeChip.Toggled) -> None:
        self.app.toggle_local_only()

    def action_retry(self) -> None:
        if self.busy or self.session.conversation is None:
            return
        self.reply_worker = self.run_worker(self._retry(), group="reply", exit_on_error=False)
        self.refresh_bindings()

    async def _retry(self) -> None:
        await self.chat.show_latest()  # a search hit may have left the chat's end unmounted
        replies = list(self.chat.children)
        while replies and isinstance(replies[-1], AssistantMessage):
            await replies.pop().remove()
        await self.render_events(self.session.retry())

    async def action_new_chat(self) -> None:
        if self._refuse_while_busy():
            return
        self.session = self.services.new_session()
        self.session.mode = self.services.mode
        await self.chat.clear_messages(self.welcome_text())
        self.status_bar.set_title("")
        await self.sidebar.reload(None)
        self.prompt.focus()

    def action_toggle_sidebar(self) -> None:
        self.sidebar.display = not self.sidebar.display
        self._sidebar_chosen = True  # the user's choice now, whatever the width

    def on_resize(self, event: events.Resize) -> None:
        """Below NARROW_COLUMNS the chat list folds away (Ctrl+B brings it back), the top bar
        goes compact and the footer drops the palette key, so nothing is cut off."""
        narrow = event.size.width < NARROW_COLUMNS
        self.set_class(narrow, "-narrow")
        self.status_bar.set_compact(narrow)
        self.query_one(Footer).show_command_palette = not narrow
        if not self._sidebar_chosen:
            self.sidebar.display = not narrow

    def action_search(self) -> None:
        self.sidebar.display = True
        self.sidebar.focus_search()

    def on_assistant_message_inspect_sent(self, message: AssistantMessage.InspectSent) -> None:
        message.stop()
        stored = (
            self.services.history.get_message(message.message_id) if message.message_id else None
        )
        sent = (stored.route or {}).get(SENT_KEY) if stored else None
        if not sent:
            self.notify("Nothing left this machine for this reply: it was answered here", timeout=5)
            return
        from localfirst.tui.screens.sent import SentScreen

        self.app.push_screen(SentScreen(stored.id, sent))

    def action_help(self) -> None:
        from localfirst.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def focus_next(self, selector="*"):
        """Tab from the prompt goes to the latest message (so "Tab, then c" copies it), not
        round to the chat list's search box; Shift+Tab walks back through the messages."""
        if self.focused is self.prompt and selector == "*":
            blocks = list(self.chat.query(MessageBlock))
            if blocks:
                blocks[-1].focus()
                return blocks[-1]
        return super().focus_next(selector)

    def action_settings(self) -> None:
        self.app.open_settings()

    def _refuse_while_busy(self) -> bool:
        if self.busy:
            self.notify("A reply is still streaming: Esc stops it first", severity="warning")
        return self.busy

    # conversations

    async def on_conversation_sidebar_opened(self, event: ConversationSidebar.Opened) -> None:
        await self.open_conversation(event.conversation_id, event.message_id, event.words)

    async def open_conversation(
        self, conversation_id: int, message_id: int | None = None, words: str = ""
    ) -> None:
        """Show a chat at its latest message, or at `message_id` (a search hit), scrolled to
        the part of it that holds `words`."""
        if self._refuse_while_busy():
            return
        try:
            conversation = self.services.conversation(conversation_id)
        except UserError as exc:
            self.notify(exc.message, severity="error")
            return
        self.session = self.services.new_session(conversation)
        self.session.mode = self.services.mode
        await self.chat.show_conversation(
            conversation.messages, self.services.config.cloud.prices, message_id, words
        )
        self.status_bar.set_title(conversation.title, conversation.sensitive)
        self.sidebar.current_id = conversation_id
        self.prompt.prompt_history = PromptHistory(
            [m.content for m in conversation.messages if m.role is Role.USER]
        )
        if message_id is not None:
            for widget in self.chat.query(f"#msg-{message_id}"):
                widget.add_class("found")
                widget.focus(scroll_visible=False)  # the chat view scrolls to the words

    async def on_conversation_sidebar_rename_requested(
        self, event: ConversationSidebar.RenameRequested
    ) -> None:
        self.rename_conversation(event.conversation_id)

    async def on_conversation_sidebar_delete_requested(
        self, event: ConversationSidebar.DeleteRequested
    ) -> None:
        self.delete_conversation(event.conversation_id)

    async def on_conversation_sidebar_export_requested(
        self, event: ConversationSidebar.ExportRequested
    ) -> None:
        self.ask_export(event.conversation_id, "md")

    def _current_id(self) -> int | None:
        return self.session.conversation.id if self.session.conversation else None

    @work(group="dialog", exclusive=True)
    async def rename_conversation(self, conversation_id: int | None = None) -> None:
        conversation_id = conversation_id or self._current_id()
        conversation = conversation_id and self.services.history.get_conversation(
            conversation_id, with_messages=False
        )
        if not conversation:
            self.notify("Open or select a chat to rename it", severity="warning")
            return
        title = await self.app.push_screen_wait(
            TextDialog("Rename chat", conversation.title, "a short title")
        )
        if title is None or not title.strip():
            return
        self.services.history.rename_conversation(conversation.id, title)
        if conversation.id == self._current_id():
            self.status_bar.set_title(title.strip(), conversation.sensitive)
            if self.session.conversation is not None:
                self.session.conversation.title = title.strip()
        await self.sidebar.reload(self._current_id())

    @work(group="dialog", exclusive=True)
    async def delete_conversation(self, conversation_id: int | None = None) -> None:
        conversation_id = conversation_id or self._current_id()
        conversation = conversation_id and self.services.history.get_conversation(
            conversation_id, with_messages=False
        )
        if not conversation:
            self.notify("Open or select a chat to delete it", severity="warning")
            return
        if conversation.id == self._current_id() and self._refuse_while_busy():
            return
        confirmed = await self.app.push_screen_wait(
            ConfirmDialog(
                "Delete this chat?",
                f"“{conversation.title or 'Untitled chat'}” and all its messages will be "
                "deleted from this machine. This cannot be undone.",
                confirm="Delete",
                danger=True,
            )
        )
        if not confirmed:
            return
        self.services.history.delete_conversation(conversation.id)
        if conversation.id == self._current_id():
            await self.action_new_chat()
        else:
            await self.sidebar.reload(self._current_id())
        self.notify(f"Deleted “{conversation.title or 'Untitled chat'}”")

    @work(group="export", exclusive=True, exit_on_error=False)
    async def ask_export(self, conversation_id: int | None, fmt: str) -> Path | None:
        """Ask where to save (suggesting the documents folder), then write; never overwrites."""
        conversation = self._conversation_to_export(conversation_id)
        if conversation is None:
            return None
        folder = default_export_dir(self.services.config.tui.export_dir)
        kind = "Markdown" if fmt == "md" else "JSON"
        answer = await self.app.push_screen_wait(
            TextDialog(
                f"Export this chat as {kind} to:",
                str(free_export_path(conversation, folder, fmt)),
                placeholder="a file or a folder",
            )
        )
        if not answer or not answer.strip():
            self.notify("Not exported", timeout=3)
            return None
        target = Path(answer.strip()).expanduser()
        try:
            if target.is_dir():
                path = export_conversation(conversation, conversation.messages, target, fmt)
            else:
                path = write_export(conversation, conversation.messages, target, fmt)
        except FileExistsError:
            self.notify(f"{target} already exists: nothing was overwritten", severity="error")
            return None
        except OSError as exc:
            self.notify(f"Could not export to {target}: {exc.strerror}", severity="error")
            return None
        self.notify(f"Exported to {path}", timeout=6)
        return path

    def _conversation_to_export(self, conversation_id: int | None):
        """The chat to export (the open one when no id is given), or None and a notice."""
        conversation_id = conversation_id or self._current_id()
        conversation = conversation_id and self.services.history.get_conversation(conversation_id)
        if not conversation:
            self.notify("Open a chat to export it", severity="warning")
            return None
        return conversation

    def export(self, conversation_id: int | None, fmt: str) -> Path | None:
        """Write the chat into the suggested folder at once, under a free name."""
        conversation = self._conversation_to_export(conversation_id)
        if conversation is None:
            return None
        folder = default_export_dir(self.services.config.tui.export_dir)
        try:
            path = export_conversation(conversation, conversation.messages, folder, fmt)
        except OSError as exc:
            self.notify(f"Could not export to {folder}: {exc.strerror}", severity="error")
            return None
        self.notify(f"Exported to {path}", timeout=6)
        return path

    # copying

    def last_reply(self) -> AssistantMessage | None:
        replies = self.chat.replies
        return replies[-1] if replies else None

    def copy_last_reply(self) -> None:
        reply = self.last_reply()
        if reply is None:
            self.notify("No reply to copy yet", severity="warning")
            return
        reply.action_copy_text()

    def copy_code(self, index: int) -> None:
        reply = self.last_reply()
        blocks = code_blocks(reply.text) if reply else []
        if index >= len(blocks):
            self.notify("No such code block", severity="warning")
            return
        self.app.copy_to_clipboard(blocks[index])
        self.notify(f"Code block {index + 1} copied to the clipboard")

    # the command palette
