"""`save_config` (added to localfirst.config for the settings screen): atomic, round-trips."""

from __future__ import annotations

from dataclasses import replace

from localfirst.config import (
    CloudConfig,
    Config,
    PrivacyConfig,
    TuiConfig,
    load_config,
    save_config,
)


def test_only_changed_keys_are_written_and_the_file_round_trips(tmp_path) -> None:
    config = Config(
        tui=TuiConfig(theme="paper", system_prompt='Say "hi"\n\tthen stop'),
        privacy=PrivacyConfig(deny_terms=["Project Bluefin", "ünïcode"]),
        cloud=CloudConfig(prices={"gpt-5.1": {"input": 1.25, "output": 10.0}}),
    )
    path = tmp_path / "sub" / "config.toml"
    save_config(config, path)
    text = path.read_text()
    assert "[local]" not in text and "send_key" not in text  # defaults are left out
    assert 'theme = "paper"  # theme name' in text
    assert load_config(path) == config
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_saving_defaults_writes_an_empty_file(tmp_path) -> None:
    path = tmp_path / "config.toml"
    save_config(replace(Config()), path)
    assert path.read_text() == "" and load_config(path) == Config()
