"""GGUF files already on this machine: the Hugging Face cache and ~/models.

Onboarding offers them first, so an offline machine (or one with a model downloaded by
another tool) can import in one keystroke. The Hub cache is read with huggingface_hub's own
scanner (`scan_cache_dir`), which knows its layout; ~/models is a plain folder convention
(llama.cpp's and LM Studio's docs use it), searched two levels deep.
"""

from __future__ import annotations

from pathlib import Path

from localfirst.models.hub import default_cache_dir

MODEL_FOLDERS = ("~/models",)
MAX_DEPTH = 2


def local_gguf_files(installed: set[Path] | None = None) -> list[Path]:
    """Every .gguf file found, largest first, leaving out those already installed."""
    found: dict[Path, int] = {}
    for path in _in_hub_cache() + _in_model_folders():
        try:
            resolved = path.resolve()
            found.setdefault(resolved, resolved.stat().st_size)
        except OSError:
            continue
    skip = {p.resolve() for p in (installed or set())}
    return sorted((p for p in found if p not in skip), key=lambda p: -found[p])


def _in_hub_cache() -> list[Path]:
    cache = default_cache_dir()
    if not cache.is_dir():
        return []
    from huggingface_hub import scan_cache_dir

    try:
        info = scan_cache_dir(cache)
    except Exception:  # a damaged cache must not stop onboarding
        return []
    return [
        file.file_path
        for repo in info.repos
        for revision in repo.revisions
        for file in revision.files
        if file.file_name.lower().endswith(".gguf") and ".incomplete" not in file.file_name
    ]


def _in_model_folders() -> list[Path]:
    paths: list[Path] = []
    for folder in (Path(f).expanduser() for f in MODEL_FOLDERS):
        if folder.is_dir():
            for depth in range(MAX_DEPTH + 1):
                paths += folder.glob("/".join(["*"] * depth + ["*.gguf"]))
    return paths
