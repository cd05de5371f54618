"""The router's own wiring (the policy itself is tested in test_policy)."""

from __future__ import annotations

import pytest

from localfirst.routing.router import Router
from localfirst.types.decision import Availability, Override, SessionMode, Target


def cloud_lookup_fails() -> Availability:
    raise AssertionError("the cloud (the keyring) was asked about a message that stays local")


@pytest.mark.parametrize(
    ("mode", "override"),
    [
        (SessionMode.OFFLINE, Override.NONE),
        (SessionMode.LOCAL_ONLY, Override.NONE),
        (SessionMode.AUTO, Override.LOCAL),
    ],
)
def test_a_route_that_stays_local_regardless_never_looks_up_the_cloud(mode, override) -> None:
    router = Router(
        gate_factory=None,
        scorer_factory=None,
        availability=cloud_lookup_fails,
        local_availability=lambda: Availability(local_model="tiny", cloud_model=None),
    )
    decision = router.route_unchecked(mode, override)
    assert (decision.target, decision.model, decision.available) == (Target.LOCAL, "tiny", True)


def test_without_a_local_availability_the_full_one_is_used() -> None:
    router = Router(
        gate_factory=None,
        scorer_factory=None,
        availability=lambda: Availability(local_model=None, cloud_model="anthropic/claude"),
    )
    decision = router.route_unchecked(SessionMode.LOCAL_ONLY, Override.NONE)
    assert decision.target is Target.LOCAL and not decision.available  # no local model
