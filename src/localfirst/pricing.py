"""Estimated cost of a reply, from a per-model price table (USD per million tokens).

The built-in table covers the default models and their close relatives; `[cloud] prices` in
config adds models or overrides these, e.g. `prices = {"gpt-5.4" = {input = 2.5, output = 15.0}}`.
Prices change, so every figure shown to the user is called an estimate. The saving of a prompt
answered locally is what the configured cloud model would have charged for the same tokens.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# USD per million tokens (input, output), as published by the providers.
BUILTIN_PRICES: dict[str, tuple[float, float]] = {
    "claude-opus-4-7": (5.0, 25.0),
    "claude-opus-4-6": (5.0, 25.0),
    "claude-opus-4-5": (5.0, 25.0),
    "claude-opus-4-1": (15.0, 75.0),
    "claude-sonnet-4-6": (3.0, 15.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-sonnet-4": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "gpt-5.5": (5.0, 30.0),
    "gpt-5.4": (2.5, 15.0),
    "gpt-5.4-mini": (0.75, 4.5),
    "gpt-5.4-nano": (0.2, 1.25),
    "gpt-5.1": (1.25, 10.0),
    "gpt-5": (1.25, 10.0),
    "gpt-5-mini": (0.25, 2.0),
    "gpt-5-nano": (0.05, 0.4),
    "gpt-4.1": (2.0, 8.0),
    "gpt-4.1-mini": (0.4, 1.6),
    "gpt-4o-mini": (0.15, 0.6),
}

# A dated snapshot id prices like its alias: claude-sonnet-4-5-20250929, gpt-4.1-2025-04-14.
_DATE_SUFFIX = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2})$")


def price_for(model: str, prices: Mapping[str, Any] | None = None) -> tuple[float, float] | None:
    """(input, output) USD per million tokens for `model`, config first, or None if unknown."""
    for name in _candidates(model):
        configured = (prices or {}).get(name)
        if configured is not None:
            return _from_config(configured)
        if name in BUILTIN_PRICES:
            return BUILTIN_PRICES[name]
    return None


def estimate_cost(
    model: str, input_tokens: int, output_tokens: int, prices: dict | None = None
) -> float | None:
    """Estimated USD for one request, or None when the model's price is unknown."""
    price = price_for(model, prices)
    if price is None:
        return None
    input_price, output_price = price
    return (input_tokens * input_price + output_tokens * output_price) / 1_000_000


def check_price_table(prices: dict) -> str | None:
    """A config check: every entry is {input = number, output = number}."""
    for model, entry in prices.items():
        if not isinstance(entry, dict) or set(entry) != {"input", "output"}:
            return f"entry {model!r} must be a table with exactly `input` and `output`"
        for side in ("input", "output"):
            value = entry[side]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                return f"{model}.{side} must be a number of USD per million tokens"
    return None


def _candidates(model: str) -> list[str]:
    """The id as given, without a router prefix (OpenRouter's "openai/..."), without a date."""
    names = [model]
    bare = model.rsplit("/", 1)[-1]
    if bare.startswith("claude-"):
        bare = bare.replace(".", "-")  # OpenRouter writes claude-sonnet-4.5
    for name in (bare, _DATE_SUFFIX.sub("", bare)):
        if name not in names:
            names.append(name)
    return names


def _from_config(entry: Any) -> tuple[float, float] | None:
    try:
        return float(entry["input"]), float(entry["output"])
    except (KeyError, TypeError, ValueError):
        return None
