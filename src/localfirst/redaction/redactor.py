"""Replace the gate's findings in a whole payload with stable placeholders, via presidio-anonymizer.

The gate already knows where the personal data is (its findings carry a type, a message and a
span); this module hands those spans to Presidio's AnonymizerEngine with one custom operator
that asks the conversation's PlaceholderMap for each value's placeholder. Presidio resolves
overlapping and adjacent spans; the operator keeps the numbering stable across turns.

Values the conversation has already redacted are also matched wherever they occur again, so a
name the gate recognised in one turn is hidden in every turn, even where the gate missed it;
the parts of a redacted person's name ("Maria" of "Maria Gonzalez") stand for the same person.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from localfirst.redaction.placeholders import PLACEHOLDER, PlaceholderMap
from localfirst.types.messages import ChatMessage, Role
from localfirst.types.verdict import Finding, GateVerdict

if TYPE_CHECKING:
    from presidio_anonymizer import AnonymizerEngine

# Told to the cloud model so it writes placeholders back verbatim, which is what lets the reply
# be restored. It names no value and no type that was not already visible in the payload.
PLACEHOLDER_NOTE = (
    "Some details in this conversation were replaced by placeholders such as {example}. "
    "Write a placeholder exactly as it appears wherever that detail belongs in your answer; "
    "do not guess the real value."
)
_NOTE_START = PLACEHOLDER_NOTE.split("{", 1)[0]
OPERATOR_NAME = "localfirst_placeholder"
# A known value shorter than this is not hunted for in other turns: "Al" would hit "Al2O3".
MIN_PROPAGATED_LENGTH = 3
# A value matched elsewhere scores just under a certain gate finding, so the gate's wins a tie.
PROPAGATED_SCORE = 0.99
# Entity types whose single words also stand for the whole value.
NAME_TYPES = frozenset({"PERSON"})
_NAME_PART = re.compile(r"[^\W\d_][^\W\d_'’\-]{2,}")
_TITLES = frozenset({"Mr", "Mrs", "Ms", "Miss", "Dr", "Prof", "Sir", "Madam", "Mx"})
# Greetings and titles spaCy sometimes counts into a name ("Dear Maria Gonzalez"): left in the
# clear, so "Maria Gonzalez" keeps one placeholder however she is addressed.
_NAME_PREFIX = re.compile(
    r"^(?:(?:dear|hi|hello|hey|mr|mrs|ms|miss|mx|dr|prof|sir|madam)\.?\s+)+", re.IGNORECASE
)


# Rounds of redact, re-check: a redacted payload can read differently to the gate ("William
# Hughes" above an address it replaced becomes a name), so what the re-check still finds of an
# allowed type is redacted in turn. Nothing is sent until a re-check comes back clean.
REDACTION_ROUNDS = 3


class CheckFn(Protocol):
    """The privacy gate's verdict on a payload (`PrivacyGate.check_payload`, `Router.check`)."""

    def __call__(self, payload: Sequence[ChatMessage]) -> GateVerdict: ...


@dataclass(frozen=True)
class RedactedPayload:
    """What goes to the cloud instead of the payload, and which placeholders it holds."""

    messages: tuple[ChatMessage, ...]
    placeholders: tuple[str, ...]  # the placeholders in this payload, in order of appearance

    def as_dicts(self) -> list[dict[str, str]]:
        return [m.as_dict() for m in self.messages]


@dataclass(frozen=True)
class CheckedRedaction:
    """A redaction the gate passed (`payload`), or why there is none (`problem`)."""

    payload: RedactedPayload | None
    problem: str = ""
    residual: tuple[Finding, ...] = ()  # what the last re-check still found
    rounds: int = 0  # re-checks made


class Redactor:
    """Builds one AnonymizerEngine on first use and reuses it from any thread."""

    def __init__(self) -> None:
        self._engine: AnonymizerEngine | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        self._get_engine()

    def redact(
        self,
        payload: Sequence[ChatMessage],
        findings: Iterable[Finding],
        allowed_types: AbstractSet[str],
        placeholders: PlaceholderMap,
    ) -> RedactedPayload:
        """`payload` with every finding of an allowed type, and every known value, replaced.

        `findings` are the gate's for this very payload (sources "system", "turn N", "prompt").
        `placeholders` is the conversation's map; it learns the new values.
        """
        placeholders.reserve_literals(m.content for m in payload)
        spans: list[list[tuple[str, int, int, float]]] = [[] for _ in payload]
        for finding in findings:
            if finding.type not in allowed_types:
                continue
            index = message_index(finding.source, payload)
            if index is None:
                continue
            content = payload[index].content
            if 0 <= finding.start < finding.end <= len(content):
                spans[index].append((finding.type, finding.start, finding.end, finding.score))
        known = {value: kind for kind, value in placeholders.values()}
        for index, message_spans in enumerate(spans):
            for kind, start, end, _score in message_spans:
                known.setdefault(payload[index].content[start:end], kind)
        pattern = _values_pattern(known)
        if pattern is not None:
            for index, message in enumerate(payload):
                for match in pattern.finditer(message.content):
                    kind = known[match.group(0)]
                    spans[index].append((kind, match.start(), match.end(), PROPAGATED_SCORE))

        engine = self._get_engine()
        texts = [m.content for m in payload]
        for index, message_spans in enumerate(spans):
            if message_spans:
                texts[index] = _anonymize(engine, texts[index], message_spans, placeholders)
        # second pass: a redacted person's single names, wherever they are still in the clear
        parts = _name_parts(placeholders)
        if parts is not None:
            for index, text in enumerate(texts):
                part_spans = [
                    (parts[m.group(0)], m.start(), m.end(), PROPAGATED_SCORE)
                    for m in _values_pattern(parts).finditer(text)
                    if not _inside_placeholder(text, m.start(), m.end())
                ]
                if part_spans:
                    texts[index] = _anonymize(engine, text, part_spans, placeholders)
        messages = [ChatMessage(m.role, t) for m, t in zip(payload, texts, strict=True)]
        # placeholders the user typed were reserved, so any the map knows were put there by us
        used = [p for p in dict.fromkeys(_in_order(texts)) if placeholders.value_of(p)]
        if used:
            messages = _with_note(messages, used[0])
        return RedactedPayload(tuple(messages), tuple(used))

    def redact_checked(
        self,
        payload: Sequence[ChatMessage],
        findings: Iterable[Finding],
        allowed_types: AbstractSet[str],
        placeholders: PlaceholderMap,
        check: CheckFn,
    ) -> CheckedRedaction:
        """Redact, then re-check with the gate until it passes the result, or say why not.

        What a re-check still finds is redacted in turn when its type is allowed, for at most
        REDACTION_ROUNDS re-checks; a finding of another type, or a gate that cannot run,
        ends it with nothing to send.
        """
        redacted = self.redact(payload, findings, allowed_types, placeholders)
        residual: tuple[Finding, ...] = ()
        for round_number in range(1, REDACTION_ROUNDS + 1):
            verdict = check(redacted.messages)
            if verdict.error:
                problem = f"the redacted text could not be checked ({verdict.error})"
                return CheckedRedaction(None, problem, (), round_number)
            residual = residual_findings(verdict, redacted.messages)
            if not residual:
                return CheckedRedaction(redacted, "", (), round_number)
            if (
                any(f.type not in allowed_types for f in residual)
                or round_number == REDACTION_ROUNDS
            ):
                break
            # the findings of allowed types this re-check made, outside our placeholders
            again = [f for f in verdict.findings if f.type in allowed_types]
            redacted = self.redact(redacted.messages, again, allowed_types, placeholders)
        where = ", ".join(sorted({f"{f.type} in {f.source}" for f in residual}))
        return CheckedRedaction(
            None, f"still sensitive after redaction ({where})", residual, round_number
        )

    def _get_engine(self) -> AnonymizerEngine:
        with self._lock:
            if self._engine is None:
                from presidio_anonymizer import AnonymizerEngine

                engine = AnonymizerEngine()
                engine.add_anonymizer(_placeholder_operator())
                self._engine = engine
            return self._engine


def residual_findings(verdict: GateVerdict, redacted: Sequence[ChatMessage]) -> tuple[Finding, ...]:
    """Sensitive findings of the re-check that are not just the gate reading a placeholder.

    A finding counts unless everything it covers, once placeholders are blanked out, is
    punctuation or space: "<PERSON_1>" alone is ours, "<PERSON_1> Smith" still holds a name.
    """
    masked = [PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), m.content) for m in redacted]
    residual: list[Finding] = []
    for finding in verdict.findings:
        if not finding.sensitive:
            continue
        index = message_index(finding.source, redacted)
        covered = masked[index][finding.start : finding.end] if index is not None else ""
        if not covered or any(ch.isalnum() for ch in covered):
            residual.append(finding)  # a finding that cannot be placed counts, too
    return tuple(residual)


def message_index(source: str, payload: Sequence[ChatMessage]) -> int | None:
    """Which message a finding's `source` names: "prompt" is the last, "turn N" the Nth
    non-system message, "system" the (first) system message."""
    if not payload:
        return None
    if source == "prompt":
        return len(payload) - 1
    if source == "system":
        return next((i for i, m in enumerate(payload) if m.role is Role.SYSTEM), None)
    if source.startswith("turn "):
        try:
            wanted = int(source.removeprefix("turn "))
        except ValueError:
            return None
        turn = 0
        for i, message in enumerate(payload[:-1]):
            if message.role is Role.SYSTEM:
                continue
            if turn == wanted:
                return i
            turn += 1
    return None


def _name_parts(placeholders: PlaceholderMap) -> dict[str, str] | None:
    """Each word of a redacted name -> the name's type, registered as an alias of its
    placeholder; None when there are none."""
    parts: dict[str, str] = {}
    for placeholder, entity_type, value in placeholders:
        if entity_type not in NAME_TYPES:
            continue
        words = _NAME_PART.findall(value)
        if len(words) < 2:
            continue
        for word in words:
            if word[0].isupper() and not word.isupper() and word not in _TITLES:
                placeholders.alias(word, placeholder)
                parts.setdefault(word, entity_type)
    return parts or None


def _inside_placeholder(text: str, start: int, end: int) -> bool:
    return any(m.start() <= start and end <= m.end() for m in PLACEHOLDER.finditer(text))


def _in_order(texts: Iterable[str]) -> Iterable[str]:
    for text in texts:
        for match in PLACEHOLDER.finditer(text):
            yield match.group(0)


def _values_pattern(known: dict[str, str]) -> re.Pattern[str] | None:
    """One regex matching every known value as a whole word, longest first."""
    values = sorted(
        (v for v in known if len(v.strip()) >= MIN_PROPAGATED_LENGTH), key=len, reverse=True
    )
    if not values:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(v) for v in values) + r")(?!\w)")


def _anonymize(
    engine: AnonymizerEngine,
    text: str,
    spans: list[tuple[str, int, int, float]],
    placeholders: PlaceholderMap,
) -> str:
    from presidio_anonymizer.entities import (
        ConflictResolutionStrategy,
        OperatorConfig,
        RecognizerResult,
    )

    result = engine.anonymize(
        text=text,
        analyzer_results=[RecognizerResult(kind, s, e, score) for kind, s, e, score in spans],
        operators={"DEFAULT": OperatorConfig(OPERATOR_NAME, {"placeholders": placeholders})},
        # overlapping spans of different types are trimmed against each other, not both kept:
        # every character stays covered and no placeholder is written into another
        conflict_resolution=ConflictResolutionStrategy.REMOVE_INTERSECTIONS,
    )
    return result.text


def _with_note(messages: list[ChatMessage], example: str) -> list[ChatMessage]:
    note = PLACEHOLDER_NOTE.format(example=example)
    if messages and messages[0].role is Role.SYSTEM:
        first = messages[0]
        if _NOTE_START in first.content:
            return messages  # a payload redacted once more keeps its one note
        joined = f"{first.content}\n\n{note}" if first.content else note
        return [ChatMessage(Role.SYSTEM, joined), *messages[1:]]
    return [ChatMessage(Role.SYSTEM, note), *messages]


@cache
def _placeholder_operator() -> type:
    """The custom operator class, made on first use so importing this module stays cheap."""
    from presidio_anonymizer.entities import InvalidParamError
    from presidio_anonymizer.operators import Operator, OperatorType

    class PlaceholderOperator(Operator):
        """Replaces a value with its conversation-stable placeholder, e.g. <PERSON_1>."""

        def operate(self, text: str | None = None, params: dict[str, Any] | None = None) -> str:
            assert params is not None and text is not None
            core = text.strip()
            if not core:
                return text  # a span trimmed down to spaces by conflict resolution
            # spaces a trimmed span kept at its edges stay outside the placeholder, and so do
            # a greeting or title before a name
            before, after = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
            entity_type = params["entity_type"]
            if entity_type in NAME_TYPES:
                prefix = _NAME_PREFIX.match(core)
                if prefix and prefix.end() < len(core):
                    before, core = before + prefix.group(0), core[prefix.end() :]
            placeholder = params["placeholders"].placeholder_for(entity_type, core)
            return f"{before}{placeholder}{after}"

        def validate(self, params: dict[str, Any] | None = None) -> None:
            if not isinstance((params or {}).get("placeholders"), PlaceholderMap):
                raise InvalidParamError("the placeholder operator needs a PlaceholderMap")

        def operator_name(self) -> str:
            return OPERATOR_NAME

        def operator_type(self) -> OperatorType:
            return OperatorType.Anonymize

    return PlaceholderOperator
