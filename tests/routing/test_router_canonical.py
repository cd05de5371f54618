"""The scorer reads the same canonical text as the gate."""

from __future__ import annotations

from localfirst.routing.router import Router
from localfirst.types.decision import Availability


class RecordingScorer:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def score(self, prompt: str):
        self.seen.append(prompt)
        return None


def test_the_scorer_reads_the_canonical_form() -> None:
    scorer = RecordingScorer()
    router = Router(
        gate_factory=None,
        scorer_factory=lambda: scorer,
        availability=lambda: Availability(local_model="tiny", cloud_model=None),
    )
    router.score("ｐｒｏｖｅ\u200b that √2 is irrational")
    assert scorer.seen == ["prove that √2 is irrational"]
