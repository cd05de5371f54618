"""The scorer's result type, free of the scorer's own imports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ComplexityScore:
    score: float  # in [0, 1]; higher means a stronger model is more likely to be needed
    signals: tuple[str, ...] = ()  # the strongest contributing signals, for the explanation
