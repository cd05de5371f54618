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

from localfirst.complexity.score import ComplexityScore
from localfirst.privacy.verdict import GateVerdict
from localfirst.routing.decision import Availability, Decision, Override, SessionMode, Target

INSTALL_MODEL_HINT = "install one with `localfirst models pull` or `localfirst models import FILE`"
OFFLINE_MODEL_HINT = (
    "copy a .gguf file to this machine and run `localfirst models import FILE`, "
    "or copy a Hugging Face cache (~/.cache/huggingface/hub) from a connected machine"
)


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

    def local(*reasons: str) -> Decision:
        if availability.local_model is None:
            hint = OFFLINE_MODEL_HINT if mode is SessionMode.OFFLINE else INSTALL_MODEL_HINT
            return Decision(
                Target.LOCAL,
                None,
                (*reasons, f"no local model is installed: {hint}"),
                available=False,
                **common,
            )
        return Decision(Target.LOCAL, availability.local_model, reasons, **common)

    def cloud(*reasons: str, redacted: bool = False) -> Decision:
        return Decision(
            Target.CLOUD, availability.cloud_model, reasons, redacted=redacted, **common
        )

    cloud_blocker = _cloud_blocker(mode, availability)
    findings = _describe_findings(verdict)
    # sensitive types redaction may not send; None when redaction is off for this message
    unredactable = (
        None if redaction is None else [t for t in verdict.sensitive_types if t not in redaction]
    )
    redactable = verdict.sensitive and unredactable == []

    if mode is SessionMode.OFFLINE:
        return local("offline mode: answered locally, nothing leaves this machine")
    if override is Override.LOCAL:
        return local("you asked for the local model for this message")

    if override in (Override.CLOUD, Override.CLOUD_FORCE):
        # the user asked for the cloud: name what the payload holds, wherever it is
        findings = _describe_findings(verdict, say_where=False)
        if cloud_blocker:
            return local(f"cloud requested, but {cloud_blocker}: answered locally")
        if verdict.error and override is Override.CLOUD:
            return local(
                f"privacy check could not run ({verdict.error}): kept local; confirm to send anyway"
            )
        if verdict.sensitive and override is Override.CLOUD:
            if redactable:
                return cloud(
                    f"you asked for the cloud: {findings} redacted, "
                    f"then sent to {availability.cloud_model}",
                    redacted=True,
                )
            return local(
                f"{findings}, kept local; confirm to send it to the cloud anyway",
                *_not_redactable(unredactable),
            )
        if verdict.sensitive or verdict.error:
            what = findings if verdict.sensitive else "an unchecked payload"
            return cloud(f"sent to {availability.cloud_model} by your override despite {what}")
        return cloud(f"you asked for the cloud: sent to {availability.cloud_model}")

    if verdict.error:
        return local(f"privacy check could not run ({verdict.error}): kept local (fail closed)")
    if verdict.sensitive:
        if redaction is None:
            return local(f"{findings}, kept local")
        if not redactable:
            return local(f"{findings}, kept local", *_not_redactable(unredactable))
        if score is None:
            return local(
                f"{findings}, kept local",
                "complexity could not be scored, so it was not redacted and escalated",
            )
        if score < threshold:
            return local(
                f"{findings}, kept local",
                f"complexity {score:.2f} < {threshold:.2f}: simple enough for the local model",
            )
        if cloud_blocker:
            return local(
                f"{findings}, kept local",
                f"redacting and escalating needs the cloud, but {cloud_blocker}",
            )
        signals = f", {', '.join(complexity.signals)}" if complexity and complexity.signals else ""
        return cloud(
            f"{findings}: redacted, then escalated to {availability.cloud_model} "
            f"(complexity {score:.2f} ≥ {threshold:.2f}{signals})",
            redacted=True,
        )
    if mode is SessionMode.LOCAL_ONLY:
        return local("local-only session: answered locally")

    if availability.local_model is None:
        if cloud_blocker:
            return local(f"{cloud_blocker}")
        return cloud(f"no local model installed: sent to {availability.cloud_model}")

    if score is None:
        return local("complexity could not be scored: answered locally")
    signals = f" ({', '.join(complexity.signals)})" if complexity and complexity.signals else ""
    if score >= threshold:
        if cloud_blocker:
            return local(
                f"complexity {score:.2f} ≥ {threshold:.2f} would escalate, "
                f"but {cloud_blocker}: answered locally"
            )
        return cloud(
            f"complexity {score:.2f} ≥ {threshold:.2f}{signals}: "
            f"escalated to {availability.cloud_model}"
        )
    return local(f"complexity {score:.2f} < {threshold:.2f}: simple enough for the local model")


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


def _describe_findings(verdict: GateVerdict, say_where: bool = True) -> str:
    """What was found, by type; when the new message holds none of it, where it is instead
    ("an earlier message in this chat held PHONE_NUMBER"), so the reason does not name a type
    as if the new message held it."""
    sensitive = [f for f in verdict.findings if f.sensitive]
    here = sorted({f.type for f in sensitive if f.source in ("prompt", "system")})
    earlier = sorted({f.type for f in sensitive if f.source.startswith("turn ")} - set(here))
    sticky = any(f.source == "history" for f in sensitive)
    if not here and say_where:
        if earlier:
            return f"an earlier message in this chat held {_listed(earlier)}"
        if sticky:
            return "an earlier message in this chat held private data"
    types = verdict.sensitive_types
    kind = "credentials" if types and all(_is_credential(t) for t in types) else "personal data"
    return f"{kind}: {_listed(types)}"


def _listed(types: list[str]) -> str:
    return ", ".join(types[:4]) + (f" and {len(types) - 4} more" if len(types) > 4 else "")


def _is_credential(entity_type: str) -> bool:
    markers = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL", "JWT", "CONNECTION")
    return any(m in entity_type for m in markers)
