"""KeyStore against a real Secret Service (gnome-keyring) and against keyring's fail backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyring.backends import null

from fakes.cloud_backends import ask, make_backend
from fakes.keys import fake_api_key
from localfirst.errors import UserError
from localfirst.keys.store import KeyLookup, KeyringUnavailable, KeyStore

# with a Secret Service


def test_a_stored_key_is_found_in_the_keyring(secret_service_keys, secret_service, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    key = fake_api_key("openai")
    secret_service_keys.set("openai", key)
    assert secret_service_keys.get("openai") == KeyLookup(key, "keyring")
    # it really is in the daemon: a separate client sees it
    stored = secret_service.backend().get_password(secret_service_keys.service, "openai")
    assert stored == key


def test_surrounding_whitespace_is_not_part_of_the_key(secret_service_keys):
    key = fake_api_key("anthropic")
    secret_service_keys.set("anthropic", f"  {key}\n")
    assert secret_service_keys.get("anthropic").key == key


def test_the_keyring_wins_over_the_environment(secret_service_keys, monkeypatch):
    stored, env = fake_api_key("openai"), fake_api_key("openai")
    monkeypatch.setenv("OPENAI_API_KEY", env)
    assert secret_service_keys.get("openai") == KeyLookup(env, "env")
    secret_service_keys.set("openai", stored)
    assert secret_service_keys.get("openai") == KeyLookup(stored, "keyring")


def test_status_says_where_each_key_comes_from(secret_service_keys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", fake_api_key("openai"))
    assert secret_service_keys.status() == {"anthropic": None, "openai": "env"}
    secret_service_keys.set("anthropic", fake_api_key("anthropic"))
    assert secret_service_keys.status() == {"anthropic": "keyring", "openai": "env"}


def test_delete_removes_the_key_and_reports_whether_there_was_one(secret_service_keys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    secret_service_keys.set("anthropic", fake_api_key("anthropic"))
    assert secret_service_keys.delete("anthropic") is True
    assert secret_service_keys.get("anthropic") == KeyLookup(None, None)
    assert secret_service_keys.delete("anthropic") is False


def test_the_backend_is_described_by_name(secret_service_keys):
    assert secret_service_keys.available
    assert "SecretService" in secret_service_keys.backend_description()


async def test_after_storing_and_using_a_key_no_file_holds_it(
    secret_service_keys, secret_service, isolated_dirs, openai_server, tmp_path
):
    """Config, data, cache and even gnome-keyring's own (encrypted) files: no key in clear."""
    key = fake_api_key("openai")
    secret_service_keys.set("openai", key)
    found = secret_service_keys.get("openai")
    result = await ask(make_backend(openai_server, found.key))
    assert result.text  # the key worked
    assert openai_server.last_request.auth_matched is True
    searched = [tmp_path, secret_service.keyring_dir]
    assert _files_containing(key, searched) == []


# without a keyring


def test_without_a_keyring_storing_fails_and_offers_the_env_variable(fail_keys, isolated_dirs):
    key = fake_api_key("anthropic")
    with pytest.raises(KeyringUnavailable) as caught:
        fail_keys.set("anthropic", key)
    text = str(caught.value)
    assert "no keyring backend" in text
    assert "ANTHROPIC_API_KEY" in text
    assert "plaintext" in text
    assert key not in text
    # and nothing was written anywhere as a fallback
    assert _files_containing(key, [Path(p) for p in _xdg_dirs(isolated_dirs)]) == []


def test_without_a_keyring_the_env_variable_is_read(fail_keys, monkeypatch):
    key = fake_api_key("openai")
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    assert fail_keys.get("openai") == KeyLookup(key, "env")
    assert fail_keys.status() == {"anthropic": None, "openai": "env"}
    assert not fail_keys.available
    assert fail_keys.backend_description() == "no keyring backend"


def test_without_a_keyring_delete_says_so(fail_keys):
    with pytest.raises(KeyringUnavailable, match="cannot delete the key: no keyring backend"):
        fail_keys.delete("openai")


def test_the_null_backend_is_refused_too():
    store = KeyStore(backend=null.Keyring())
    with pytest.raises(KeyringUnavailable, match="null backend"):
        store.set("openai", fake_api_key("openai"))


# input checks and reprs


@pytest.mark.parametrize("bad", ["", "   \n", "sk-two words", "sk-ctrl\x07char"])
def test_what_cannot_be_a_key_is_refused_without_echoing_it(fail_keys, bad):
    with pytest.raises(UserError) as caught:
        fail_keys.set("openai", bad)
    assert not isinstance(caught.value, KeyringUnavailable)
    if bad.strip():
        assert bad.strip() not in str(caught.value)


def test_an_unknown_provider_is_a_user_error(fail_keys):
    with pytest.raises(UserError, match="choose one of: anthropic, openai"):
        fail_keys.get("gemini")


def test_no_repr_shows_a_key(monkeypatch, fail_keys):
    key = fake_api_key("openai")
    monkeypatch.setenv("OPENAI_API_KEY", key)
    lookup = fail_keys.get("openai")
    assert lookup.key == key
    assert key not in repr(lookup) + str(lookup) + repr(fail_keys)


def _xdg_dirs(env: dict[str, str]) -> list[str]:
    return [env["XDG_CONFIG_HOME"], env["XDG_DATA_HOME"], env["XDG_CACHE_HOME"]]


def _files_containing(needle: str, roots: list[Path]) -> list[Path]:
    data = needle.encode()
    return [
        path
        for root in roots
        if root.exists()
        for path in root.rglob("*")
        if path.is_file() and data in path.read_bytes()
    ]
