"""What the gate found, in a form the routing policy and the front ends can explain.

Kept free of Presidio imports so the policy and the CLI's fast paths never load the analyzer.
Findings carry types and spans, never the matched values, so they are safe to log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


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
