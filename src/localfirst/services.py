"""The app's parts, wired once and built on first use; the TUI and the CLI share them.

Nothing here does work at construction: the history opens, the model registry reads, and the
gate and scorer load only when something asks for them.
"""

from __future__ import annotations

import logging
import threading
from functools import cached_property
from typing import TYPE_CHECKING

from localfirst.config import AppPaths, Config, load_config
from localfirst.errors import NoModelError, UserError
from localfirst.session.chat import ChatSession
from localfirst.types.backend import Backend, GenerationParams
from localfirst.types.decision import Availability, SessionMode, Target
from localfirst.types.messages import Conversation

if TYPE_CHECKING:
    from localfirst.backends.cloud import CloudBackend
    from localfirst.backends.llama_backend import LlamaBackend
    from localfirst.keys.store import KeyStore
    from localfirst.models.registry import ModelRegistry
    from localfirst.routing.router import Router
    from localfirst.storage.history import History

log = logging.getLogger(__name__)

# The smallest context of the cloud models localfirst offers (Claude and GPT models of 2025
# on hold 200,000 tokens or more); a prompt longer than this fits no model at all.
CLOUD_CONTEXT_TOKENS = 200_000


class Services:
    def __init__(
        self,
        paths: AppPaths | None = None,
        config: Config | None = None,
        *,
        offline: bool = False,
        local_only: bool = False,
    ) -> None:
        self.paths = paths or AppPaths.from_platform()
        self.config = config if config is not None else load_config(self.paths.config_file)
        self.offline = offline or self.config.offline
        self.local_only = local_only or self.config.routing.mode == "local-only"
        self._local_backend: LlamaBackend | None = None
        self._private_backends: list[Backend] | None = None
        self._cloud_backends: dict[str, CloudBackend] = {}
        self._retired: list[CloudBackend] = []
        self.notices: list[str] = []  # things the front end must tell the user once
        self._history: History | None = None
        self._history_lock = threading.Lock()

    def reconfigure(self, config: Config) -> set[str]:
        """Take a changed config and rebuild what depends on what changed; returns the parts
        rebuilt ("router", "gate", "private", "local") so a front end can warm them up.

        The session's mode flags (offline from the command line, the local-only toggle) stay
        as they are unless the config's own setting for them changed."""
        old, self.config = self.config, config
        rebuilt: set[str] = set()
        if config.network.offline != old.network.offline:
            self.offline = config.offline
        if config.routing.mode != old.routing.mode:
            self.local_only = config.routing.mode == "local-only"
        if config.privacy != old.privacy:
            self.__dict__.pop("router", None)  # a cached_property: built again on next use
            rebuilt |= {"router", "gate"}
        elif config.routing != old.routing and "router" in self.__dict__:
            self.router.keep_local_share = config.routing.keep_local_share  # the gate stays
            rebuilt.add("router")
        if config.private != old.private:
            self._private_backends = None
            rebuilt.add("private")
        if config.local != old.local and self._local_backend is not None:
            self._local_backend = None  # loaded again, with the new settings, on next use
            rebuilt.add("local")
        # cloud backends compare their config on each use (_cloud_backend)
        return rebuilt

    def hosts_allowed_offline(self) -> set[str]:
        """Private servers on loopback or a local network address stay reachable offline."""
        from localfirst.backends.private_server import PrivateServer

        servers = [PrivateServer.from_config(e) for e in self.config.private.servers]
        return {s.host for s in servers if s.on_local_network}

    @property
    def mode(self) -> SessionMode:
        if self.offline:
            return SessionMode.OFFLINE
        return SessionMode.LOCAL_ONLY if self.local_only else SessionMode.AUTO

    # parts

    @cached_property
    def registry(self) -> ModelRegistry:
        from localfirst.models.registry import ModelRegistry

        return ModelRegistry(self.paths.models_file)

    @property
    def history(self) -> History:
        """Opened on first use; the gate's loader thread may ask at the same moment as the
        UI, so a lock makes sure there is one History only."""
        with self._history_lock:
            if self._history is None:
                from localfirst.storage.history import History

                history = History(self.paths.history_db)
                if history.moved_aside is not None:
                    self.notices.append(
                        f"the history file {self.paths.history_db} was damaged: it was moved "
                        f"aside as {history.moved_aside.name} (nothing was deleted) and a fresh "
                        "history was started"
                    )
                self._history = history
            return self._history

    @cached_property
    def keys(self) -> KeyStore:
        from localfirst.keys.store import KeyStore

        return KeyStore()

    @cached_property
    def router(self) -> Router:
        from localfirst.routing.router import Router

        return Router(
            gate_factory=self._build_gate,
            scorer_factory=self._build_scorer,
            availability=self.availability,
            keep_local_share=self.config.routing.keep_local_share,
            local_availability=self.local_availability,
        )

    def _build_gate(self):
        from localfirst.privacy.gate import PrivacyGate

        return PrivacyGate.build(
            self.config.privacy, offline=self.offline, store=self._findings_store()
        )

    def _findings_store(self) -> History | None:
        """The history keeps the gate's findings across restarts; without a usable history
        file the gate still runs, it only analyses earlier turns again."""
        try:
            return self.history
        except Exception as exc:  # a damaged or unwritable history must not stop the gate
            log.warning("no stored findings: %s", exc)
            return None

    @staticmethod
    def _build_scorer():
        from localfirst.complexity.scorer import ComplexityScorer

        return ComplexityScorer.load()

    # what can answer

    def local_model_name(self) -> str | None:
        """What answers locally first: a private server, else the in-process model."""
        if self.config.private.servers:
            from localfirst.backends.private_server import PrivateServer

            return PrivateServer.from_config(self.config.private.servers[0]).label
        return self.in_process_model_name()

    def in_process_model_name(self) -> str | None:
        if not self.config.private.use_in_process and self.config.private.servers:
            return None
        try:
            return self.registry.resolve(self.config.local.model).name
        except UserError:
            return None

    def cloud_choice(self):
        """The usable cloud provider, or a string saying why there is none."""
        from localfirst.backends.factory import NoCloud, resolve_cloud

        if self.offline:
            return NoCloud("offline mode is on", "offline")
        try:
            return resolve_cloud(self.config.cloud, self.keys, offline=self.offline)
        except UserError as exc:  # the keyring refused, say
            return NoCloud(exc.message, "error")

    def availability(self) -> Availability:
        choice = self.cloud_choice()
        if isinstance(choice, str):
            return Availability(
                local_model=self.local_model_name(),
                cloud_model=None,
                network=not self.offline,
                cloud_missing_reason=choice,
            )
        return Availability(self.local_model_name(), choice.label, network=not self.offline)

    def local_availability(self) -> Availability:
        """What can answer a message that goes local whatever it holds: the cloud is not
        looked up (the keyring's first call costs 0.3 s, and on a desktop a D-Bus round trip)."""
        return Availability(
            self.local_model_name(),
            None,
            network=not self.offline,
            cloud_missing_reason="not looked up: this message is answered locally",
        )

    def local_backend(self) -> LlamaBackend:
        """The in-process model, loaded once per process and reused."""
        from localfirst.backends.llama_backend import LlamaBackend

        model = self.registry.resolve(self.config.local.model)
        if self._local_backend is None or self._local_backend.model_path != model.path:
            self._local_backend = LlamaBackend(model.path, model.name, self.config.local)
        return self._local_backend

    def local_backends(self) -> list[Backend]:
        """The local tier in order: configured private servers, then the in-process model."""
        tiers: list[Backend] = []
        if self.config.private.servers:
            if self._private_backends is None:
                from localfirst.backends.private_server import private_backends

                self._private_backends = private_backends(self.config.private.servers, self.keys)
            tiers += self._private_backends
        if self.config.private.use_in_process or not tiers:
            if tiers and self.in_process_model_name() is None:
                return tiers  # no model installed: the servers are all there is
            tiers.append(self.local_backend())
        return tiers

    def backend_for(self, target: Target) -> Backend:
        if target is Target.LOCAL:
            return self.local_backends()[0]
        choice = self.cloud_choice()
        if isinstance(choice, str):
            raise UserError(f"cloud unavailable: {choice}")
        return self._cloud_backend(choice)

    def _cloud_backend(self, choice) -> Backend:
        """One backend, and so one SDK client and connection pool, per provider: rebuilt only
        when the choice, the [cloud] settings or the key change."""
        from localfirst.backends.factory import build_cloud_backend

        kept = self._cloud_backends.get(choice.provider)
        key = self.keys.get(choice.provider).key
        same = kept is not None and kept.choice == choice and kept.config == self.config.cloud
        if same and key is not None and kept.holds_key(key):
            return kept
        backend = build_cloud_backend(self.config.cloud, self.keys, choice)
        if kept is not None:
            self._retired.append(kept)  # closed at exit: a reply may still be streaming from it
        self._cloud_backends[choice.provider] = backend
        return backend

    async def aclose(self) -> None:
        """Close the cloud clients' connections; front ends call this once, before exit."""
        backends = [*self._cloud_backends.values(), *self._retired]
        self._cloud_backends, self._retired = {}, []
        for backend in backends:
            await backend.aclose()

    def params_for(self, target: Target) -> GenerationParams:
        section = self.config.local if target is Target.LOCAL else self.config.cloud
        return GenerationParams(max_tokens=section.max_tokens, temperature=section.temperature)

    def reference_cloud_model(self) -> str:
        """The cloud model a local answer is priced against, for the 'saved' estimate."""
        choice = self.cloud_choice()
        if not isinstance(choice, str):
            return choice.label
        from localfirst.providers import DEFAULT_MODELS, PROVIDER_NAMES

        provider = self.config.cloud.provider or PROVIDER_NAMES[0]
        return f"{provider}/{self.config.cloud.model or DEFAULT_MODELS[provider]}"

    def reply_cost(self, target: Target, model: str, input_tokens: int, output_tokens: int) -> dict:
        """Estimated USD spent on a cloud reply, or saved by answering locally (None: unknown)."""
        from localfirst.pricing import estimate_cost

        prices = self.config.cloud.prices
        if target is Target.CLOUD:
            return {"cost_usd": estimate_cost(model, input_tokens, output_tokens, prices)}
        reference = self.reference_cloud_model()
        # what the prompt would have cost on the reference model (the token counts are local)
        saved = estimate_cost(reference, input_tokens, output_tokens, prices)
        return {"saved_usd": saved, "priced_against": reference}

    # sessions

    def new_session(self, conversation: Conversation | None = None) -> ChatSession:
        return ChatSession(
            history=self.history,
            route=self.router.route,
            backends=self,
            system_prompt=self.config.tui.system_prompt,
            conversation=conversation,
            mode=self.mode,
            fallback_to_local=self.config.cloud.fallback_to_local,
            check=self.router.check,
            redact=self.config.redaction.enabled,
            redaction_types=self.config.redaction.types,
            max_context_tokens=self.max_context_tokens,
            route_unchecked=self.router.route_unchecked,
            gate_loaded=lambda: self.router.gate_loaded,
        )

    def max_context_tokens(self) -> int | None:
        """The largest context any model that could answer now holds, in tokens."""
        availability = self.availability()
        sizes = []
        if availability.local_model:
            sizes.append(self.config.local.context_size)
        if availability.cloud_model and not self.local_only and not self.offline:
            sizes.append(CLOUD_CONTEXT_TOKENS)
        return max(sizes) if sizes else None

    def conversation(self, conversation_id: int) -> Conversation:
        conv = self.history.get_conversation(conversation_id)
        if conv is None:
            raise UserError(
                f"no conversation with id {conversation_id}",
                "list them with `localfirst history list`",
            )
        return conv


__all__ = ["NoModelError", "Services"]
