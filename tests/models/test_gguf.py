from pathlib import Path

import pytest

from localfirst.errors import ModelError
from localfirst.models.gguf import read_gguf


def test_reads_the_test_models_metadata(test_model_path: Path) -> None:
    info = read_gguf(test_model_path)
    assert info.architecture == "gemma3"
    assert info.context_length == 32768
    assert info.chat_template is None  # why the chat format must come from the architecture
    assert info.file_size == test_model_path.stat().st_size


def test_truncated_file_is_caught_with_its_path(test_model_path: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.gguf"
    with test_model_path.open("rb") as src, cut.open("wb") as dst:
        dst.write(src.read(test_model_path.stat().st_size - 4096))
    with pytest.raises(ModelError, match="truncated") as info:
        read_gguf(cut)
    assert str(cut) in str(info.value)


def test_header_cut_short_is_caught(test_model_path: Path, tmp_path: Path) -> None:
    cut = tmp_path / "head.gguf"
    cut.write_bytes(test_model_path.read_bytes()[:5000])
    with pytest.raises(ModelError, match=r"cut short|truncated"):
        read_gguf(cut)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"PK\x03\x04" + b"\0" * 100, "not a GGUF"), (b"GGUF", "too small")],
)
def test_foreign_files_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=message):
        read_gguf(path)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found") as info:
        read_gguf(tmp_path / "nope.gguf")
    assert "nope.gguf" in str(info.value)
