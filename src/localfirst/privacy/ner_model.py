"""A stronger detector for those who can run one: a token-classification model from the Hub.

`[privacy] ner_model = "hf:ORG/NAME"` (or a local directory) names a Hugging Face
token-classification model: a PII model, or a general NER model such as a CoNLL-2003 one. Its
files come through the same Hub code as the GGUFs (`models.hub.pull`: the Hub cache layout,
resumable, verified, never fetched offline) and it runs through transformers' own
`token-classification` pipeline on the CPU. Its findings join the rules' candidates in stage
one; stage two treats them like any other.

Off by default: it needs `pip install 'localfirst[ner]'` (transformers and torch), and a model
of a few hundred megabytes costs tens of milliseconds a prompt on a laptop CPU.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from localfirst.errors import UserError

HUB_PREFIX = "hf:"
# What a transformers model repo holds: the config is required, one weights file, then the
# tokenizer's files (whichever of them the repo has).
REQUIRED_FILES = ("config.json",)
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "sentencepiece.bpe.model",
    "spm.model",
    "added_tokens.json",
)
MIN_SCORE = 0.5
# The pipeline reads at most a model's window (512 tokens for BERT-sized models): longer text
# is cut into pieces of this many characters at a space.
PIECE_CHARS = 1_000
INSTALL_HINT = "pip install 'localfirst[ner]' (transformers and torch), or leave ner_model empty"


@dataclass(frozen=True)
class NerMatch:
    type: str
    start: int
    end: int
    score: float
    label: str


class NerModel:
    """A loaded token-classification pipeline; `find(text)` gives the gate's entity types."""

    def __init__(self, name: str, pipeline: Callable) -> None:
        self.name = name
        self._pipeline = pipeline
        self._lock = threading.Lock()  # transformers pipelines are not thread-safe

    def find(self, text: str) -> list[NerMatch]:
        labels = _labels()
        found: list[NerMatch] = []
        for offset, piece in _pieces(text):
            with self._lock:
                entities = self._pipeline(piece)
            for entity in entities:
                label = str(entity.get("entity_group") or entity.get("entity") or "")
                kind = labels.get(_bare_label(label))
                score = float(entity.get("score", 0.0))
                if kind is None or score < MIN_SCORE:
                    continue
                start, end = int(entity["start"]) + offset, int(entity["end"]) + offset
                if text[start:end].strip():
                    found.append(NerMatch(kind, start, end, score, label))
        return found


def load_ner_model(spec: str, *, cache_dir: Path | None = None) -> NerModel:
    """Fetch (unless offline) and load the model that `spec` names; UserError says what to do."""
    folder = model_folder(spec, cache_dir=cache_dir)
    try:
        from transformers import pipeline
    except ImportError:
        raise UserError(f"privacy.ner_model = {spec!r} needs transformers", INSTALL_HINT) from None
    try:
        runner = pipeline(
            "token-classification", model=str(folder), aggregation_strategy="simple", device=-1
        )
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(
            f"privacy.ner_model {spec!r} could not be loaded as a token-classification model "
            f"({exc})",
            "name a token-classification model (a PII or NER model) or leave ner_model empty",
        ) from None
    return NerModel(spec.removeprefix(HUB_PREFIX), runner)


def model_folder(spec: str, *, cache_dir: Path | None = None) -> Path:
    """The folder holding the model's files: a local directory, or the Hub snapshot."""
    spec = spec.strip()
    if not spec.startswith(HUB_PREFIX):
        folder = Path(spec).expanduser()
        if not (folder / "config.json").is_file():
            raise UserError(
                f"privacy.ner_model {spec!r} is not a model folder (no config.json)",
                'use "hf:ORG/NAME" for a Hub model or a folder saved by transformers',
            )
        return folder
    repo = spec.removeprefix(HUB_PREFIX)
    from localfirst.models.hub import pull

    # offline mode has set HF_HUB_OFFLINE (network/offline.py): pull then reads the cache only
    try:
        config = pull(repo, REQUIRED_FILES[0], cache_dir=cache_dir, gguf=False)
    except UserError as exc:
        raise UserError(f"privacy.ner_model {spec!r}: {exc.message}", exc.hint) from None
    folder = config.parent
    weights = [name for name in WEIGHT_FILES if _pull_optional(repo, name, cache_dir)]
    if not weights:
        raise UserError(
            f"privacy.ner_model {spec!r} has no model weights ({' or '.join(WEIGHT_FILES)})"
        )
    for name in TOKENIZER_FILES:
        _pull_optional(repo, name, cache_dir)
    return folder


def _pull_optional(repo: str, filename: str, cache_dir: Path | None) -> Path | None:
    from localfirst.models.hub import pull

    try:
        return pull(repo, filename, cache_dir=cache_dir, gguf=False)
    except UserError:  # not in this repo (or not cached, offline)
        return None


def _pieces(text: str) -> list[tuple[int, str]]:
    pieces, start = [], 0
    while start < len(text):
        end = min(len(text), start + PIECE_CHARS)
        if end < len(text):
            cut = text.rfind(" ", start + PIECE_CHARS // 2, end)
            end = cut if cut > start else end
        pieces.append((start, text[start:end]))
        start = end
    return pieces


def _bare_label(label: str) -> str:
    label = label.upper()
    if len(label) > 2 and label[1] in "-_" and label[0] in "BIES":
        label = label[2:]
    return label


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    source = resources.files("localfirst.privacy").joinpath("data/ner_labels.toml")
    return dict(tomllib.loads(source.read_text(encoding="utf-8"))["labels"])
