"""The shipped presets table, and the default it suggests for a machine."""

from __future__ import annotations

import pytest

from localfirst.errors import ModelError
from localfirst.models.presets import (
    GiB,
    MachineMemory,
    choose_preset,
    default_preset,
    get_preset,
    gpu_layers_that_fit,
    load_presets,
    parse_presets,
    preset_for_source,
    probe_machine,
)


def test_the_shipped_presets_span_half_a_billion_to_eight_billion_parameters() -> None:
    presets = load_presets()
    sizes = [p.params_b for p in presets]
    assert min(sizes) <= 0.5 and max(sizes) >= 8.0
    assert len({p.name for p in presets}) == len(presets) >= 5
    families = {p.name.split("-")[0].rstrip("0123456789.") for p in presets}
    assert {"qwen", "llama", "gemma", "phi"} <= families


@pytest.mark.parametrize("preset", load_presets(), ids=lambda p: p.name)
def test_each_preset_is_a_consistent_single_file_q4_k_m(preset) -> None:
    owner, name = preset.repo.split("/")
    assert owner and name.endswith("-GGUF")
    assert preset.file.endswith(".gguf") and "-of-0" not in preset.file
    assert preset.quant == "Q4_K_M" and "q4_k_m" in preset.file.lower()
    # Q4_K_M stores about 4.5-6.5 bits a weight (embeddings are kept larger in small models)
    bits_per_weight = preset.size * 8 / (preset.params_b * 1e9)
    assert 4.0 < bits_per_weight < 8.0, bits_per_weight
    assert preset.context_length >= 32_768 and preset.license and preset.chat_format
    assert preset.source == f"hf:{preset.repo}/{preset.file}"
    assert preset.memory_needed > preset.size


def test_presets_are_found_by_name_and_by_source() -> None:
    preset = load_presets()[0]
    assert get_preset(preset.name.upper()) is preset
    assert get_preset("no-such-model") is None
    assert preset_for_source(preset.source) is preset
    assert preset_for_source("import") is None


@pytest.mark.parametrize(
    ("ram_gb", "backend", "vram_gb", "expected"),
    [
        (2, "CPU", None, "qwen2.5-0.5b"),  # too little for any: the smallest
        (4, "CPU", None, "qwen2.5-1.5b"),
        (8, "CPU", None, "gemma-3-4b"),
        (64, "CPU", None, "gemma-3-4b"),  # a CPU stays at chat speed, however much RAM
        (16, "CUDA", 4, "llama-3.2-3b"),
        (16, "CUDA", 8, "llama-3.1-8b"),
        (16, "CUDA", 2, "gemma-3-4b"),  # nothing fits the GPU whole: chosen by RAM
        (8, "Metal", None, "gemma-3-4b"),
        (16, "Metal", None, "llama-3.1-8b"),
    ],
)
def test_the_default_is_the_largest_preset_that_fits(
    ram_gb: int, backend: str, vram_gb: int | None, expected: str
) -> None:
    machine = MachineMemory(ram_gb * GiB, backend, vram_gb * GiB if vram_gb else None)
    choice = choose_preset(load_presets(), machine)
    assert choice.preset.name == expected
    assert choice.reason
    assert default_preset(machine) is choice.preset


def test_the_default_always_leaves_room_for_the_os() -> None:
    for ram_gb in (3, 4, 6, 8, 12, 16, 32):
        machine = MachineMemory(ram_gb * GiB, "CPU")
        chosen = choose_preset(load_presets(), machine).preset
        smallest = min(load_presets(), key=lambda p: p.memory_needed)
        assert chosen is smallest or chosen.memory_needed <= machine.ram - 2 * GiB


def test_ties_in_size_go_to_the_preset_listed_first() -> None:
    text = _entry("b-model", params_b=1.0) + _entry("a-model", params_b=1.0)
    presets = parse_presets(text, "test.toml")
    machine = MachineMemory(16 * GiB, "CPU")
    assert choose_preset(presets, machine).preset.name == "b-model"


def test_gpu_offload_is_all_layers_when_they_fit_else_as_many_as_fit() -> None:
    assert gpu_layers_that_fit(2 * GiB, block_count=28, gpu_memory=8 * GiB) == -1
    partial = gpu_layers_that_fit(5 * GiB, block_count=32, gpu_memory=4 * GiB)
    assert 0 < partial < 32
    assert gpu_layers_that_fit(5 * GiB, 32, 6 * GiB) > partial  # more memory, more layers
    assert gpu_layers_that_fit(5 * GiB, 32, 1 * GiB) == 0


def test_probing_this_machine_finds_its_memory_and_backend() -> None:
    machine = probe_machine()
    assert machine.ram > 512 * 1024**2
    assert machine.backend in {"CPU", "Metal", "CUDA", "Vulkan", "Hip", "Sycl", "GPU"}
    assert machine.describe().startswith(f"{machine.ram / GiB:.0f} GB RAM")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[[preset]]\nname = "x"\n', "missing "),
        ("not toml [", "not valid TOML"),
        ("", "no [[preset]] entries"),
    ],
)
def test_malformed_tables_are_errors_naming_the_problem(text: str, said: str) -> None:
    with pytest.raises(ModelError) as error:
        parse_presets(text, "test.toml")
    assert "test.toml" in error.value.message and said in error.value.message


def test_wrong_types_unknown_keys_and_duplicates_are_refused() -> None:
    with pytest.raises(ModelError, match=r"preset 1 \(m\): size must be an integer"):
        parse_presets(_entry("m", size='"big"'), "t.toml")
    with pytest.raises(ModelError, match="unknown colour"):
        parse_presets(_entry("m") + 'colour = "red"\n', "t.toml")
    with pytest.raises(ModelError, match="used twice: m"):
        parse_presets(_entry("m") + _entry("m"), "t.toml")
    with pytest.raises(ModelError, match="repo must be OWNER/NAME"):
        parse_presets(_entry("m", repo='"no-owner"'), "t.toml")


def _entry(name: str, **overrides: object) -> str:
    fields = {
        "name": f'"{name}"',
        "title": '"A model"',
        "repo": '"owner/model-GGUF"',
        "file": '"model-Q4_K_M.gguf"',
        "quant": '"Q4_K_M"',
        "params_b": 1.0,
        "size": 700_000_000,
        "context_length": 8192,
        "license": '"mit"',
        "chat_format": '"chatml"',
        **overrides,
    }
    return "[[preset]]\n" + "".join(f"{key} = {value}\n" for key, value in fields.items())
