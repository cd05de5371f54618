from pathlib import Path

import pytest

from localfirst.errors import ModelError, NoModelError
from localfirst.models.registry import ModelRegistry


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    return ModelRegistry(tmp_path / "models.json")


def test_empty_registry_says_how_to_get_a_model(registry: ModelRegistry) -> None:
    with pytest.raises(NoModelError) as info:
        registry.resolve()
    assert "models pull" in str(info.value) and "models import" in str(info.value)


def test_import_registers_and_becomes_default(
    registry: ModelRegistry, test_model_path: Path
) -> None:
    model = registry.import_file(test_model_path)
    assert model.name == "gemma-3-270m-q4_k_m"
    assert model.architecture == "gemma3" and not model.has_chat_template
    assert registry.resolve().name == model.name
    assert [m.name for m in registry.list()] == [model.name]


def test_use_and_remove_update_the_default(registry: ModelRegistry, test_model_path: Path) -> None:
    registry.import_file(test_model_path, name="first")
    registry.import_file(test_model_path, name="second")
    assert registry.resolve().name == "first"
    registry.set_default("second")
    assert registry.resolve().name == "second"
    registry.remove("second")
    assert registry.resolve().name == "first"
    assert test_model_path.exists()  # removing never deletes an imported file


def test_configured_model_must_exist(registry: ModelRegistry, test_model_path: Path) -> None:
    registry.import_file(test_model_path)
    with pytest.raises(NoModelError, match="'typo' is not installed"):
        registry.resolve("typo")
    assert registry.resolve(str(test_model_path)).architecture == "gemma3"


def test_importing_a_bad_file_registers_nothing(registry: ModelRegistry, tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model at all" * 10)
    with pytest.raises(ModelError, match="not a GGUF"):
        registry.import_file(bad)
    assert registry.list() == []


def test_unknown_names_are_clear_errors(registry: ModelRegistry) -> None:
    with pytest.raises(ModelError, match="no installed model named 'x'"):
        registry.remove("x")
    with pytest.raises(ModelError, match="no installed model named 'x'"):
        registry.set_default("x")
