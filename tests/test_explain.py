"""The route badge's words, from the route dict the history stores."""

from __future__ import annotations

from localfirst.explain import (
    ReplyFigures,
    figures_for_stored,
    route_label,
    route_reason,
    stats_line,
)
from localfirst.tui.widgets.chat_view import _one_line
from localfirst.types.decision import Decision, Target


def test_local_and_cloud_labels() -> None:
    local = Decision(Target.LOCAL, "gemma-3-270m", ("personal data: PHONE_NUMBER, kept local",))
    cloud = Decision(Target.CLOUD, "anthropic/claude-x", ("complexity 0.82 ≥ 0.50: escalated",))
    assert route_label(local.as_dict()) == "⌂ local · gemma-3-270m"
    assert route_label(cloud.as_dict()) == "☁ anthropic/claude-x"
    assert route_reason(local.as_dict()) == "personal data: PHONE_NUMBER, kept local"


def test_a_fallback_replaces_the_reason_and_an_unavailable_route_says_how_to_fix() -> None:
    route = {"target": "local", "reasons": ["you asked for the cloud"], "fallback": "cloud down"}
    assert route_reason(route) == "cloud down"
    unavailable = Decision(
        Target.LOCAL, None, ("simple", "no local model is installed: install one"), available=False
    )
    assert route_reason(unavailable.as_dict()) == "no local model is installed: install one"


def test_stats_line_shows_what_is_known() -> None:
    live = ReplyFigures(output_tokens=42, first_token_s=0.214, tokens_per_s=38.04, cost_usd=0.0012)
    assert stats_line(live) == "first token 0.21 s · 38.0 tok/s · 42 tokens · ≈ $0.0012"
    assert stats_line(ReplyFigures(output_tokens=3), "cancelled") == (
        "3 tokens · stopped: partial reply kept"
    )


def test_stored_cloud_replies_keep_their_cost_and_local_ones_have_none() -> None:
    cloud = {"target": "cloud", "model": "anthropic/claude-sonnet-4-5"}
    figures = figures_for_stored(cloud, "anthropic/claude-sonnet-4-5", 1_000_000, 0, None)
    assert figures.cost_usd == 3.0  # the built-in price: USD 3 per million input tokens
    assert figures_for_stored({"target": "local"}, "gemma", 10, 10, None).cost_usd is None


def test_one_line_reason_elides_a_long_detail_but_keeps_the_verdict() -> None:
    long = "privacy check could not run (gate failed: " + "x" * 80 + "\n  hint: y): kept local"
    assert _one_line(long) == "privacy check could not run (…): kept local"
    assert _one_line("complexity 0.82 ≥ 0.50 (code): escalated") == (
        "complexity 0.82 ≥ 0.50 (code): escalated"
    )


def test_a_redacted_cloud_reply_says_so_on_its_badge() -> None:
    route = {"target": "cloud", "model": "anthropic/claude-x", "redacted": True, "reasons": ["r"]}
    assert route_label(route) == "☁ anthropic/claude-x (redacted)"
    assert route_label({**route, "redacted": False}) == "☁ anthropic/claude-x"
