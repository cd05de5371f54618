"""Decisions and events in words: the one module that phrases them, for the TUI, the CLI and JSON.

Front ends decide what to do from types (`Decision.rule`, `Finding.category`, `FellBack`,
`Done.stats`) and ask this module what to say; nothing parses these words back.

Route badges work from the route dict the history stores (`Decision.as_dict()` plus an optional
`fallback` note), so a live reply and one reopened from history read the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from localfirst.pricing import estimate_cost as _estimate_cost
from localfirst.types.decision import Decision
from localfirst.types.events import FellBack
from localfirst.types.verdict import Category, Finding

LOCAL_ICON = "⌂"
CLOUD_ICON = "☁"


def is_cloud(route: Mapping | None) -> bool:
    return bool(route) and route.get("target") == "cloud"


def route_label(route: Mapping | None, model: str = "") -> str:
    """'⌂ local · gemma-3-270m' or '☁ anthropic/claude-sonnet-4-5'."""
    if not route:
        return f"{LOCAL_ICON} local" + (f" · {model}" if model else "")
    name = model or route.get("model") or ""
    if is_cloud(route):
        redacted = " (redacted)" if route.get("redacted") else ""
        return f"{CLOUD_ICON} {name or 'cloud'}{redacted}"
    return f"{LOCAL_ICON} local" + (f" · {name}" if name else "")


def route_reason(route: Mapping | None) -> str:
    """The one line that says why: the decision's first reason, or the fallback that replaced it."""
    if not route:
        return ""
    if route.get("fallback"):
        return str(route["fallback"])
    reasons = route.get("reasons") or []
    if not route.get("available", True) and reasons:
        return str(reasons[-1])  # the last reason says how to fix it
    return str(reasons[0]) if reasons else ""


@dataclass(frozen=True)
class ReplyFigures:
    """What the stats line shows; timings are absent for replies reopened from history."""

    output_tokens: int = 0
    input_tokens: int = 0
    first_token_s: float | None = None
    tokens_per_s: float | None = None
    cost_usd: float | None = None


def stats_line(figures: ReplyFigures, outcome: str = "stop") -> str:
    parts: list[str] = []
    if figures.first_token_s is not None:
        parts.append(f"first token {figures.first_token_s:.2f} s")
    if figures.tokens_per_s is not None:
        parts.append(f"{figures.tokens_per_s:.1f} tok/s")
    if figures.output_tokens:
        parts.append(f"{figures.output_tokens} tokens")
    if figures.cost_usd is not None:
        parts.append(f"≈ ${figures.cost_usd:.4f}")
    ending = OUTCOME_WORDS.get(outcome)
    if ending:
        parts.append(ending)
    return " · ".join(parts)


OUTCOME_WORDS = {
    "length": "cut at the length limit",
    "cancelled": "stopped: partial reply kept",
    "cancelled-empty": "stopped before any text: nothing to keep",
    "error": "failed",
    "unavailable": "not answered: the reason above says how to fix it",
}


def estimate_cost(
    model: str, input_tokens: int, output_tokens: int, prices: dict | None
) -> float | None:
    """The estimated cost in USD, or None when the price is unknown."""
    try:
        return _estimate_cost(model, input_tokens, output_tokens, prices)
    except Exception:  # a broken price table must not break a reply's badge
        return None


def figures_for_stored(
    route: Mapping | None, model: str, input_tokens: int, output_tokens: int, prices: dict | None
) -> ReplyFigures:
    """The figures a reopened reply can still show: tokens and, for the cloud, the cost."""
    cost = None
    if is_cloud(route) and (input_tokens or output_tokens):
        cost = estimate_cost(
            model or str(route.get("model") or ""), input_tokens, output_tokens, prices
        )  # type: ignore[union-attr]
    return ReplyFigures(output_tokens=output_tokens, input_tokens=input_tokens, cost_usd=cost)


# what the gate found


def describe_findings(findings: Iterable[Finding], say_where: bool = True) -> str:
    """What was found, by type: "personal data: PHONE_NUMBER" or "credentials: AWS_ACCESS_KEY".

    When the new message holds none of it, where it is instead ("an earlier message in this
    chat held PHONE_NUMBER"), so a reason never names a type as if the new message held it."""
    sensitive = [f for f in findings if f.sensitive]
    here = sorted({f.type for f in sensitive if f.source in ("prompt", "system")})
    earlier = sorted({f.type for f in sensitive if f.source.startswith("turn ")} - set(here))
    sticky = any(f.source == "history" for f in sensitive)
    if not here and say_where:
        if earlier:
            return f"an earlier message in this chat held {listed(earlier)}"
        if sticky:
            return "an earlier message in this chat held private data"
    types = sorted({f.type for f in sensitive})
    credentials = bool(sensitive) and all(f.category is Category.CREDENTIAL for f in sensitive)
    return f"{'credentials' if credentials else 'personal data'}: {listed(types)}"


def listed(types: list[str]) -> str:
    return ", ".join(types[:4]) + (f" and {len(types) - 4} more" if len(types) > 4 else "")


def held_because(decision: Decision) -> str:
    """Why a message asked for the cloud was held back, for the confirmation dialog."""
    if decision.sensitive:
        return describe_findings(decision.entities, say_where=False)
    return decision.summary


# routes and events


def base_model_note(model: str, cap: int) -> str:
    """Said once, on the first reply of a model without a chat template."""
    return (
        f"{model} is a base model (it has no chat template): it continues text rather than "
        f"answering. This first reply stops after {cap} tokens; Esc stops any reply. A chat "
        "model answers better: F2 → Models."
    )


def route_line(decision: Decision) -> str:
    """The CLI's line on stderr: '→ local (gemma-3-270m): personal data: ..., kept local'."""
    where = decision.model or str(decision.target)
    return f"→ {decision.route_name} ({where}): {'; '.join(decision.reasons)}"


def fallback_text(event: FellBack) -> str:
    """The note shown, and stored with the reply, when another backend answered instead."""
    if event.from_target == "cloud":
        return f"cloud unavailable ({event.why}): answered locally"
    return f"{event.failed} unavailable ({event.why}): answered by {event.answered_by}"
