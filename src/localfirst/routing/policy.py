"""The routing policy: a pure function, tested table-style.

Order of precedence, safest first: offline mode, an explicit local request, a gate that could
not run (fail closed), sensitive findings, a local-only session; only then does complexity
decide. Sensitive always wins over complex. Every branch says why in words a user understands.

Redaction (opt-in) adds one way out for sensitive payloads: when every sensitive finding is of a
type the user allows to be redacted, a hard prompt goes to the cloud as "cloud (redacted)". The
session then replaces the findings with placeholders and sends only if the gate passes the
redacted payload; the policy never sees the text, so it only decides that this may be tried.
"""

from __future__ import annotations

from localfirst.explain import describe_findings
from localfirst.types.decision import Availability, Decision, Override, Rule, SessionMode, Target
from localfirst.types.score import ComplexityScore
from localfirst.types.verdict import GateVerdict

INSTALL_MODEL_HINT = "install one with `localfirst models pull` or `localfirst models import FILE`"
OFFLINE_MODEL_HINT = (
    "copy a .gguf file to this machine and run `localfirst models import FILE`, "
    "or copy a Hugging Face cache (~/.cache/huggingface/hub) from a connected machine"
)


def local_regardless(mode: SessionMode, override: Override) -> bool:
    """Whether a message goes to the local tier whatever the gate finds: offline, a local-only
    session, or the user asked for the local model. Its reply need not wait for the check."""
    return mode in (SessionMode.OFFLINE, SessionMode.LOCAL_ONLY) or override is Override.LOCAL


def decide(
    verdict: GateVerdict,
    complexity: ComplexityScore | None,
    mode: SessionMode,
    availability: Availability,
    threshold: float,
    override: Override = Override.NONE,
    redaction: frozenset[str] | None = None,
) -> Decision:
    """Choose where a message goes and say why.

    `redaction` is the set of entity types that may be redacted and sent when redaction is on
    for this message, None when it is off.
    """
    score = None if complexity is None else complexity.score
    common = {
        "sensitive": verdict.sensitive,
        "entities": verdict.findings,
        "complexity": score,
        "threshold": threshold,
        "mode": mode,
        "override": override,
    }

    def local(rule: Rule, *reasons: str) -> Decision:
        if availability.local_model is None:
            hint = OFFLINE_MODEL_HINT if mode is SessionMode.OFFLINE else INSTALL_MODEL_HINT
            return Decision(
                Target.LOCAL,
                None,
                (*reasons, f"no local model is installed: {hint}"),
                rule,
                available=False,
                **common,
            )
        return Decision(Target.LOCAL, availability.local_model, reasons, rule, **common)

    def cloud(rule: Rule, *reasons: str, redacted: bool = False) -> Decision:
        return Decision(
            Target.CLOUD, availability.cloud_model, reasons, rule, redacted=redacted, **common
        )

    cloud_blocker = _cloud_blocker(mode, availability)
    findings = describe_findings(verdict.findings)
    # sensitive types redaction may not send; None when redaction is off for this message
    unredactable = (
        None if redaction is None else [t for t in verdict.sensitive_types if t not in redaction]
    )
    redactable = verdict.sensitive and unredactable == []

    if mode is SessionMode.OFFLINE:
        return local(Rule.OFFLINE, "offline mode: answered locally, nothing leaves this machine")
    if override is Override.LOCAL:
        return local(Rule.ASKED_LOCAL, "you asked for the local model for this message")

    if override in (Override.CLOUD, Override.CLOUD_FORCE):
        # the user asked for the cloud: name what the payload holds, wherever it is
        findings = describe_findings(verdict.findings, say_where=False)
        if cloud_blocker:
            return local(
                Rule.CLOUD_BLOCKED, f"cloud requested, but {cloud_blocker}: answered locally"
            )
        if verdict.error and override is Override.CLOUD:
            return local(
                Rule.UNCHECKED_HELD,
                f"privacy check could not run ({verdict.error}): kept local; confirm to send anyway",
            )
        if verdict.sensitive and override is Override.CLOUD:
            if redactable:
                return cloud(
                    Rule.ASKED_CLOUD_REDACTED,
                    f"you asked for the cloud: {findings} redacted, "
                    f"then sent to {availability.cloud_model}",
                    redacted=True,
                )
            return local(
                Rule.SENSITIVE_HELD,
                f"{findings}, kept local; confirm to send it to the cloud anyway",
                *_not_redactable(unredactable),
            )
        if verdict.sensitive or verdict.error:
            what = findings if verdict.sensitive else "an unchecked payload"
            return cloud(
                Rule.FORCED_CLOUD,
                f"sent to {availability.cloud_model} by your override despite {what}",
            )
        return cloud(
            Rule.ASKED_CLOUD, f"you asked for the cloud: sent to {availability.cloud_model}"
        )

    if verdict.error:
        return local(
            Rule.GATE_FAILED,
            f"privacy check could not run ({verdict.error}): kept local (fail closed)",
        )
    if verdict.sensitive:
        if redaction is None:
            return local(Rule.SENSITIVE, f"{findings}, kept local")
        if not redactable:
            return local(Rule.SENSITIVE, f"{findings}, kept local", *_not_redactable(unredactable))
        if score is None:
            return local(
                Rule.SENSITIVE,
                f"{findings}, kept local",
                "complexity could not be scored, so it was not redacted and escalated",
            )
        if score < threshold:
            return local(
                Rule.SENSITIVE,
                f"{findings}, kept local",
                f"complexity {score:.2f} < {threshold:.2f}: simple enough for the local model",
            )
        if cloud_blocker:
            return local(
                Rule.SENSITIVE,
                f"{findings}, kept local",
                f"redacting and escalating needs the cloud, but {cloud_blocker}",
            )
        signals = f", {', '.join(complexity.signals)}" if complexity and complexity.signals else ""
        return cloud(
            Rule.SENSITIVE_REDACTED,
            f"{findings}: redacted, then escalated to {availability.cloud_model} "
            f"(complexity {score:.2f} ≥ {threshold:.2f}{signals})",
            redacted=True,
        )
    if mode is SessionMode.LOCAL_ONLY:
        return local(Rule.LOCAL_ONLY, "local-only session: answered locally")

    if availability.local_model is None:
        if cloud_blocker:
            return local(Rule.NO_MODEL_AT_ALL, f"{cloud_blocker}")
        return cloud(
            Rule.NO_LOCAL_MODEL, f"no local model installed: sent to {availability.cloud_model}"
        )

    if score is None:
        return local(Rule.UNSCORED, "complexity could not be scored: answered locally")
    signals = f" ({', '.join(complexity.signals)})" if complexity and complexity.signals else ""
    if score >= threshold:
        if cloud_blocker:
            return local(
                Rule.COMPLEX_BLOCKED,
                f"complexity {score:.2f} ≥ {threshold:.2f} would escalate, "
                f"but {cloud_blocker}: answered locally",
            )
        return cloud(
            Rule.COMPLEX,
            f"complexity {score:.2f} ≥ {threshold:.2f}{signals}: "
            f"escalated to {availability.cloud_model}",
        )
    return local(
        Rule.SIMPLE, f"complexity {score:.2f} < {threshold:.2f}: simple enough for the local model"
    )


def _cloud_blocker(mode: SessionMode, availability: Availability) -> str | None:
    """Why the cloud cannot be used right now, or None when it can."""
    if mode is SessionMode.OFFLINE:
        return "offline mode is on"
    if mode is SessionMode.LOCAL_ONLY:
        return "this is a local-only session"
    if not availability.network:
        return "the network is off"
    if availability.cloud_model is None:
        return availability.cloud_missing_reason
    return None


def _not_redactable(types: list[str] | None) -> tuple[str, ...]:
    """Why redaction could not help, naming the types it may not send; empty when it is off."""
    if not types:
        return ()
    verb = "is" if len(types) == 1 else "are"
    return (
        f"{', '.join(types)} {verb} never sent, not even redacted, "
        "unless you add the type to [redaction] types",
    )
