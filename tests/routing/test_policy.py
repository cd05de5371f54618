"""The routing policy, table-style: named rows for the reasons, invariants over every combination."""

import itertools

import pytest

from localfirst.routing.policy import decide
from localfirst.types.decision import Availability, Override, SessionMode, Target
from localfirst.types.score import ComplexityScore
from localfirst.types.verdict import Category, Finding, GateVerdict

CLEAN = GateVerdict()
PHONE = GateVerdict((Finding("PHONE_NUMBER", 10, 22, 0.9),))
AWS_KEY = GateVerdict((Finding("AWS_ACCESS_KEY", 0, 20, 1.0, category=Category.CREDENTIAL),))
CITY_ONLY = GateVerdict((Finding("LOCATION", 0, 5, 0.8, sensitive=False),))
BROKEN = GateVerdict.failed("spaCy pipeline missing")
NAME_EMAIL = GateVerdict(
    (Finding("PERSON", 0, 5, 0.85), Finding("EMAIL_ADDRESS", 10, 30, 1.0, source="turn 0"))
)
NAME_KEY = GateVerdict(
    (
        Finding("PERSON", 0, 5, 0.85),
        Finding("AWS_ACCESS_KEY", 9, 29, 1.0, category=Category.CREDENTIAL),
    )
)
VERDICTS = {
    "clean": CLEAN,
    "phone": PHONE,
    "aws": AWS_KEY,
    "city": CITY_ONLY,
    "broken": BROKEN,
    "name+email": NAME_EMAIL,
    "name+key": NAME_KEY,
}

EASY = ComplexityScore(0.1)
HARD = ComplexityScore(0.9, ("multi-step math",))
SCORES = {"easy": EASY, "hard": HARD, "unscored": None}

BOTH = Availability("gemma", "anthropic/claude", network=True)
NO_KEY = Availability("gemma", None, network=True, cloud_missing_reason="no cloud API key")
NO_MODEL = Availability(None, "anthropic/claude", network=True)
NOTHING = Availability(None, None, network=True)
NO_NET = Availability("gemma", "anthropic/claude", network=False)
AVAILABILITY = {
    "both": BOTH,
    "no-key": NO_KEY,
    "no-model": NO_MODEL,
    "nothing": NOTHING,
    "no-net": NO_NET,
}

AUTO, LOCAL_ONLY, OFFLINE = SessionMode.AUTO, SessionMode.LOCAL_ONLY, SessionMode.OFFLINE
THRESHOLD = 0.5

# redaction off, the default allow-list, and one where the user added AWS keys
DEFAULT_TYPES = frozenset({"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "LOCATION", "DATE_TIME"})
REDACTIONS = {"off": None, "default": DEFAULT_TYPES, "+aws": DEFAULT_TYPES | {"AWS_ACCESS_KEY"}}

# verdict, score, mode, availability, override -> target, available, words in the first reason
ROWS = [
    ("clean", "easy", AUTO, "both", Override.NONE, Target.LOCAL, True, "complexity 0.10 < 0.50"),
    ("clean", "hard", AUTO, "both", Override.NONE, Target.CLOUD, True, "escalated to anthropic/claude"),
    ("clean", "hard", AUTO, "both", Override.NONE, Target.CLOUD, True, "multi-step math"),
    ("phone", "hard", AUTO, "both", Override.NONE, Target.LOCAL, True, "personal data: PHONE_NUMBER, kept local"),
    ("aws", "hard", AUTO, "both", Override.NONE, Target.LOCAL, True, "credentials: AWS_ACCESS_KEY"),
    ("city", "hard", AUTO, "both", Override.NONE, Target.CLOUD, True, "escalated"),
    ("broken", "hard", AUTO, "both", Override.NONE, Target.LOCAL, True, "could not run (spaCy pipeline missing)"),
    ("clean", "hard", LOCAL_ONLY, "both", Override.NONE, Target.LOCAL, True, "local-only session"),
    ("clean", "hard", OFFLINE, "both", Override.NONE, Target.LOCAL, True, "offline mode"),
    ("clean", "hard", AUTO, "no-key", Override.NONE, Target.LOCAL, True, "but no cloud API key"),
    ("clean", "hard", AUTO, "no-net", Override.NONE, Target.LOCAL, True, "network is off"),
    ("clean", "easy", AUTO, "no-model", Override.NONE, Target.CLOUD, True, "no local model installed"),
    ("phone", "easy", AUTO, "no-model", Override.NONE, Target.LOCAL, False, "personal data"),
    ("clean", "easy", AUTO, "nothing", Override.NONE, Target.LOCAL, False, "no cloud API key"),
    ("clean", "unscored", AUTO, "both", Override.NONE, Target.LOCAL, True, "could not be scored"),
    ("clean", "easy", AUTO, "both", Override.CLOUD, Target.CLOUD, True, "you asked for the cloud"),
    ("phone", "easy", AUTO, "both", Override.CLOUD, Target.LOCAL, True, "confirm to send it"),
    ("phone", "easy", AUTO, "both", Override.CLOUD_FORCE, Target.CLOUD, True, "by your override despite personal data"),
    ("broken", "easy", AUTO, "both", Override.CLOUD, Target.LOCAL, True, "could not run"),
    ("clean", "easy", LOCAL_ONLY, "both", Override.CLOUD_FORCE, Target.LOCAL, True, "local-only session"),
    ("clean", "easy", OFFLINE, "both", Override.CLOUD_FORCE, Target.LOCAL, True, "offline mode"),
    ("clean", "easy", AUTO, "no-key", Override.CLOUD, Target.LOCAL, True, "cloud requested, but no cloud API key"),
    ("clean", "hard", AUTO, "both", Override.LOCAL, Target.LOCAL, True, "you asked for the local model"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("verdict", "score", "mode", "avail", "override", "target", "available", "words"), ROWS
)
def test_named_rows(verdict, score, mode, avail, override, target, available, words) -> None:
    decision = decide(
        VERDICTS[verdict], SCORES[score], mode, AVAILABILITY[avail], THRESHOLD, override
    )
    assert decision.target is target
    assert decision.available is available
    assert words in " ".join(decision.reasons)


COMBINATIONS = list(itertools.product(VERDICTS, SCORES, SessionMode, AVAILABILITY, Override))


@pytest.mark.parametrize(("verdict", "score", "mode", "avail", "override"), COMBINATIONS)
def test_invariants_hold_for_every_combination(verdict, score, mode, avail, override) -> None:
    v, availability = VERDICTS[verdict], AVAILABILITY[avail]
    for redaction in REDACTIONS.values():
        decision = decide(v, SCORES[score], mode, availability, THRESHOLD, override, redaction)
        assert decision.reasons, "every decision explains itself"
        if decision.target is Target.CLOUD:
            # the cloud only when it can be used, never in a local-only or offline session ...
            assert availability.cloud_model and availability.network
            assert mode is SessionMode.AUTO
            assert override is not Override.LOCAL
            # ... and never with findings or an unchecked payload unless the user confirmed, or
            # it goes redacted with every sensitive finding of a type allowed to be redacted
            if v.sensitive or v.error:
                assert override is Override.CLOUD_FORCE or (
                    decision.redacted
                    and v.error is None
                    and redaction is not None
                    and set(v.sensitive_types) <= redaction
                )
            assert decision.model == availability.cloud_model
        else:
            assert decision.available == (availability.local_model is not None)
            if not decision.available:
                assert "localfirst models" in decision.reasons[-1]
        # redacted only when asked for, only to the cloud, and only what needs it
        if decision.redacted:
            assert redaction is not None and decision.target is Target.CLOUD and v.sensitive
            assert override in (Override.NONE, Override.CLOUD)
        if redaction is None or not v.sensitive:
            assert decision == decide(v, SCORES[score], mode, availability, THRESHOLD, override)
        assert decision.as_dict()["redacted"] is decision.redacted
        assert decision.sensitive == v.sensitive
        assert decision.entities == v.findings


# verdict, score, mode, availability, override, redaction -> target, redacted, words in the reasons
REDACTION_ROWS = [
    ("name+email", "hard", AUTO, "both", Override.NONE, "default", Target.CLOUD, True,
     "personal data: EMAIL_ADDRESS, PERSON: redacted, then escalated to anthropic/claude"),
    ("name+email", "hard", AUTO, "both", Override.NONE, "default", Target.CLOUD, True,
     "complexity 0.90 ≥ 0.50, multi-step math"),
    ("name+email", "hard", AUTO, "both", Override.NONE, "off", Target.LOCAL, False,
     "personal data: EMAIL_ADDRESS, PERSON, kept local"),
    ("name+email", "easy", AUTO, "both", Override.NONE, "default", Target.LOCAL, False,
     "simple enough for the local model"),
    ("name+email", "unscored", AUTO, "both", Override.NONE, "default", Target.LOCAL, False,
     "could not be scored, so it was not redacted"),
    ("name+email", "hard", AUTO, "no-key", Override.NONE, "default", Target.LOCAL, False,
     "needs the cloud, but no cloud API key"),
    ("name+email", "hard", AUTO, "no-net", Override.NONE, "default", Target.LOCAL, False,
     "network is off"),
    ("name+email", "hard", LOCAL_ONLY, "both", Override.NONE, "default", Target.LOCAL, False,
     "local-only session"),
    ("name+email", "hard", OFFLINE, "both", Override.NONE, "default", Target.LOCAL, False,
     "offline mode"),
    ("name+email", "hard", AUTO, "no-model", Override.NONE, "default", Target.CLOUD, True,
     "redacted, then escalated"),
    ("name+key", "hard", AUTO, "both", Override.NONE, "default", Target.LOCAL, False,
     "AWS_ACCESS_KEY is never sent, not even redacted, unless you add the type"),
    ("aws", "hard", AUTO, "both", Override.NONE, "default", Target.LOCAL, False,
     "credentials: AWS_ACCESS_KEY, kept local"),
    ("name+key", "hard", AUTO, "both", Override.NONE, "+aws", Target.CLOUD, True,
     "redacted, then escalated"),
    ("name+email", "easy", AUTO, "both", Override.CLOUD, "default", Target.CLOUD, True,
     "you asked for the cloud: personal data: EMAIL_ADDRESS, PERSON redacted, then sent to"),
    ("name+key", "easy", AUTO, "both", Override.CLOUD, "default", Target.LOCAL, False,
     "confirm to send it to the cloud anyway"),
    ("name+key", "easy", AUTO, "both", Override.CLOUD_FORCE, "default", Target.CLOUD, False,
     "by your override despite"),
    ("name+email", "hard", AUTO, "both", Override.LOCAL, "default", Target.LOCAL, False,
     "you asked for the local model"),
    ("broken", "hard", AUTO, "both", Override.NONE, "default", Target.LOCAL, False,
     "fail closed"),
    ("clean", "hard", AUTO, "both", Override.NONE, "default", Target.CLOUD, False,
     "escalated to anthropic/claude"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("verdict", "score", "mode", "avail", "override", "redaction", "target", "redacted", "words"),
    REDACTION_ROWS,
)
def test_redaction_rows(
    verdict, score, mode, avail, override, redaction, target, redacted, words
) -> None:
    decision = decide(
        VERDICTS[verdict],
        SCORES[score],
        mode,
        AVAILABILITY[avail],
        THRESHOLD,
        override,
        REDACTIONS[redaction],
    )
    assert decision.target is target
    assert decision.redacted is redacted
    assert decision.route_name == ("cloud (redacted)" if redacted else str(target))
    assert words in " ".join(decision.reasons)


def test_decision_serialises_to_the_route_json_contract() -> None:
    decision = decide(PHONE, HARD, AUTO, BOTH, THRESHOLD)
    data = decision.as_dict()
    assert {"target", "reasons", "sensitive", "entities", "complexity"} <= set(data)
    assert data["entities"] == [
        {
            "type": "PHONE_NUMBER",
            "start": 10,
            "end": 22,
            "score": 0.9,
            "source": "prompt",
            "sensitive": True,
            "rule": "",
        }
    ]
    assert data["target"] == "local" and data["complexity"] == 0.9
    assert data["redacted"] is False


def test_a_reason_says_when_the_private_data_is_only_in_earlier_messages() -> None:
    from localfirst.routing.policy import decide
    from localfirst.types.decision import Availability
    from localfirst.types.verdict import Finding, GateVerdict

    both = Availability(local_model="tiny", cloud_model="anthropic/claude")
    earlier = GateVerdict((Finding("PHONE_NUMBER", 0, 12, 0.9, source="turn 0"),))
    sticky = GateVerdict((Finding("EARLIER_TURN_WITH_PRIVATE_DATA", 0, 0, 1.0, source="history"),))
    for verdict, words in (
        (earlier, "an earlier message in this chat held PHONE_NUMBER, kept local"),
        (sticky, "an earlier message in this chat held private data, kept local"),
    ):
        decision = decide(
            verdict=verdict,
            complexity=None,
            mode=SessionMode.AUTO,
            availability=both,
            threshold=0.5,
        )
        assert decision.reasons[0] == words
        assert "EARLIER_TURN" not in " ".join(decision.reasons)
