"""The TUI's one seam to model downloads (`localfirst.models.presets` and `.hub`).

Onboarding and the settings screen call only these two functions, from worker threads:
choosing the preset probes the machine (llama.cpp's GPU backend, nvidia-smi) and a download
moves gigabytes, so neither may run on the UI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from localfirst.errors import UserError

if TYPE_CHECKING:
    from localfirst.models.registry import InstalledModel
    from localfirst.services import Services

MANUAL_INSTALL_HINT = (
    "run `localfirst models pull` to download the suggested model, "
    "or `localfirst models import FILE.gguf` for a GGUF file you have"
)

# (bytes done, bytes in all; 0 when unknown)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DownloadOffer:
    """The preset suggested for this machine, and why."""

    name: str
    title: str
    size_bytes: int
    reason: str

    @property
    def label(self) -> str:
        return f"Download {self.name} ({human_size(self.size_bytes)})"


def human_size(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def suggest_download() -> DownloadOffer | None:
    """The preset that suits this machine (blocking)."""
    from localfirst.models.presets import choose_preset, load_presets, probe_machine

    machine = probe_machine()
    choice = choose_preset(load_presets(), machine)
    preset = choice.preset
    return DownloadOffer(
        preset.name, preset.title, preset.size, f"{choice.reason} ({machine.describe()})"
    )


def download(
    services: Services, offer: DownloadOffer, progress: Progress, cancel: threading.Event
) -> InstalledModel:
    """Download `offer` into the Hugging Face cache and make it the default model (blocking).

    Raises a UserError saying what to do (offline, no disk space, Hub unreachable...); a
    cancelled download raises `DownloadCancelled`, and starting it again resumes it.
    """
    if services.offline:
        raise UserError("offline mode is on: models cannot be downloaded", MANUAL_INSTALL_HINT)
    from localfirst.models.hub import pull_preset
    from localfirst.models.presets import get_preset

    preset = get_preset(offer.name)
    if preset is None:
        raise UserError(f"no preset named '{offer.name}'", MANUAL_INSTALL_HINT)
    return pull_preset(
        preset,
        services.registry,
        make_default=True,
        progress=lambda report: progress(report.downloaded, report.total),
        cancel=cancel,
    )
