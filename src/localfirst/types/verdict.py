"""What the gate found, in a form the routing policy and the front ends can explain.

Kept free of Presidio imports so the policy and the CLI's fast paths never load the analyzer.
Findings carry types and spans, never the matched values, so they are safe to log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Category(StrEnum):
    """What kind of thing a finding is, set by the detector that found it."""

    PERSONAL = "personal data"  # names, contact details, identifiers, health, places
    CREDENTIAL = "credential"  # keys, tokens, passwords, connection strings, recovery phrases
    DENY_TERM = "deny term"  # a word the user listed in [privacy] deny_terms


@dataclass(frozen=True)
class Finding:
    type: str  # e.g. PHONE_NUMBER, EMAIL_ADDRESS, AWS_ACCESS_KEY
    start: int
    end: int
    score: float
    source: str = "prompt"  # prompt | system | turn N (0-based index in the conversation)
    sensitive: bool = True  # False for quasi-identifiers that are reported only
    # Which rule decided: the detector and pattern that found it ("credentials: prose password"),
    # and for a finding that is reported but not sensitive, the evidence that cleared it.
    rule: str = ""
    # set by the detector; not in as_dict(), whose keys are the route record's stable contract
    category: Category = Category.PERSONAL

    def from_source(self, source: str) -> Finding:
        """The same finding, placed in another message (what `dataclasses.replace` does, at a
        third of its cost: a payload of 200 turns places every stored finding again)."""
        return Finding(
            self.type,
            self.start,
            self.end,
            self.score,
            source,
            self.sensitive,
            self.rule,
            self.category,
        )

    def as_dict(self) -> dict:
        return {
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 3),
            "source": self.source,
            "sensitive": self.sensitive,
            "rule": self.rule,
        }


@dataclass(frozen=True)
class GateVerdict:
    findings: tuple[Finding, ...] = ()
    # Set when the gate could not run: the policy then fails closed and keeps the prompt local.
    error: str | None = None
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def sensitive(self) -> bool:
        return any(f.sensitive for f in self.findings)

    @property
    def sensitive_types(self) -> list[str]:
        return sorted({f.type for f in self.findings if f.sensitive})

    @classmethod
    def failed(cls, error: str) -> GateVerdict:
        return cls(error=error)


def text_digest(text: str) -> str:
    """The key a message's stored findings are filed under (its text is never stored twice)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def findings_to_json(findings: Sequence[Finding]) -> str:
    """One message's findings as the history stores them (types and spans, never values)."""
    return json.dumps([{**f.as_dict(), "category": f.category.value} for f in findings])


_NO_FINDINGS_JSON = findings_to_json(())
# a dict lookup, not `Category(value)`: a long chat's stored findings are read on every restart
_CATEGORY_BY_VALUE = {category.value: category for category in Category}


def findings_from_json_rows(raws: Sequence[str]) -> list[tuple[Finding, ...]]:
    """Many messages' stored findings at once: most messages have none, and the rest are
    decoded in one call of the JSON decoder, not one each."""
    with_findings = [raw for raw in raws if raw != _NO_FINDINGS_JSON]
    decoded = iter(json.loads(f"[{','.join(with_findings)}]"))
    return [() if raw == _NO_FINDINGS_JSON else _findings(next(decoded)) for raw in raws]


def _findings(items: list[dict]) -> tuple[Finding, ...]:
    return tuple(
        Finding(
            item["type"],
            int(item["start"]),
            int(item["end"]),
            float(item["score"]),
            item["source"],
            bool(item["sensitive"]),
            item["rule"],
            _CATEGORY_BY_VALUE[item["category"]],
        )
        for item in items
    )


class FindingsStore(Protocol):
    """Where the gate keeps each message's findings across restarts (the history file).

    Keys are `text_digest`s, filed under the gate's fingerprint (its rules and settings), so a
    changed rule or setting reads nothing that was found under the old one."""

    def load_findings(
        self, fingerprint: str, digests: Sequence[str]
    ) -> dict[str, tuple[Finding, ...]]: ...

    def save_findings(self, fingerprint: str, entries: Mapping[str, Sequence[Finding]]) -> None: ...
