#!/usr/bin/env python
"""Overhead of localfirst's cloud backends against a bare SDK streaming loop.

Both sides use the same official SDK, the same loopback fake server (tests/fakes) and the same
scripted reply; runs are interleaved so background load hits both alike, and medians are
reported. What is measured is our per-chunk cost (event mapping, the stall/cancel watcher,
the retry wrapper), not a provider's speed.
    .venv/bin/python scripts/bench_cloud.py [--chunks 2000] [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakes.anthropic_server import FakeAnthropicServer
from fakes.keys import fake_api_key
from fakes.openai_server import FakeOpenAIServer
from fakes.provider_server import Reply

Result = tuple[float, float, int]  # time to first text (s), chunks per second, chunks


async def bare_anthropic(client, messages, max_tokens: int) -> Result:
    start = time.perf_counter()
    first = None
    count = 0
    stream = await client.messages.create(
        model="claude-sonnet-4-6", max_tokens=max_tokens, messages=messages, stream=True
    )
    async for event in stream:
        if event.type == "content_block_delta" and event.delta.text:
            first = first or time.perf_counter()
            count += 1
    end = time.perf_counter()
    return first - start, count / (end - first), count


async def bare_openai(client, messages, max_tokens: int) -> Result:
    start = time.perf_counter()
    first = None
    count = 0
    stream = await client.chat.completions.create(
        model="gpt-5.4",
        max_tokens=max_tokens,
        messages=messages,
        stream=True,
        stream_options={"include_usage": True},
    )
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or time.perf_counter()
            count += 1
    end = time.perf_counter()
    return first - start, count / (end - first), count


async def backend_stream(backend, messages, max_tokens: int) -> Result:
    from localfirst.types.backend import CancelToken, GenerationParams
    from localfirst.types.events import TextDelta

    start = time.perf_counter()
    first = None
    count = 0
    async for event in backend.stream(messages, GenerationParams(max_tokens), CancelToken()):
        if isinstance(event, TextDelta):
            first = first or time.perf_counter()
            count += 1
    end = time.perf_counter()
    return first - start, count / (end - first), count


async def bench(provider: str, chunks: int, runs: int) -> dict[str, list[Result]]:
    import anthropic
    import openai

    from localfirst.backends.anthropic_backend import AnthropicBackend
    from localfirst.backends.cloud import CloudChoice
    from localfirst.backends.openai_backend import OpenAIBackend
    from localfirst.config import CloudConfig
    from localfirst.types.messages import ChatMessage, Role

    server_cls = FakeAnthropicServer if provider == "anthropic" else FakeOpenAIServer
    key = fake_api_key(provider)
    prompt = "Write a long story about a lighthouse keeper."
    with server_cls(required_key=key) as server:
        server.default_reply = Reply.text(*(f"w{i} " for i in range(chunks)))
        config = CloudConfig(base_url=server.base_url, retry_budget=0.0)
        if provider == "anthropic":
            client = anthropic.AsyncAnthropic(api_key=key, base_url=server.base_url, max_retries=0)
            backend = AnthropicBackend(
                config, CloudChoice(provider, "claude-sonnet-4-6", "env"), key
            )
            bare = bare_anthropic
        else:
            client = openai.AsyncOpenAI(api_key=key, base_url=server.base_url, max_retries=0)
            backend = OpenAIBackend(config, CloudChoice(provider, "gpt-5.4", "env"), key)
            bare = bare_openai
        sdk_messages = [{"role": "user", "content": prompt}]
        messages = [ChatMessage(Role.USER, prompt)]
        await bare(client, sdk_messages, chunks)  # warm connections and imports for both
        await backend_stream(backend, messages, chunks)
        results: dict[str, list[Result]] = {"bare": [], "localfirst": []}
        for _ in range(runs):
            results["bare"].append(await bare(client, sdk_messages, chunks))
            results["localfirst"].append(await backend_stream(backend, messages, chunks))
        await client.close()
        await backend.aclose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=2000, help="text chunks per reply")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    print(
        f"{args.chunks} text chunks per reply from a loopback fake server, "
        f"median of {args.runs} interleaved runs"
    )
    print(f"{'path':<44} {'chunks/s':>9} {'TTFT ms':>8} {'chunks':>7}")
    for provider in ("anthropic", "openai"):
        results = asyncio.run(bench(provider, args.chunks, args.runs))

        def med(name: str, i: int, results=results) -> float:
            return statistics.median(r[i] for r in results[name])

        sdk = "AsyncAnthropic messages.create" if provider == "anthropic" else "AsyncOpenAI chat"
        ours = "AnthropicBackend.stream" if provider == "anthropic" else "OpenAIBackend.stream"
        for name, label in (("bare", f"{sdk} (bare loop)"), ("localfirst", f"localfirst {ours}")):
            print(
                f"{label:<44} {med(name, 1):>9.0f} {med(name, 0) * 1000:>8.1f} {med(name, 2):>7.0f}"
            )
        overhead = 1 - med("localfirst", 1) / med("bare", 1)
        per_chunk_us = (1 / med("localfirst", 1) - 1 / med("bare", 1)) * 1e6
        ttft = (med("localfirst", 0) - med("bare", 0)) * 1000
        print(
            f"  {provider}: {overhead:+.1%} throughput at full speed = {per_chunk_us:+.0f} us per "
            f"chunk ({per_chunk_us * 100 / 1e4:.2f}% of a core at 100 chunks/s), "
            f"{ttft:+.1f} ms TTFT"
        )


if __name__ == "__main__":
    main()
