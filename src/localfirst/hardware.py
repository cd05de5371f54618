"""What the machine offers llama.cpp: physical cores, the cores other programs leave free, and
the GPU backend of this build."""

from __future__ import annotations

import contextlib
import os
import platform


def physical_cores() -> int:
    try:
        import psutil

        cores = psutil.cpu_count(logical=False)
    except Exception:
        cores = None
    return max(1, cores or (os.cpu_count() or 2) // 2 or 1)


def gpu_backend() -> str:
    """'Metal', 'CUDA' or 'CPU': what this llama-cpp-python build can offload to."""
    import llama_cpp

    if not llama_cpp.llama_supports_gpu_offload():
        return "CPU"
    if platform.system() == "Darwin":
        return "Metal"
    info = llama_cpp.llama_print_system_info().decode(errors="replace").upper()
    for name in ("CUDA", "VULKAN", "HIP", "SYCL"):
        if name in info:
            return name.title() if name != "CUDA" else "CUDA"
    return "GPU"


def threads_for(physical: int, logical: int, busy_elsewhere: float) -> int:
    """How many threads llama.cpp should decode with, given the cores other programs kept busy.

    llama.cpp's threads meet at a barrier after each step and spin there: when one of them is
    descheduled because another program holds its core, the rest wait for it. With one of two
    cores kept busy, two threads decoded at 2 tok/s where one thread gave 24 (measured
    2026-12-07, scripts/bench_local.py --hog). So each core another program keeps busy is one
    thread fewer, never fewer than one. `busy_elsewhere` counts logical CPUs; on a machine with
    two logical CPUs a core, two busy logical CPUs are one busy core.
    """
    busy_cores = busy_elsewhere * physical / max(logical, 1)
    return max(1, min(physical, round(physical - busy_cores)))


class OtherLoad:
    """The CPUs other processes used between two readings (between two replies).

    The window is the time since the last reply ended, when this process mostly idles; its
    own CPU time in the window (a model load, the UI) is taken off the machine's, so only
    other programs count."""

    def __init__(self) -> None:
        self._last = self._read()

    @classmethod
    def start(cls) -> OtherLoad | None:
        """A reader from now; None where the machine's CPU times cannot be read."""
        try:
            return cls()
        except Exception:
            return None

    def restart(self) -> None:
        """Measure from now."""
        with contextlib.suppress(Exception):
            self._last = self._read()

    @staticmethod
    def _read() -> tuple[float, float, float]:
        import time

        import psutil

        machine = psutil.cpu_times()
        busy = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)
        own = psutil.Process().cpu_times()
        return time.monotonic(), busy, own.user + own.system

    def busy_elsewhere(self) -> float:
        """Logical CPUs kept busy by other processes since the last call (or creation)."""
        then, busy_then, own_then = self._last
        self._last = now, busy_now, own_now = self._read()
        elapsed = now - then
        if elapsed <= 0:
            return 0.0
        return max(0.0, (busy_now - busy_then) - (own_now - own_then)) / elapsed
