"""The in-process backend on the real test GGUF (Gemma 3 270M, no chat template)."""

from pathlib import Path

import pytest

from localfirst.backends.llama_backend import LlamaBackend
from localfirst.config import LocalConfig
from localfirst.types.backend import CancelToken, GenerationParams
from localfirst.types.events import Done, Note, StreamError, TextDelta, Usage
from localfirst.types.messages import ChatMessage, Role

SHORT = GenerationParams(max_tokens=8, temperature=0.0, seed=7)


async def collect(backend, messages, params=SHORT, cancel=None):
    return [e async for e in backend.stream(messages, params, cancel or CancelToken())]


def user(text: str) -> ChatMessage:
    return ChatMessage(Role.USER, text)


def test_chat_format_comes_from_the_architecture(llama_backend: LlamaBackend) -> None:
    assert llama_backend.chat_format == "gemma"
    prompt = llama_backend.format([ChatMessage(Role.SYSTEM, "Be brief."), user("Hi")])
    # Gemma has no system role: the system prompt joins the first user turn
    assert (
        prompt.text == "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\n"
    )
    assert "<end_of_turn>" in prompt.stop[0]


def test_context_is_capped_and_threads_follow_config(llama_backend: LlamaBackend) -> None:
    assert llama_backend.n_ctx == 1024  # config asked 1024 of the model's 32768
    assert llama_backend.n_threads == 1  # the fixture asks for one thread


def test_threads_default_to_physical_cores(test_model_path) -> None:
    from localfirst.config import LocalConfig
    from localfirst.hardware import physical_cores

    backend = LlamaBackend(str(test_model_path), "tiny", LocalConfig(threads=0, context_size=256))
    backend.load()
    assert backend.n_threads == physical_cores() >= 1


def test_gpu_layers_follow_the_build(test_model_path) -> None:
    from pathlib import Path

    import llama_cpp

    from localfirst.config import LocalConfig
    from localfirst.models.gguf import read_gguf

    info = read_gguf(Path(test_model_path))
    for asked in (-1, 8):
        backend = LlamaBackend(str(test_model_path), "tiny", LocalConfig(gpu_layers=asked))
        if llama_cpp.llama_supports_gpu_offload():
            assert backend._gpu_layers(info) != 0  # a Metal or CUDA build offloads
        else:
            assert backend._gpu_layers(info) == 0  # a CPU-only build offloads nothing


async def test_streams_text_then_usage_then_done(llama_backend: LlamaBackend) -> None:
    events = await collect(llama_backend, [user("Say hello")])
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert deltas and "".join(d.text for d in deltas).strip()
    usage = next(e for e in events if isinstance(e, Usage))
    assert usage.input_tokens > 3 and 1 <= usage.output_tokens <= SHORT.max_tokens
    assert events[-1] == Done("length") or events[-1] == Done("stop")
    assert isinstance(events[-2], Usage)


async def test_same_seed_same_reply(llama_backend: LlamaBackend) -> None:
    first = await collect(llama_backend, [user("Count to three")])
    second = await collect(llama_backend, [user("Count to three")])
    text = lambda evs: "".join(e.text for e in evs if isinstance(e, TextDelta))  # noqa: E731
    assert text(first) == text(second)


async def test_cancel_mid_stream_stops_at_the_next_token(llama_backend: LlamaBackend) -> None:
    cancel = CancelToken()
    events = []
    params = GenerationParams(max_tokens=200, temperature=0.0)
    async for event in llama_backend.stream([user("Write a long story")], params, cancel):
        events.append(event)
        if sum(isinstance(e, TextDelta) for e in events) == 3:
            cancel.cancel()
    assert events[-1] == Done("cancelled")
    assert sum(isinstance(e, TextDelta) for e in events) <= 4
    # the model is free again for the next request
    assert (await collect(llama_backend, [user("Hi")]))[-1].reason in ("stop", "length")


async def test_a_consumer_that_stops_early_frees_the_model(llama_backend: LlamaBackend) -> None:
    params = GenerationParams(max_tokens=200, temperature=0.0)
    cancel = CancelToken()
    stream = llama_backend.stream([user("Tell me everything")], params, cancel)
    async for event in stream:
        if isinstance(event, TextDelta):
            break
    await stream.aclose()
    assert cancel.cancelled
    assert (await collect(llama_backend, [user("Hi")]))[-1].reason in ("stop", "length")


async def test_long_conversation_is_trimmed_from_the_oldest_turns(
    llama_backend: LlamaBackend,
) -> None:
    filler = "word " * 150
    messages = [ChatMessage(Role.SYSTEM, "SYSTEM-PROMPT-KEPT")]
    for i in range(12):
        messages += [user(f"question {i} {filler}"), ChatMessage(Role.ASSISTANT, f"answer {i}")]
    messages.append(user("the final question"))
    fitted = llama_backend.fit(messages, max_tokens=64)
    assert fitted.dropped_turns > 0
    assert len(fitted.tokens) + 64 <= llama_backend.n_ctx
    kept = llama_backend._llm.detokenize(fitted.tokens).decode()
    assert "SYSTEM-PROMPT-KEPT" in kept and "the final question" in kept
    assert "question 0 " not in kept
    events = await collect(llama_backend, messages)
    note = next(e for e in events if isinstance(e, Note))
    assert "trimmed" in note.text and "1,024-token context" in note.text
    assert events[-1].reason in ("stop", "length")


async def test_a_single_message_too_long_is_an_error_not_a_crash(
    llama_backend: LlamaBackend,
) -> None:
    events = await collect(llama_backend, [user("word " * 2000)])
    error = next(e for e in events if isinstance(e, StreamError))
    assert "too long for the local model" in error.message
    assert events[-1] == Done("error")


@pytest.mark.parametrize("content", [b"", b"definitely not gguf" * 4])
async def test_bad_model_files_stream_a_clear_error(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(content)
    backend = LlamaBackend(str(bad), "broken", LocalConfig())
    events = await collect(backend, [user("hi")])
    assert isinstance(events[0], StreamError) and str(bad) in events[0].message
    assert events[-1] == Done("error")


async def test_missing_model_file_names_the_path(tmp_path: Path) -> None:
    backend = LlamaBackend(str(tmp_path / "gone.gguf"), "gone", LocalConfig())
    events = await collect(backend, [user("hi")])
    assert "model file not found" in events[0].message and "gone.gguf" in events[0].message


async def test_a_core_kept_busy_between_replies_is_one_decoding_thread_fewer(
    test_model_path,
) -> None:
    """Two threads on two cores with one core taken decode at a twelfth of one thread's speed
    (docs/benchmarks.md); the thread count follows what other programs left free."""
    import subprocess
    import sys
    import time

    import psutil

    from localfirst.hardware import OtherLoad, physical_cores

    cores = physical_cores()
    if cores < 2 or psutil.cpu_count() != cores:
        pytest.skip("needs two or more cores and one logical CPU a core")
    ambient = OtherLoad()
    time.sleep(0.5)
    if ambient.busy_elsewhere() > 0.3:
        pytest.skip("another program keeps this machine busy: no quiet window to compare")
    backend = LlamaBackend(str(test_model_path), "tiny", LocalConfig(threads=0, context_size=256))
    await collect(backend, [user("Hello")])
    assert backend.n_threads == cores

    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.0)
        await collect(backend, [user("Hello again")])
    finally:
        hog.kill()
        hog.wait()
    assert backend.n_threads == cores - 1

    time.sleep(1.0)  # the hog gone: a quiet window
    await collect(backend, [user("And once more")])
    assert backend.n_threads == cores


# A fresh interpreter: one thread writes numbered lines to the process's stdout and stderr
# file descriptors (as the TUI's writer thread and the offline guard do) while the model loads.
WRITE_WHILE_LOADING = """
import os, sys, threading, time
from localfirst.backends.llama_backend import LlamaBackend
from localfirst.config import LocalConfig

loaded = threading.Event()
def write() -> None:
    n = 0
    while not loaded.is_set() or n < 5:
        for fd in (1, 2):
            os.write(fd, f"line {n}\\n".encode())
        n += 1
        time.sleep(0.002)
    os.write(1, f"wrote {n}\\n".encode())
writer = threading.Thread(target=write)
writer.start()
LlamaBackend(sys.argv[1], "test", LocalConfig(context_size=256, threads=1)).load()
loaded.set()
writer.join()
"""


def test_loading_the_model_does_not_silence_the_rest_of_the_process(test_model_path) -> None:
    """llama-cpp-python's quiet mode points the process's stdout and stderr at /dev/null while
    it loads (llama-cpp-python issue 1874): a frame, a streamed reply or a warning written
    meanwhile by another thread would be lost."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", WRITE_WHILE_LOADING, str(test_model_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    wrote = int(result.stdout.splitlines()[-1].split()[1])
    expected = [f"line {n}" for n in range(wrote)]
    assert result.stdout.splitlines()[:-1] == expected
    assert [line for line in result.stderr.splitlines() if line.startswith("line ")] == expected
