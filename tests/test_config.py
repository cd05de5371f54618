from pathlib import Path

import pytest

from localfirst.config import AppPaths, Config, config_from_dict, load_config, render_config
from localfirst.errors import ConfigError


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "absent.toml") == Config()


def test_values_are_read_and_ints_widen_to_floats(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[local]\ncontext_size = 2048\ntemperature = 1\n[routing]\nmode = "local-only"\n'
    )
    config = load_config(path)
    assert config.local.context_size == 2048
    assert config.local.temperature == 1.0 and isinstance(config.local.temperature, float)
    assert config.routing.mode == "local-only"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[local]\nmax_tokns = 3\n", "unknown key 'max_tokns' in [local]"),
        ("[locl]\n", "unknown section [locl]"),
        ('[local]\ncontext_size = "big"\n', "[local] context_size must be an integer, got 'big'"),
        ("[local]\ncontext_size = 12\n", "[local] context_size must be at least 256, got 12"),
        ("[local]\nthreads = true\n", "[local] threads must be an integer, got True"),
        ('[routing]\nmode = "sometimes"\n', "[routing] mode must be one of"),
        ("[routing]\nkeep_local_share = 1.5\n", "keep_local_share must be at most 1.0"),
        ("[local\n", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key_and_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_rendered_config_reads_back_to_the_same_values() -> None:
    import tomllib

    config = config_from_dict(
        {
            "local": {"threads": 3},
            "privacy": {"deny_terms": ["Acme"]},
            "cloud": {"prices": {"gpt-5.1": {"input": 1.25, "output": 10.0}}},
        }
    )
    rendered = tomllib.loads(render_config(config))
    assert config_from_dict(rendered) == config


def test_paths_follow_xdg_variables(isolated_dirs: dict[str, str]) -> None:
    paths = AppPaths.from_platform()
    assert (
        paths.config_file == Path(isolated_dirs["XDG_CONFIG_HOME"]) / "localfirst" / "config.toml"
    )
    assert paths.history_db.parent == Path(isolated_dirs["XDG_DATA_HOME"]) / "localfirst"
    assert paths.cache_dir == Path(isolated_dirs["XDG_CACHE_HOME"]) / "localfirst"


def test_offline_env_variable_switches_offline_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCALFIRST_OFFLINE", "1")
    assert Config().offline
    monkeypatch.setenv("LOCALFIRST_OFFLINE", "0")
    assert not Config().offline


@pytest.mark.parametrize(
    ("servers", "problem"),
    [
        (
            '[{name = "a", base_url = "ftp://x", model = "m"}]',
            "must start with http:// or https://",
        ),
        ('[{name = "a", model = "m"}]', "needs a string 'base_url'"),
        ('[{name = "a", base_url = "http://x", model = "m", key = "s"}]', "unknown key 'key'"),
        (
            '[{name = "a", base_url = "http://x", model = "m"}, {name = "a", base_url = "http://y", model = "m"}]',
            "repeats the name 'a'",
        ),
        ('["http://x"]', "must be a table"),
    ],
)
def test_private_servers_are_validated(tmp_path: Path, servers: str, problem: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[private]\nservers = {servers}\n")
    with pytest.raises(ConfigError, match="private") as info:
        load_config(path)
    assert problem in str(info.value)


def test_redaction_is_off_by_default_and_never_sends_credentials_or_government_ids() -> None:
    redaction = Config().redaction
    assert redaction.enabled is False
    assert {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS"} <= set(redaction.types)
    never = {"AWS_ACCESS_KEY", "OPENAI_API_KEY", "US_SSN", "US_PASSPORT", "UK_NINO", "CREDIT_CARD"}
    assert not never & set(redaction.types)


def test_redaction_types_are_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[redaction]\nenabled = true\ntypes = ["PERSON", "AWS_ACCESS_KEY"]\n')
    config = load_config(path)
    assert config.redaction.enabled and config.redaction.types == ["PERSON", "AWS_ACCESS_KEY"]
    path.write_text('[redaction]\ntypes = ["person"]\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "[redaction] types must list entity types in capitals" in str(info.value)
    assert "'person'" in str(info.value)


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ("[local]\ntemperature = nan\n", "[local] temperature must be a finite number"),
        ("[cloud]\ntimeout = inf\n", "[cloud] timeout must be a finite number"),
        ('[cloud]\nbase_url = "ftp://x"\n', "[cloud] base_url must be an http:// or https://"),
        ('[redaction]\ntypes = ["PERSON", "PASPORT"]\n', "'PASPORT', which is no type"),
        ('[tui]\nsend_key = "a"\n', "[tui] send_key must not be a key that types text"),
        ('[tui]\nsend_key = "shift+a"\n', "[tui] send_key must not be shift + a character"),
        ('[privacy]\nthresholds = {PERSON = "high"}\n', "PERSON must be a score from 0 to 1"),
        ("[privacy]\nthresholds = {PERSON = 1.5}\n", "PERSON must be a score from 0 to 1"),
        ('[tui]\nsend_key = "ctrl+s"\nnewline_key = "ctrl+s"\n', "are both 'ctrl+s'"),
    ],
)
def test_values_that_would_misbehave_later_are_refused_now(tmp_path, toml, words) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert words in str(info.value) and str(path) in str(info.value)


def test_an_invalid_utf8_byte_is_a_config_error_naming_the_file(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[tui]\nsystem_prompt = "caf\xe9"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "not valid UTF-8" in str(info.value) and str(path) in str(info.value)


def test_saving_keeps_the_users_comments_layout_and_other_keys(tmp_path) -> None:
    import dataclasses

    from localfirst.config import save_config

    path = tmp_path / "config.toml"
    original = (
        "# my localfirst settings\n"
        "\n"
        "[routing]\n"
        "keep_local_share = 0.5   # I like it balanced\n"
        "\n"
        "[local]\n"
        "# a smaller context for my laptop\n"
        "context_size = 2048\n"
    )
    path.write_text(original)
    config = load_config(path)
    changed = dataclasses.replace(
        config,
        routing=dataclasses.replace(config.routing, keep_local_share=0.8),
        tui=dataclasses.replace(config.tui, theme="paper"),
    )
    save_config(changed, path)
    text = path.read_text()
    assert text.startswith("# my localfirst settings\n")
    assert "keep_local_share = 0.8   # I like it balanced" in text
    assert "# a smaller context for my laptop\ncontext_size = 2048" in text
    assert 'theme = "paper"' in text
    assert load_config(path) == changed
