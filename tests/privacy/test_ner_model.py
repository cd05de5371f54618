"""The stronger detector end to end: a tiny token-classification model built here, served from
the loopback Hub, downloaded with the GGUF code, loaded through transformers, and joined with
the rule stages. (Its accuracy is a real model's business; this checks the path.)"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from localfirst.config import config_from_dict
from localfirst.errors import ConfigError

from .conftest import TEST_SPACY_MODEL

REPO = "localfirst-test/tiny-pii"
# torch and transformers live in .venv-ner (scripts/bootstrap-ner), not in .venv: installed
# there, spaCy's thinc would import torch in every gate load of the suite.
NER_PYTHON = Path(__file__).resolve().parents[2] / ".venv-ner" / "bin" / "python"

BUILD_TINY_MODEL = r"""
import sys
from pathlib import Path
import torch
from transformers import BertConfig, BertForTokenClassification, BertTokenizerFast

folder = Path(sys.argv[1])
words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"abcdefghijklmnopqrstuvwxyz"]
(folder / "vocab.txt").write_text("\n".join([*words, "hello", "there"]) + "\n")
tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)
config = BertConfig(
    vocab_size=len(words) + 2, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
    intermediate_size=32, max_position_embeddings=128,
    id2label={0: "O", 1: "B-PER", 2: "I-PER"}, label2id={"O": 0, "B-PER": 1, "I-PER": 2},
)
torch.manual_seed(0)
model = BertForTokenClassification(config)
with torch.no_grad():  # every word B-PER: deterministic
    model.classifier.weight.zero_()
    model.classifier.bias.copy_(torch.tensor([0.0, 8.0, 0.0]))
model.save_pretrained(folder)
tokenizer.save_pretrained(folder)
"""

CHECK_WITH_GATE = r"""
import json, logging, sys
from pathlib import Path
logging.disable(logging.WARNING)
from localfirst.config import PrivacyConfig
from localfirst.errors import UserError
from localfirst.privacy.gate import PrivacyGate

spec, cache, spacy_model, text = sys.argv[1:5]
try:
    gate = PrivacyGate.build(
        PrivacyConfig(spacy_model=spacy_model, ner_model=spec), offline=True, cache_dir=Path(cache)
    )
except UserError as exc:
    print(json.dumps({"error": str(exc)}))
    raise SystemExit(0)
verdict = gate.check_text(text)
print(json.dumps({
    "description": gate.pipeline_description,
    "findings": [f.as_dict() for f in verdict.findings],
}))
"""


def _ner_python() -> Path:
    assert NER_PYTHON.exists(), "run scripts/bootstrap-ner (scripts/test does) to make .venv-ner"
    return NER_PYTHON


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-layer BERT token classifier, 100 kB, built with the real transformers."""
    folder = tmp_path_factory.mktemp("tiny-pii")
    subprocess.run(
        [str(_ner_python()), "-c", BUILD_TINY_MODEL, str(folder)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder


@pytest.fixture
def hosted(hub_server, tiny_model: Path, isolated_dirs, monkeypatch: pytest.MonkeyPatch):
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", hub_server.url)
    for file in tiny_model.iterdir():
        hub_server.host(REPO, file.name, file)
    return hub_server


def _check(cache: Path, text: str) -> dict:
    """Build a gate with the NER model in .venv-ner's Python and check `text`."""
    result = subprocess.run(
        [
            str(_ner_python()),
            "-c",
            CHECK_WITH_GATE,
            f"hf:{REPO}",
            str(cache),
            TEST_SPACY_MODEL,
            text,
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_model_is_downloaded_loaded_and_joins_the_rules(hosted, tmp_path) -> None:
    checked = _check(tmp_path, "hello there, call me on 0176 2345 6789")
    asked = {r.path.rsplit("/", 1)[-1] for r in hosted.requests if r.origin == "hub"}
    assert {"config.json", "model.safetensors", "vocab.txt"} <= asked
    assert len(hosted.downloads()) >= 3  # the bytes came from the CDN, as for a GGUF
    assert "NER model localfirst-test/tiny-pii" in checked["description"]
    # words the rules let pass are found by the model; the rules' own findings stay
    rules = {f["type"]: f["rule"] for f in checked["findings"] if f["sensitive"]}
    assert rules["PERSON"].startswith("ner_model: localfirst-test/tiny-pii")
    assert rules["PHONE_NUMBER"].startswith("PhoneNumberRecognizer")


def test_offline_it_loads_from_the_cache_and_never_fetches(
    hosted, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _check(tmp_path, "hello")
    before = len(hosted.requests)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    checked = _check(tmp_path, "hello there")
    assert len(hosted.requests) == before
    assert any(f["rule"].startswith("ner_model") for f in checked["findings"])


def test_offline_with_nothing_cached_says_so(hosted, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    checked = _check(tmp_path, "hello")
    assert "ner_model" in checked["error"] and not hosted.requests


def test_without_transformers_the_setting_says_what_to_install(isolated_dirs, tmp_path) -> None:
    from localfirst.config import PrivacyConfig
    from localfirst.errors import UserError
    from localfirst.privacy.ner_model import load_ner_model

    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    try:
        import transformers  # noqa: F401
    except ImportError:
        with pytest.raises(UserError) as info:
            load_ner_model(str(folder))
        assert "localfirst[ner]" in str(info.value)
    else:
        pytest.fail("transformers must stay out of .venv (see scripts/bootstrap-ner)")
    assert PrivacyConfig().ner_model == ""  # off by default


@pytest.mark.parametrize("value", ["nonsense", "hf:no-slash", "hf:a/b/c"])
def test_a_bad_ner_model_setting_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_dict({"privacy": {"ner_model": value}}, "config.toml")
    assert "[privacy] ner_model" in str(info.value)
