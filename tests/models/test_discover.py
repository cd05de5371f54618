"""GGUF files already on this machine, found in the Hugging Face cache and ~/models."""

from __future__ import annotations

from pathlib import Path

from localfirst.models.discover import local_gguf_files


def _gguf(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"GGUF" + b"\0" * (size - 4))
    return path


def test_model_folders_are_searched_two_levels_deep_largest_first(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "no-hub-cache"))
    small = _gguf(tmp_path / "models" / "small.gguf", 100)
    large = _gguf(tmp_path / "models" / "vendor" / "large.GGUF".lower(), 300)
    _gguf(tmp_path / "models" / "a" / "b" / "c" / "too-deep.gguf", 50)
    (tmp_path / "models" / "notes.txt").write_text("not a model")
    assert local_gguf_files() == [large.resolve(), small.resolve()]


def test_installed_files_are_left_out(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "no-hub-cache"))
    kept = _gguf(tmp_path / "models" / "kept.gguf", 100)
    installed = _gguf(tmp_path / "models" / "installed.gguf", 200)
    assert local_gguf_files({installed}) == [kept.resolve()]


def test_a_download_in_the_hub_cache_is_found(
    tmp_path, monkeypatch, hub_server, test_model_path, test_model_sha256
):
    from localfirst.models.hub import pull

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_ENDPOINT", hub_server.url)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    hub_server.host("someone/tiny-gguf", "tiny.gguf", test_model_path, sha256=test_model_sha256)
    downloaded = pull("someone/tiny-gguf", "tiny.gguf", cache_dir=tmp_path / "hf" / "hub")
    assert local_gguf_files() == [downloaded.resolve()]
