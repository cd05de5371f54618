"""The stronger detector end to end: a tiny token-classification model built here, served from
the loopback Hub, downloaded with the GGUF code, loaded through transformers, and joined with
the rule stages. (Its accuracy is a real model's business; this checks the path.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from localfirst.config import PrivacyConfig, config_from_dict
from localfirst.errors import ConfigError, UserError
from localfirst.privacy.gate import PrivacyGate

from .conftest import TEST_SPACY_MODEL

REPO = "localfirst-test/tiny-pii"


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-layer BERT whose classifier labels every word B-PER: deterministic, 100 kB."""
    import torch
    from transformers import BertConfig, BertForTokenClassification, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-pii")
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"abcdefghijklmnopqrstuvwxyz"]
    (folder / "vocab.txt").write_text("\n".join([*words, "hello", "there"]) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)
    config = BertConfig(
        vocab_size=len(words) + 2,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=128,
        id2label={0: "O", 1: "B-PER", 2: "I-PER"},
        label2id={"O": 0, "B-PER": 1, "I-PER": 2},
    )
    torch.manual_seed(0)
    model = BertForTokenClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([0.0, 8.0, 0.0]))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def hosted(hub_server, tiny_model: Path, isolated_dirs, monkeypatch: pytest.MonkeyPatch):
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", hub_server.url)
    for file in tiny_model.iterdir():
        hub_server.host(REPO, file.name, file)
    return hub_server


def _gate(cache: Path) -> PrivacyGate:
    config = PrivacyConfig(spacy_model=TEST_SPACY_MODEL, ner_model=f"hf:{REPO}")
    return PrivacyGate.build(config, offline=True, cache_dir=cache)


def test_the_model_is_downloaded_loaded_and_joins_the_rules(hosted, tmp_path) -> None:
    gate = _gate(tmp_path)
    asked = {r.path.rsplit("/", 1)[-1] for r in hosted.requests if r.origin == "hub"}
    assert {"config.json", "model.safetensors", "vocab.txt"} <= asked
    assert len(hosted.downloads()) >= 3  # the bytes came from the CDN, as for a GGUF
    assert "NER model localfirst-test/tiny-pii" in gate.pipeline_description
    # words the rules let pass are found by the model; the rules' own findings stay
    verdict = gate.check_text("hello there, call me on 0176 2345 6789")
    rules = {f.type: f.rule for f in verdict.findings if f.sensitive}
    assert rules["PERSON"].startswith("ner_model: localfirst-test/tiny-pii")
    assert rules["PHONE_NUMBER"].startswith("PhoneNumberRecognizer")


def test_offline_it_loads_from_the_cache_and_never_fetches(
    hosted, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _gate(tmp_path)
    before = len(hosted.requests)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    gate = _gate(tmp_path)
    assert len(hosted.requests) == before
    assert any(f.rule.startswith("ner_model") for f in gate.check_text("hello there").findings)


def test_offline_with_nothing_cached_says_so(hosted, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(UserError) as info:
        _gate(tmp_path)
    assert "ner_model" in str(info.value) and not hosted.requests


@pytest.mark.parametrize("value", ["nonsense", "hf:no-slash", "hf:a/b/c"])
def test_a_bad_ner_model_setting_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_dict({"privacy": {"ner_model": value}}, "config.toml")
    assert "[privacy] ner_model" in str(info.value)
