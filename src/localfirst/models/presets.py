"""The models localfirst offers to download, and the one it suggests for this machine.

The list itself is data (presets.toml beside this file), so adding a model is a change to a
table, not to code. The suggestion is the largest preset whose weights, context cache and
compute buffers fit in the memory the model will run from, leaving the OS room to breathe:
the GPU's memory with a CUDA build, the share of unified memory Metal may use on Apple
Silicon, else RAM. On a CPU, presets above `CPU_MAX_PARAMS_B` are not suggested however much
RAM there is, because they answer too slowly to feel like a chat.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, fields
from importlib import resources

from localfirst.errors import ModelError

GiB = 1024**3

OS_RESERVE_MIN = 2 * GiB  # RAM kept for the OS and other programs, at least...
OS_RESERVE_SHARE = 0.25  # ...or this share of it, whichever is more
GPU_RESERVE = 1 * GiB  # VRAM kept for the display and the CUDA context
CONTEXT_OVERHEAD = GiB // 2  # KV cache and compute buffers for a 4k context, roughly
WEIGHTS_OVERHEAD = 0.2  # llama.cpp needs a little more than the file size for the weights
CPU_MAX_PARAMS_B = 4.0


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    repo: str
    file: str
    quant: str
    params_b: float
    size: int  # bytes on the Hub
    context_length: int
    license: str
    chat_format: str

    @property
    def source(self) -> str:
        """How the model registry records where a download came from."""
        return f"hf:{self.repo}/{self.file}"

    @property
    def memory_needed(self) -> int:
        """Bytes of (V)RAM the model needs to run a 4k context."""
        return int(self.size * (1 + WEIGHTS_OVERHEAD)) + CONTEXT_OVERHEAD


@dataclass(frozen=True)
class MachineMemory:
    """What a model can run from: RAM, the llama.cpp backend, and GPU memory where known."""

    ram: int
    backend: str = "CPU"  # gpu_backend(): "CPU", "Metal", "CUDA", ...
    gpu_memory: int | None = None  # CUDA: the largest GPU's memory

    def describe(self) -> str:
        text = f"{self.ram / GiB:.0f} GB RAM"
        if self.backend == "Metal":
            return f"{text} shared with the GPU (Metal)"
        if self.gpu_memory:
            return f"{text}, {self.gpu_memory / GiB:.0f} GB GPU memory ({self.backend})"
        return f"{text}, {self.backend}"


@dataclass(frozen=True)
class PresetChoice:
    preset: Preset
    reason: str


PRESETS_FILE = "presets.toml"


@functools.cache
def load_presets() -> tuple[Preset, ...]:
    """The presets shipped with the package, in file order (smallest first)."""
    text = resources.files("localfirst.models").joinpath(PRESETS_FILE).read_text(encoding="utf-8")
    return parse_presets(text, PRESETS_FILE)


def parse_presets(text: str, origin: str) -> tuple[Preset, ...]:
    """Parse and check a presets table; a bad entry is an error naming it, never a silent skip."""
    try:
        entries = tomllib.loads(text).get("preset", [])
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"{origin}: not valid TOML ({exc})") from exc
    types = {f.name: f.type for f in fields(Preset)}
    presets: list[Preset] = []
    for index, entry in enumerate(entries, start=1):
        where = f"{origin}: preset {index} ({entry.get('name', 'unnamed')})"
        missing = sorted(set(types) - set(entry))
        unknown = sorted(set(entry) - set(types))
        if missing or unknown:
            raise ModelError(
                f"{where}: "
                + "; ".join(
                    part
                    for part in (
                        f"missing {', '.join(missing)}" if missing else "",
                        f"unknown {', '.join(unknown)}" if unknown else "",
                    )
                    if part
                )
            )
        preset = Preset(**{key: _coerce(where, key, types[key], entry[key]) for key in types})
        if preset.size <= 0 or preset.params_b <= 0 or preset.context_length <= 0:
            raise ModelError(f"{where}: size, params_b and context_length must be positive")
        if preset.repo.count("/") != 1 or not preset.file.endswith(".gguf"):
            raise ModelError(f"{where}: repo must be OWNER/NAME and file a .gguf")
        presets.append(preset)
    names = [p.name for p in presets]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ModelError(f"{origin}: preset names used twice: {', '.join(duplicates)}")
    if not presets:
        raise ModelError(f"{origin}: no [[preset]] entries")
    return tuple(presets)


def _coerce(where: str, key: str, annotation: str, value: object) -> object:
    """Check a value against the field's type (annotations are strings here); ints pass as floats."""
    accepted = {"str": (str,), "int": (int,), "float": (int, float)}[annotation]
    if isinstance(value, bool) or not isinstance(value, accepted):
        kind = {"str": "a string", "int": "an integer", "float": "a number"}[annotation]
        raise ModelError(f"{where}: {key} must be {kind}")
    return float(value) if annotation == "float" else value


def get_preset(name: str) -> Preset | None:
    wanted = name.strip().lower()
    return next((p for p in load_presets() if p.name == wanted), None)


def preset_for_source(source: str) -> Preset | None:
    """The preset an installed model was pulled from, if any (by its `hf:REPO/FILE` source)."""
    return next((p for p in load_presets() if p.source == source), None)


# choosing a default


def choose_preset(
    presets: tuple[Preset, ...] | list[Preset], machine: MachineMemory
) -> PresetChoice:
    """The largest preset that runs well from the machine's memory (a pure function: testable)."""
    if machine.gpu_memory and machine.backend not in ("CPU", "Metal"):
        vram_budget = machine.gpu_memory - GPU_RESERVE
        fits = [p for p in presets if p.memory_needed <= vram_budget]
        if fits:
            return PresetChoice(
                _largest(fits),
                f"fits entirely in the GPU's {machine.gpu_memory / GiB:.0f} GB",
            )
    ram_budget = machine.ram - max(OS_RESERVE_MIN, int(machine.ram * OS_RESERVE_SHARE))
    if machine.backend == "Metal":
        # macOS lets the GPU wire about 2/3 of unified memory (3/4 above 36 GB) by default
        share = 0.75 if machine.ram > 36 * GiB else 2 / 3
        budget = min(ram_budget, int(machine.ram * share))
        fits = [p for p in presets if p.memory_needed <= budget]
        if fits:
            return PresetChoice(
                _largest(fits),
                f"fits the {budget / GiB:.0f} GB of unified memory Metal can use here",
            )
    else:
        fits = [
            p for p in presets if p.memory_needed <= ram_budget and p.params_b <= CPU_MAX_PARAMS_B
        ]
        if fits:
            return PresetChoice(
                _largest(fits),
                f"fits in {machine.ram / GiB:.0f} GB of RAM with room for the system"
                + ("" if machine.backend == "CPU" else "; the GPU is too small to hold it whole"),
            )
    smallest = min(presets, key=lambda p: p.memory_needed)
    return PresetChoice(
        smallest,
        f"the smallest preset: {machine.ram / GiB:.0f} GB of RAM is tight for a local model",
    )


def _largest(candidates: list[Preset]) -> Preset:
    # max() keeps the first of equals, so the file's order breaks ties
    return max(candidates, key=lambda p: p.params_b)


def gpu_layers_that_fit(model_size: int, block_count: int, gpu_memory: int) -> int:
    """Layers to offload: -1 (all) when the model fits the GPU, else as many whole layers as fit.

    llama-cpp-python does not size the offload itself, and asking for more layers than the GPU
    holds fails the load, so a model larger than VRAM runs split between GPU and CPU.
    """
    budget = gpu_memory - GPU_RESERVE - CONTEXT_OVERHEAD
    needed = model_size * (1 + WEIGHTS_OVERHEAD)
    if needed <= budget:
        return -1
    per_layer = needed / (block_count + 1)  # the output and embedding weights: about a layer
    return max(0, min(block_count, int(budget // per_layer)))


def default_preset(machine: MachineMemory | None = None) -> Preset:
    """The preset to suggest on this machine (probes RAM and the GPU when not given)."""
    return choose_preset(load_presets(), machine or probe_machine()).preset


def probe_machine() -> MachineMemory:
    """RAM from psutil; the llama.cpp backend; GPU memory from nvidia-smi for CUDA builds."""
    import psutil

    ram = int(psutil.virtual_memory().total)
    try:
        from localfirst.hardware import gpu_backend

        backend = gpu_backend()
    except (ImportError, OSError, AttributeError):
        backend = "CPU"
    gpu_memory = _cuda_memory() if backend == "CUDA" else None
    return MachineMemory(ram=ram, backend=backend, gpu_memory=gpu_memory)


def _cuda_memory() -> int | None:
    """The largest NVIDIA GPU's memory in bytes, or None when nvidia-smi cannot tell."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return None
    try:
        out = subprocess.run(
            [tool, "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
        sizes = [int(line.strip()) for line in out.splitlines() if line.strip().isdigit()]
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return max(sizes) * 1024**2 if sizes else None
