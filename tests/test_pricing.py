"""Cost estimates from the built-in price table and the config's."""

from __future__ import annotations

import pytest

from localfirst.config import config_from_dict
from localfirst.errors import ConfigError
from localfirst.pricing import check_price_table, estimate_cost
from localfirst.providers import DEFAULT_MODELS


def test_cost_is_per_million_tokens():
    # claude-sonnet-4-6: $3 in, $15 out per million
    assert estimate_cost("claude-sonnet-4-6", 1_000_000, 0) == pytest.approx(3.0)
    assert estimate_cost("claude-sonnet-4-6", 2_000, 1_000) == pytest.approx(0.006 + 0.015)


@pytest.mark.parametrize("model", sorted(DEFAULT_MODELS.values()))
def test_the_default_models_have_a_price(model):
    assert estimate_cost(model, 1000, 1000) > 0


@pytest.mark.parametrize(
    ("model", "alias"),
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("gpt-5-mini-2025-08-07", "gpt-5-mini"),
        ("openai/gpt-5.4", "gpt-5.4"),
        ("anthropic/claude-sonnet-4.6", "claude-sonnet-4-6"),
    ],
)
def test_snapshots_and_router_ids_price_like_their_model(model, alias):
    assert estimate_cost(model, 500, 500) == estimate_cost(alias, 500, 500)


def test_config_prices_override_and_extend_the_table():
    prices = {"gpt-5.4": {"input": 1.0, "output": 2.0}, "my-vllm-model": {"input": 0, "output": 0}}
    assert estimate_cost("gpt-5.4", 1_000_000, 1_000_000, prices) == pytest.approx(3.0)
    assert estimate_cost("my-vllm-model", 10, 10, prices) == 0


def test_an_unknown_model_has_no_estimate():
    assert estimate_cost("someone-elses-model", 100, 100) is None


def test_the_saving_of_a_local_answer_is_the_cloud_price_of_its_tokens(isolated_dirs, fail_keys):
    from localfirst.config import CloudConfig, Config
    from localfirst.services import Services
    from localfirst.types.decision import Target

    services = Services(config=Config(cloud=CloudConfig(provider="openai", model="gpt-5.4")))
    services.__dict__["keys"] = fail_keys  # no key: priced against the configured model
    saved = services.reply_cost(Target.LOCAL, "", 1000, 1000)
    assert saved == {
        "saved_usd": estimate_cost("gpt-5.4", 1000, 1000),
        "priced_against": "openai/gpt-5.4",
    }
    assert saved["saved_usd"] > 0


def test_a_malformed_price_table_is_a_config_error():
    assert check_price_table({"m": {"input": 1, "output": 2.5}}) is None
    assert "exactly" in check_price_table({"m": {"input": 1}})
    assert "number" in check_price_table({"m": {"input": "cheap", "output": 1}})
    with pytest.raises(ConfigError, match=r"\[cloud\] prices"):
        config_from_dict({"cloud": {"prices": {"gpt-5.4": {"in": 1, "out": 2}}}})
