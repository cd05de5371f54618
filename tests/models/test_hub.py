"""Downloads from a loopback Hugging Face Hub that speaks the real HTTP API (tests/fakes/hub_server.py).

The full download of the real test GGUF happens once per module (`pulled`); the tests that only
need a download's outcome share it. Failure cases use small files, so the module stays fast.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fakes.hub_server import FakeHub, file_sha256
from localfirst.errors import ModelError, UserError
from localfirst.models import hub
from localfirst.models.hub import DownloadCancelled, DownloadProgress, pull, pull_preset
from localfirst.models.presets import Preset
from localfirst.models.registry import ModelRegistry

REPO = "localfirst-test/gemma-3-270m-GGUF"
FILE = "gemma-3-270m-Q4_K_M.gguf"
SMALL_REPO = "localfirst-test/small-GGUF"


@pytest.fixture(autouse=True)
def clean_hub_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting from the machine running the tests leaks into them."""
    for name in ("HF_ENDPOINT", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class Pulled:
    hub: FakeHub
    cache: Path
    path: Path
    sha256: str
    events: list[DownloadProgress]


@pytest.fixture(scope="module")
def pulled(
    tmp_path_factory: pytest.TempPathFactory, test_model_path: Path, test_model_sha256: str
) -> Iterator[Pulled]:
    """The real test GGUF, pulled once from a fake Hub into a fresh cache."""
    cache = tmp_path_factory.mktemp("hf-cache")
    events: list[DownloadProgress] = []
    with FakeHub() as server:
        server.host(REPO, FILE, test_model_path, sha256=test_model_sha256)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("HF_ENDPOINT", server.url)
            mp.delenv("HF_HUB_OFFLINE", raising=False)
            path = pull(REPO, FILE, cache_dir=cache, progress=events.append)
        yield Pulled(server, cache, path, test_model_sha256, events)


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    """6 MB of random bytes: enough for several chunks, cheap to move around."""
    path = tmp_path / "small.gguf"
    path.write_bytes(os.urandom(6 * 1024 * 1024))
    return path


@pytest.fixture
def fake_hub(hub_server: FakeHub, monkeypatch: pytest.MonkeyPatch) -> FakeHub:
    monkeypatch.setenv("HF_ENDPOINT", hub_server.url)
    return hub_server


def blob_files(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("blobs/*") if p.is_file())


# a full download


def test_pull_puts_the_file_in_the_hub_cache_layout(pulled: Pulled) -> None:
    storage = pulled.cache / "models--localfirst-test--gemma-3-270m-GGUF"
    commit = (storage / "refs" / "main").read_text()
    assert pulled.path == storage / "snapshots" / commit / FILE
    assert pulled.path.is_symlink()
    assert pulled.path.resolve() == storage / "blobs" / pulled.sha256
    assert file_sha256(pulled.path) == pulled.sha256
    assert not list(storage.rglob("*.incomplete"))


def test_huggingface_hub_finds_what_pull_downloaded(pulled: Pulled) -> None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(REPO, FILE, cache_dir=str(pulled.cache))
    assert found == str(pulled.path)


def test_progress_counts_up_to_the_size(pulled: Pulled, test_model_path: Path) -> None:
    size = test_model_path.stat().st_size
    downloaded = [e.downloaded for e in pulled.events if e.phase == "download"]
    assert downloaded[0] == 0 and downloaded[-1] == size
    assert downloaded == sorted(downloaded) and len(downloaded) > 2
    assert {e.total for e in pulled.events} == {size}


def test_the_download_used_the_hubs_redirect_without_sending_a_token_to_the_cdn(
    pulled: Pulled,
) -> None:
    heads = [r for r in pulled.hub.requests if r.method == "HEAD" and "/resolve/main/" in r.path]
    downloads = pulled.hub.downloads()
    assert len(heads) >= 1 and len(downloads) == 1
    assert downloads[0].path == f"/blobs/{pulled.sha256}"
    assert downloads[0].header("Range") is None


def test_pulling_again_verifies_the_cached_file_without_downloading(
    pulled: Pulled, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", pulled.hub.url)
    before = len(pulled.hub.downloads())
    events: list[DownloadProgress] = []
    assert pull(REPO, FILE, cache_dir=pulled.cache, progress=events.append) == pulled.path
    assert len(pulled.hub.downloads()) == before
    assert events[-1].phase == "verify" and events[-1].downloaded == events[-1].total


def test_pull_preset_registers_the_snapshot_path_under_the_preset_name(
    pulled: Pulled, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", pulled.hub.url)
    preset = Preset(
        name="tiny-gemma",
        title="Gemma 3 270M",
        repo=REPO,
        file=FILE,
        quant="Q4_K_M",
        params_b=0.27,
        size=pulled.path.stat().st_size,
        context_length=32768,
        license="gemma",
        chat_format="gemma",
    )
    registry = ModelRegistry(tmp_path / "models.json")
    model = pull_preset(preset, registry, cache_dir=pulled.cache)
    assert registry.get("tiny-gemma") == model
    assert model.path == str(pulled.path) and model.source == f"hf:{REPO}/{FILE}"
    assert model.architecture == "gemma3" and registry.default_name() == "tiny-gemma"


# offline, and a Hub that cannot be reached


def test_offline_mode_serves_the_cached_file_without_any_request(
    pulled: Pulled, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", pulled.hub.url)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    before = len(pulled.hub.requests)
    assert pull(REPO, FILE, cache_dir=pulled.cache) == pulled.path
    assert len(pulled.hub.requests) == before


def test_offline_mode_without_a_cached_copy_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError) as error:
        pull(REPO, FILE, cache_dir=tmp_path / "empty")
    assert "offline" in error.value.message and "HF_HUB_OFFLINE" in error.value.hint


def test_an_unreachable_hub_falls_back_to_the_cached_copy(
    pulled: Pulled, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    assert pull(REPO, FILE, cache_dir=pulled.cache) == pulled.path
    with pytest.raises(ModelError) as error:
        pull(REPO, FILE, cache_dir=tmp_path / "empty")
    assert "cannot reach the Hub at http://127.0.0.1:" in error.value.message
    assert "HF_ENDPOINT is set" in error.value.hint


# interruptions


def test_a_cancelled_download_leaves_a_partial_file_that_the_next_pull_resumes(
    fake_hub: FakeHub, test_model_path: Path, test_model_sha256: str, tmp_path: Path
) -> None:
    fake_hub.host(REPO, FILE, test_model_path, sha256=test_model_sha256)
    cache = tmp_path / "cache"
    cancel = threading.Event()

    def cancel_after_64_mb(event: DownloadProgress) -> None:
        if event.downloaded >= 64 * 1024 * 1024:
            cancel.set()

    with pytest.raises(DownloadCancelled) as stopped:
        pull(REPO, FILE, cache_dir=cache, progress=cancel_after_64_mb, cancel=cancel)
    assert "resume" in stopped.value.hint
    (partial,) = cache.rglob("*.incomplete")
    kept = partial.stat().st_size
    assert 64 * 1024 * 1024 <= kept < test_model_path.stat().st_size
    assert blob_files(cache) == [partial]  # nothing that looks complete
    assert not list(cache.rglob("snapshots/*/*"))

    path = pull(REPO, FILE, cache_dir=cache)
    resumed = fake_hub.downloads()[-1]
    assert resumed.header("Range") == f"bytes={kept}-"
    assert path.resolve().name == test_model_sha256 and not partial.exists()
    assert path.stat().st_size == test_model_path.stat().st_size


def test_a_dropped_connection_is_resumed_with_a_range_request(
    fake_hub: FakeHub, small_file: Path, tmp_path: Path
) -> None:
    fake_hub.host(SMALL_REPO, "small.gguf", small_file)
    fake_hub.cut_next_download_after(2_500_000)
    path = pull(SMALL_REPO, "small.gguf", cache_dir=tmp_path / "cache")
    first, second = fake_hub.downloads()
    assert first.header("Range") is None
    assert second.header("Range") is not None and second.header("Range").startswith("bytes=")
    assert 0 < int(second.header("Range")[6:-1]) <= 2_500_000
    assert path.read_bytes() == small_file.read_bytes()


# verification and refusals


def test_corrupted_content_is_caught_and_nothing_is_kept_or_registered(
    fake_hub: FakeHub, small_file: Path, tmp_path: Path
) -> None:
    fake_hub.host(SMALL_REPO, "small.gguf", small_file, corrupt_at=4_000_000)
    cache = tmp_path / "cache"
    registry = ModelRegistry(tmp_path / "models.json")
    with pytest.raises(ModelError) as error:
        hub.pull_and_register(SMALL_REPO, "small.gguf", registry, cache_dir=cache)
    assert "does not match the Hub's checksum" in error.value.message
    assert "deleted" in error.value.message and "again" in error.value.hint
    assert blob_files(cache) == [] and not list(cache.rglob("snapshots/*/*"))
    assert registry.list() == []


def test_a_damaged_file_in_the_cache_is_replaced(
    fake_hub: FakeHub, small_file: Path, tmp_path: Path
) -> None:
    hosted = fake_hub.host(SMALL_REPO, "small.gguf", small_file)
    cache = tmp_path / "cache"
    path = pull(SMALL_REPO, "small.gguf", cache_dir=cache)
    blob = path.resolve()
    blob.write_bytes(b"\0" * hosted.size)  # same size, wrong bytes: only the hash can tell
    assert pull(SMALL_REPO, "small.gguf", cache_dir=cache).read_bytes() == small_file.read_bytes()
    assert len(fake_hub.downloads()) == 2


def test_too_little_disk_space_is_refused_before_downloading(
    fake_hub: FakeHub,
    test_model_path: Path,
    test_model_sha256: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_hub.host(REPO, FILE, test_model_path, sha256=test_model_sha256)
    probed: list[Path] = []

    def nearly_full(path: Path) -> int:
        probed.append(path)
        return 150 * 1000**2

    monkeypatch.setattr(hub, "free_disk_space", nearly_full)
    cache = tmp_path / "cache"
    with pytest.raises(ModelError) as error:
        pull(REPO, FILE, cache_dir=cache)
    assert "not enough disk space" in error.value.message
    assert "253.1 MB" in error.value.message and "150.0 MB free" in error.value.message
    assert "HF_HOME" in error.value.hint
    assert probed and probed[0].is_relative_to(cache)
    assert fake_hub.downloads() == [] and blob_files(cache) == []


# the Hub's refusals, as clear messages


def test_a_gated_repo_without_a_token_explains_how_to_get_access(
    fake_hub: FakeHub, small_file: Path, tmp_path: Path
) -> None:
    fake_hub.host(SMALL_REPO, "small.gguf", small_file, gated=True)
    with pytest.raises(ModelError) as error:
        pull(SMALL_REPO, "small.gguf", cache_dir=tmp_path / "cache")
    assert error.value.message == f"{SMALL_REPO} is a gated model: the Hub refused the download"
    assert f"accept the licence at {fake_hub.url}/{SMALL_REPO}" in error.value.hint
    assert "set HF_TOKEN" in error.value.hint


def test_a_gated_repo_with_a_token_lacking_access_says_so(
    fake_hub: FakeHub, small_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_hub.host(SMALL_REPO, "small.gguf", small_file, gated=True)
    monkeypatch.setenv("HF_TOKEN", "hf_not_granted")
    with pytest.raises(ModelError) as error:
        pull(SMALL_REPO, "small.gguf", cache_dir=tmp_path / "cache")
    assert "gated" in error.value.message
    assert error.value.hint.startswith("your HF_TOKEN has no access yet")


def test_a_granted_token_downloads_and_stays_on_the_hub(
    fake_hub: FakeHub, small_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_hub.host(SMALL_REPO, "small.gguf", small_file, gated=True)
    fake_hub.granted_tokens.add("hf_granted")
    monkeypatch.setenv("HF_TOKEN", "hf_granted")
    path = pull(SMALL_REPO, "small.gguf", cache_dir=tmp_path / "cache")
    assert path.read_bytes() == small_file.read_bytes()
    head = next(r for r in fake_hub.requests if r.method == "HEAD")
    assert head.header("Authorization") == "Bearer hf_granted"
    assert fake_hub.downloads()[0].header("Authorization") is None


def test_unknown_repo_and_file_name_what_is_missing(
    fake_hub: FakeHub, small_file: Path, tmp_path: Path
) -> None:
    fake_hub.host(SMALL_REPO, "small.gguf", small_file)
    with pytest.raises(ModelError) as no_repo:
        pull("nobody/nothing-GGUF", "x.gguf", cache_dir=tmp_path)
    assert no_repo.value.message == f"no model repository nobody/nothing-GGUF on {fake_hub.url}"
    assert "HF_TOKEN" in no_repo.value.hint
    with pytest.raises(ModelError) as no_file:
        pull(SMALL_REPO, "other.gguf", cache_dir=tmp_path)
    assert no_file.value.message == f"{SMALL_REPO} has no file other.gguf"
    with pytest.raises(ModelError) as no_revision:
        pull(SMALL_REPO, "small.gguf", cache_dir=tmp_path, revision="v9")
    assert "no revision 'v9'" in no_revision.value.message


@pytest.mark.parametrize(
    ("repo", "filename", "said"),
    [
        ("not-a-repo", "x.gguf", "not a Hub repository id"),
        ("owner/name", "weights.safetensors", "not a GGUF file"),
        ("owner/name", "m-q4_k_m-00001-of-00002.gguf", "split GGUF"),
        ("owner/name", "../escape.gguf", "not a file name"),
    ],
)
def test_bad_names_are_refused_before_any_request(
    fake_hub: FakeHub, tmp_path: Path, repo: str, filename: str, said: str
) -> None:
    with pytest.raises(UserError) as error:
        pull(repo, filename, cache_dir=tmp_path)
    assert said in error.value.message
    assert fake_hub.requests == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
