"""The one seam between the TUI and model downloads (issue 6, `localfirst.models.hub`).

Onboarding and the settings screen only call these two functions, so wiring in the hub when
it lands touches this file alone. Until then they say how to install a model by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from localfirst.errors import UserError

if TYPE_CHECKING:
    from localfirst.models.registry import InstalledModel
    from localfirst.services import Services

MANUAL_INSTALL_HINT = (
    "run `localfirst models pull` to download the default model, "
    "or `localfirst models import FILE.gguf` for a GGUF file you have"
)

# (bytes done, bytes total or 0 when unknown)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DownloadOffer:
    """What the onboarding button offers: a preset's name and its download size."""

    name: str
    size_bytes: int | None = None


def default_model_offer() -> DownloadOffer | None:
    """The default preset, or None while this build cannot download models."""
    try:
        from localfirst.models import hub  # type: ignore[attr-defined]
    except ImportError:
        return None
    preset = getattr(hub, "default_preset", None)
    if preset is None:
        return None
    try:
        chosen = preset()
    except Exception:
        return None
    return DownloadOffer(str(chosen.name), getattr(chosen, "size_bytes", None))


def download_default_model(services: Services, progress: Progress) -> InstalledModel:
    """Download and register the default preset (blocking: call from a worker thread).

    Expects `localfirst.models.hub.pull(preset_name | None, registry, progress=...)`.
    """
    try:
        from localfirst.models import hub  # type: ignore[attr-defined]
    except ImportError:
        raise UserError("this build cannot download models yet", MANUAL_INSTALL_HINT) from None
    if services.offline:
        raise UserError("offline mode is on: models cannot be downloaded", MANUAL_INSTALL_HINT)
    pull = getattr(hub, "pull", None)
    if pull is None:
        raise UserError("this build cannot download models yet", MANUAL_INSTALL_HINT)
    return pull(None, services.registry, progress=progress)
