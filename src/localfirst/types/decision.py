"""The routing decision and its inputs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from localfirst.types.verdict import Finding


class Rule(StrEnum):
    """Which branch of the routing policy decided: front ends act on this, never on the words."""

    OFFLINE = "offline"  # offline mode: always local
    ASKED_LOCAL = "asked-local"  # the user asked for the local model
    CLOUD_BLOCKED = "cloud-blocked"  # the user asked for the cloud, but there is none to use
    UNCHECKED_HELD = "unchecked-held"  # asked for the cloud, gate failed: held until confirmed
    SENSITIVE_HELD = (
        "sensitive-held"  # asked for the cloud, payload sensitive: held until confirmed
    )
    ASKED_CLOUD_REDACTED = "asked-cloud-redacted"  # asked for the cloud: sent redacted
    FORCED_CLOUD = "forced-cloud"  # confirmed: sent despite the gate's findings or failure
    ASKED_CLOUD = "asked-cloud"  # asked for the cloud, nothing sensitive: sent
    GATE_FAILED = "gate-failed"  # the privacy check could not run: kept local (fail closed)
    SENSITIVE = "sensitive"  # sensitive payload: kept local
    SENSITIVE_REDACTED = "sensitive-redacted"  # sensitive and hard: redacted, then escalated
    LOCAL_ONLY = "local-only"  # a local-only session
    NO_LOCAL_MODEL = "no-local-model"  # nothing installed locally: the cloud answers
    NO_MODEL_AT_ALL = "no-model"  # nothing installed and no cloud
    UNSCORED = "unscored"  # the scorer failed: local
    COMPLEX = "complex"  # hard enough to escalate: cloud
    COMPLEX_BLOCKED = "complex-blocked"  # hard, but no cloud to use: local
    SIMPLE = "simple"  # simple enough for the local model
    TOO_LONG = "too-long"  # longer than any model here holds: refused, nothing sent


class Target(StrEnum):
    LOCAL = "local"
    CLOUD = "cloud"


class SessionMode(StrEnum):
    AUTO = "auto"
    LOCAL_ONLY = "local-only"  # cloud routes off for this session; downloads still allowed
    OFFLINE = "offline"  # no network connection at all


class Override(StrEnum):
    NONE = "none"
    LOCAL = "local"  # the user asked for the local model for this message
    CLOUD = "cloud"  # the user asked for the cloud; still refused if the gate flags the payload
    CLOUD_FORCE = "cloud-force"  # the user confirmed sending despite the gate's findings


@dataclass(frozen=True)
class Availability:
    """Which backends could answer right now; `None` names mean not available."""

    local_model: str | None = None
    cloud_model: str | None = None  # "provider/model" when a key is present
    network: bool = True
    cloud_missing_reason: str = "no cloud API key (add one with `localfirst keys set anthropic`)"


@dataclass(frozen=True)
class Decision:
    target: Target
    model: str | None
    reasons: tuple[str, ...]
    rule: Rule = Rule.SIMPLE
    sensitive: bool = False
    entities: tuple[Finding, ...] = ()
    complexity: float | None = None
    threshold: float | None = None
    mode: SessionMode = SessionMode.AUTO
    override: Override = Override.NONE
    # False when the chosen target cannot answer (e.g. private data but no local model);
    # the reasons then say how to fix it.
    available: bool = True
    # True for the "cloud (redacted)" route: the payload goes with its personal data replaced
    # by placeholders, and only after the redacted payload passed the gate again.
    redacted: bool = False

    @property
    def summary(self) -> str:
        """One line a user understands, e.g. for the route badge."""
        return self.reasons[0] if self.reasons else str(self.target)

    @property
    def route_name(self) -> str:
        """The route as the transcript names it: local, cloud, or cloud (redacted)."""
        return f"{self.target} (redacted)" if self.redacted else str(self.target)

    def as_dict(self) -> dict:
        return {
            "target": str(self.target),
            "rule": str(self.rule),
            "model": self.model,
            "available": self.available,
            "reasons": list(self.reasons),
            "sensitive": self.sensitive,
            "entities": [f.as_dict() for f in self.entities],
            "complexity": None if self.complexity is None else round(self.complexity, 4),
            "threshold": None if self.threshold is None else round(self.threshold, 4),
            "mode": str(self.mode),
            "override": str(self.override),
            "redacted": self.redacted,
        }
