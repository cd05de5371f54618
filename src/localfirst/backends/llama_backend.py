"""The in-process local model: a GGUF file run by llama-cpp-python.

The model is loaded once and reused. Generation runs in a worker thread and hands tokens
to the event loop through a queue, so the UI never blocks; a `CancelToken` stops it at the
next token. A conversation longer than the context loses its oldest turns, with a note.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from localfirst.backends.chat_formats import FormattedPrompt, PromptFormatter
from localfirst.config import LocalConfig
from localfirst.errors import ModelError
from localfirst.hardware import OtherLoad, gpu_backend, physical_cores, threads_for
from localfirst.models.gguf import GGUFInfo, read_gguf
from localfirst.types.backend import CancelToken, GenerationParams
from localfirst.types.events import BackendEvent, Done, Note, StreamError, TextDelta, Usage
from localfirst.types.messages import ChatMessage, Role


@dataclass(frozen=True)
class FittedPrompt:
    tokens: list[int]
    stop: list[str]
    dropped_turns: int
    max_tokens: int


class LlamaBackend:
    kind = "local"

    def __init__(self, model_path: str, name: str, config: LocalConfig | None = None) -> None:
        self.model_path = model_path
        self.name = name
        self.config = config or LocalConfig()
        self._llm = None
        self._formatter: PromptFormatter | None = None
        self._info: GGUFInfo | None = None
        self._load_lock = threading.Lock()
        self._generate_lock = threading.Lock()  # one generation at a time per loaded model
        self.n_ctx = 0
        self.n_threads = 0
        self.gpu_layers = 0
        self._other_load: OtherLoad | None = None  # other programs' CPU between replies

    # loading

    @property
    def loaded(self) -> bool:
        return self._llm is not None

    def load(self) -> None:
        """Load the model (blocking; call from a worker thread). Safe to call twice."""
        with self._load_lock:
            if self._llm is not None:
                return
            from pathlib import Path

            info = read_gguf(Path(self.model_path))  # a clear error for a bad file
            import llama_cpp

            _quiet_llama_logs()

            trained = info.context_length or self.config.context_size
            self.n_ctx = min(self.config.context_size, trained)
            self.n_threads = self.config.threads or physical_cores()
            self.gpu_layers = self._gpu_layers(info)
            try:
                llm = llama_cpp.Llama(
                    model_path=str(info.path),
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    n_gpu_layers=self.gpu_layers,
                    verbose=False,
                )
            except (ValueError, RuntimeError, OSError) as exc:
                raise ModelError(
                    f"{info.path}: llama.cpp could not load this model ({exc})",
                    "the file may be for a newer llama.cpp; upgrade llama-cpp-python "
                    "or choose another model",
                ) from exc
            bos = eos = ""
            if info.chat_template:
                bos = _token_text(llm, llm.token_bos())
                eos = _token_text(llm, llm.token_eos())
            self._formatter = PromptFormatter(info.architecture, info.chat_template, bos, eos)
            self._info = info
            self._llm = llm
            self._other_load = OtherLoad.start()  # the first reply measures from here

    def _fit_threads_to_free_cores(self) -> None:
        """Decode with one thread fewer for each core other programs kept busy since the last
        reply (see `hardware.threads_for`); a thread count set in the config is kept."""
        loaded = self._llm is not None and self._other_load is not None
        if self.config.threads or self.gpu_layers or not loaded:
            return
        try:
            import psutil

            busy = self._other_load.busy_elsewhere()  # type: ignore[union-attr]
            threads = threads_for(physical_cores(), psutil.cpu_count() or 1, busy)
        except Exception:  # no reading: keep the threads as they are
            return
        if threads != self.n_threads:
            self._llm._ctx.set_n_threads(threads, threads)  # llama_set_n_threads
            self.n_threads = threads

    def _gpu_layers(self, info: GGUFInfo) -> int:
        """0 on a CPU build; the configured count; else all layers, or as many as fit in VRAM."""
        if gpu_backend() == "CPU":
            return 0
        if self.config.gpu_layers != -1:
            return self.config.gpu_layers
        from localfirst.models.presets import gpu_layers_that_fit, probe_machine

        memory = probe_machine().gpu_memory  # None: unified memory (Metal) or unknown
        if memory is None:
            return -1
        return gpu_layers_that_fit(info.file_size, info.block_count or 32, memory)

    @property
    def chat_format(self) -> str:
        return self._formatter.name if self._formatter else "not loaded"

    # prompts

    def format(self, messages: Sequence[ChatMessage]) -> FormattedPrompt:
        self.load()
        assert self._formatter is not None
        return self._formatter(messages)

    def tokenize(self, text: str) -> list[int]:
        self.load()
        assert self._llm is not None
        return self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)

    def fit(self, messages: Sequence[ChatMessage], max_tokens: int) -> FittedPrompt:
        """Drop the oldest turns (the system prompt stays) until prompt and reply fit."""
        reserve = max(1, min(max_tokens, self.n_ctx // 2))
        system = [m for m in messages if m.role is Role.SYSTEM]
        turns = [m for m in messages if m.role is not Role.SYSTEM]
        dropped = 0
        while True:
            formatted = self.format([*system, *turns])
            tokens = self.tokenize(formatted.text)
            if len(tokens) + reserve <= self.n_ctx:
                break
            if len(turns) <= 1:
                raise ModelError(
                    f"the message is too long for the local model: {len(tokens):,} tokens, "
                    f"and its context holds {self.n_ctx:,} with room kept for the reply",
                    "shorten it, or raise [local] context_size if the model allows more",
                )
            turns.pop(0)
            dropped += 1
            while turns and turns[0].role is not Role.USER:  # restart on a user turn
                turns.pop(0)
                dropped += 1
        budget = min(max_tokens, self.n_ctx - len(tokens))
        return FittedPrompt(tokens, formatted.stop, dropped, budget)

    # streaming

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        params: GenerationParams,
        cancel: CancelToken,
    ) -> AsyncIterator[BackendEvent]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        thread = threading.Thread(
            target=self._generate,
            args=(messages, params, cancel, loop, queue),
            name="localfirst-llama",
            daemon=True,
        )
        _track(thread, cancel)
        thread.start()
        finished = False
        try:
            while not finished:
                event = await queue.get()
                finished = isinstance(event, Done)
                yield event
        finally:
            if not finished:
                cancel.cancel()  # a consumer that stops early also stops the thread
                # wait for llama.cpp to leave the token it is on: freeing the model under a
                # running thread is what crashed in libggml on Ctrl+C
                await asyncio.shield(asyncio.to_thread(thread.join, JOIN_TIMEOUT_S))

    def _generate(self, messages, params, cancel, loop, queue) -> None:
        def emit(event) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, event)

        try:
            self._generate_into(messages, params, cancel, emit)
        except ModelError as exc:
            emit(StreamError(str(exc), kind="model"))
            emit(Done("error"))
        except Exception as exc:  # llama.cpp failures become events, never a crash
            emit(StreamError(f"local model failed: {type(exc).__name__}: {exc}", kind="model"))
            emit(Done("error"))

    def _generate_into(self, messages, params: GenerationParams, cancel: CancelToken, emit) -> None:
        self.load()
        assert self._llm is not None
        with self._generate_lock:
            self._fit_threads_to_free_cores()
            fitted = self.fit(messages, params.max_tokens)
            if fitted.dropped_turns:
                emit(
                    Note(
                        f"trimmed the {fitted.dropped_turns} oldest turn(s) to fit the "
                        f"model's {self.n_ctx:,}-token context"
                    )
                )
            kwargs = {}
            if params.seed is not None:
                kwargs["seed"] = params.seed
            chunks = self._llm.create_completion(
                fitted.tokens,
                max_tokens=fitted.max_tokens,
                temperature=params.temperature,
                top_p=params.top_p,
                stop=fitted.stop or None,
                stream=True,
                **kwargs,
            )
            produced = 0
            reason = "stop"
            try:
                for chunk in chunks:
                    if cancel.cancelled:
                        reason = "cancelled"
                        break
                    choice = chunk["choices"][0]
                    text = choice.get("text") or ""
                    if text or not choice.get("finish_reason"):
                        produced += 1
                    if text:
                        emit(TextDelta(text))
                    if choice.get("finish_reason"):
                        reason = choice["finish_reason"]
            finally:
                chunks.close()  # release llama's generator (and its state) on cancel too
                if self._other_load is not None:
                    self._other_load.restart()  # the next reply measures from here
            emit(Usage(len(fitted.tokens), produced))
            emit(Done(reason))


# Generation threads still running, so that an exit can stop them before the interpreter
# frees the model under them (daemon threads run on while Python finalises: a SIGSEGV).
JOIN_TIMEOUT_S = 10.0
_running: dict[threading.Thread, CancelToken] = {}
_running_lock = threading.Lock()
_exit_hook_installed = False


def _track(thread: threading.Thread, cancel: CancelToken) -> None:
    global _exit_hook_installed
    with _running_lock:
        for done in [t for t in _running if not t.is_alive() and t.ident is not None]:
            del _running[done]
        _running[thread] = cancel
        if not _exit_hook_installed:
            import atexit

            atexit.register(stop_generations)
            _exit_hook_installed = True


def stop_generations(timeout: float = JOIN_TIMEOUT_S) -> None:
    """Cancel every running generation and wait for its thread; safe to call twice."""
    with _running_lock:
        running = list(_running.items())
        _running.clear()
    for _thread, cancel in running:
        cancel.cancel()
    for thread, _cancel in running:
        if thread.ident is not None:
            thread.join(timeout)


_log_callback = None  # the ctypes callback must outlive every call into llama.cpp


class _KeepOutput:
    """Stands in for llama-cpp-python's `suppress_stdout_stderr`, and keeps the output."""

    def __init__(self, disable: bool = True) -> None:
        pass

    def __enter__(self) -> _KeepOutput:
        return self

    def __exit__(self, *_exc) -> None:
        return None


def _quiet_llama_logs() -> None:
    """Send llama.cpp's own log lines to Python logging instead of the terminal.

    llama-cpp-python's callback maps ggml's current log levels wrongly and prints warnings
    to stderr, which would land in the CLI's output and under the TUI.

    Its other way of being quiet is turned off: with `verbose=False` it points the whole
    process's stdout and stderr at /dev/null while it loads a model (`suppress_stdout_stderr`,
    llama-cpp-python issue 1874), so whatever another thread writes meanwhile is lost: the
    TUI's frames, a reply streaming from a private server, the offline guard's warning.
    llama.cpp's logs come here instead, and `verbose=False` still keeps its own prints off.
    """
    global _log_callback
    if _log_callback is not None:
        return
    import ctypes
    import logging

    import llama_cpp
    import llama_cpp._internals
    import llama_cpp.llama

    for module in (llama_cpp.llama, llama_cpp._internals):
        if hasattr(module, "suppress_stdout_stderr"):
            module.suppress_stdout_stderr = _KeepOutput

    log = logging.getLogger("localfirst.llama_cpp")

    @llama_cpp.llama_log_callback
    def forward(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        log.debug(text.decode("utf-8", errors="replace").rstrip())

    _log_callback = forward
    llama_cpp.llama_log_set(forward, ctypes.c_void_p(0))


def _token_text(llm, token: int) -> str:
    try:
        return llm.detokenize([token], special=True).decode("utf-8", errors="ignore")
    except Exception:
        return ""
