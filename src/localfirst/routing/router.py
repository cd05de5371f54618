"""Gathers what the policy needs (gate verdict, complexity, availability) and asks it.

The gate and the scorer are passed in as factories and built on first use, so constructing
a router costs nothing and the TUI can warm them up in a background worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

from localfirst.routing.policy import decide, local_regardless
from localfirst.text.normalize import canonicalize
from localfirst.types.decision import Availability, Decision, Override, SessionMode
from localfirst.types.messages import ChatMessage
from localfirst.types.score import ComplexityScore
from localfirst.types.verdict import Finding, GateVerdict


class Gate(Protocol):
    def check_payload(self, messages: Sequence[ChatMessage]) -> GateVerdict: ...


class Scorer(Protocol):
    def score(self, text: str) -> ComplexityScore: ...

    def threshold_for_local_share(self, share: float) -> float: ...


T = TypeVar("T")


class _Lazy(Generic[T]):
    """Builds a component once, on first use, from any thread; remembers a failure."""

    def __init__(self, factory: Callable[[], T] | None) -> None:
        self._factory = factory
        self._value: T | None = None
        self._error: str | None = None if factory else "not available in this build"
        self._lock = threading.Lock()

    def get(self) -> T | None:
        with self._lock:
            if self._value is None and self._error is None and self._factory is not None:
                try:
                    self._value = self._factory()
                except Exception as exc:  # a component that cannot load must not crash the app
                    self._error = f"{type(exc).__name__}: {exc}"
            return self._value

    @property
    def error(self) -> str | None:
        return self._error

    @property
    def loaded(self) -> bool:
        return self._value is not None


EARLIER_SENSITIVE = "EARLIER_TURN_WITH_PRIVATE_DATA"


class Router:
    def __init__(
        self,
        gate_factory: Callable[[], Gate] | None,
        scorer_factory: Callable[[], Scorer] | None,
        availability: Callable[[], Availability],
        keep_local_share: float = 0.5,
        local_availability: Callable[[], Availability] | None = None,
    ) -> None:
        """`local_availability`: what can answer, without asking about the cloud (the
        keyring); used for a route that goes local whatever the gate finds."""
        self._gate = _Lazy(gate_factory)
        self._scorer = _Lazy(scorer_factory)
        self._availability = availability
        self._local_availability = local_availability or availability
        self.keep_local_share = keep_local_share

    def warm_up(self) -> None:
        """Load the gate and scorer now (call from a worker thread)."""
        self._gate.get()
        self._scorer.get()

    @property
    def gate_loaded(self) -> bool:
        """Whether the gate is loaded (a check then costs milliseconds, not a load)."""
        return self._gate.loaded

    @property
    def gate_error(self) -> str | None:
        return self._gate.error

    @property
    def scorer_error(self) -> str | None:
        return self._scorer.error

    def gate(self) -> Gate | None:
        """The loaded gate (loading it now if needed), or None when it cannot run."""
        return self._gate.get()

    def threshold(self) -> float:
        scorer = self._scorer.get()
        return scorer.threshold_for_local_share(self.keep_local_share) if scorer else 1.0

    def check(self, payload: Sequence[ChatMessage]) -> GateVerdict:
        gate = self._gate.get()
        if gate is None:
            return GateVerdict.failed(f"privacy gate unavailable: {self._gate.error}")
        try:
            return gate.check_payload(payload)
        except Exception as exc:  # fail closed: an analyzer crash keeps the prompt local
            return GateVerdict.failed(f"privacy gate failed: {type(exc).__name__}: {exc}")

    def score(self, prompt: str) -> ComplexityScore | None:
        scorer = self._scorer.get()
        if scorer is None:
            return None
        try:
            # the same canonical text the gate reads: a full-width or zero-width disguise
            # changes neither verdict
            return scorer.score(canonicalize(prompt).text)
        except Exception:
            return None

    def route_unchecked(self, mode: SessionMode, override: Override) -> Decision:
        """The route before the gate has run, for a message that goes local whatever it finds
        (`local_regardless`): the same target, model and reasons, without the findings. The
        caller runs `route` beside the reply and records its findings when they arrive."""
        if not local_regardless(mode, override):
            raise ValueError("only a local-regardless route can be decided before the gate")
        return decide(
            verdict=GateVerdict(),
            complexity=None,
            mode=mode,
            availability=self._local_availability(),
            threshold=1.0,
            override=override,
        )

    def route(
        self,
        payload: Sequence[ChatMessage],
        mode: SessionMode = SessionMode.AUTO,
        override: Override = Override.NONE,
        conversation_sensitive: bool = False,
        redaction: frozenset[str] | None = None,
    ) -> Decision:
        """Decide for `payload`: everything that would be sent, the new prompt last.

        `redaction`: the entity types that may be redacted and sent, when redaction is on.
        """
        verdict = self.check(payload)
        if conversation_sensitive and not verdict.sensitive and verdict.error is None:
            sticky = Finding(EARLIER_SENSITIVE, 0, 0, 1.0, source="history")
            verdict = GateVerdict((*verdict.findings, sticky), None, verdict.reasons)
        prompt = payload[-1].content if payload else ""
        return decide(
            verdict=verdict,
            complexity=self.score(prompt),
            mode=mode,
            availability=self._availability(),
            threshold=self.threshold(),
            override=override,
            redaction=redaction,
        )
