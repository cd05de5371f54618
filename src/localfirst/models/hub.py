"""Downloads from the Hugging Face Hub into its standard cache: resumable, verified, cancellable.

Files land where huggingface_hub puts them (`models--OWNER--NAME/blobs/<sha256>`, linked from
`snapshots/<commit>/<file>`, with `refs/<revision>`), so a model is shared with every other tool
that uses the Hub cache, and one they downloaded is found here.

We use huggingface_hub for the Hub's protocol (the metadata HEAD and its X-Repo-Commit,
X-Linked-Etag and X-Linked-Size headers, auth headers, HTTP session, retries on 429/5xx, and
its typed errors) but run the transfer loop ourselves, because `hf_hub_download` writes to a
per-process temporary file that it deletes on failure (an interrupted 5 GB download would start
over) and reads 10 MB at a time (too coarse to cancel promptly on a slow link). Our partial file
is `blobs/<sha256>.incomplete`; a later pull resumes it with a Range request. The file gets its
final name only after its size and SHA-256 match what the Hub reported, so nothing that looks
complete is ever wrong.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from localfirst.errors import ModelError, UserError

if TYPE_CHECKING:
    from localfirst.models.presets import Preset
    from localfirst.models.registry import InstalledModel, ModelRegistry

DEFAULT_ENDPOINT = "https://huggingface.co"
CHUNK_SIZE = 1024 * 1024  # bytes read per step: how often progress and cancel are checked
DISK_HEADROOM = 200 * 1000**2  # never fill the disk to the last byte
MAX_STALLED_RETRIES = 5  # connection drops in a row, with no byte received in between
RETRY_WAIT = 0.5  # seconds before the first retry; doubles up to RETRY_WAIT_MAX
RETRY_WAIT_MAX = 8.0
PROGRESS_INTERVAL = 0.1  # seconds between progress reports (the last one always comes)

_SHA256 = re.compile(r"[0-9a-f]{64}")
_GIT_SHA1 = re.compile(r"[0-9a-f]{40}")
_SPLIT_GGUF = re.compile(r"-\d{5}-of-\d{5}\.gguf$")
_REPO_ID = re.compile(r"[\w.-]+/[\w.-]+")


@dataclass(frozen=True)
class DownloadProgress:
    downloaded: int  # bytes
    total: int  # bytes
    phase: Literal["download", "verify"] = "download"


ProgressCallback = Callable[[DownloadProgress], None]


class DownloadCancelled(UserError):
    """The caller cancelled; the partial file stays so the next pull resumes it."""


@dataclass(frozen=True)
class HubSettings:
    """The Hub settings in force now (huggingface_hub reads its env only once, at import)."""

    endpoint: str
    cache_dir: Path
    offline: bool
    endpoint_from_env: bool


def hub_settings(cache_dir: Path | None = None) -> HubSettings:
    env = os.environ
    endpoint = env.get("HF_ENDPOINT", "").strip().rstrip("/")
    return HubSettings(
        endpoint=endpoint or DEFAULT_ENDPOINT,
        cache_dir=Path(cache_dir).expanduser() if cache_dir else default_cache_dir(),
        offline=_is_true(env.get("HF_HUB_OFFLINE") or env.get("TRANSFORMERS_OFFLINE")),
        endpoint_from_env=bool(endpoint),
    )


def default_cache_dir() -> Path:
    """The Hub cache as huggingface_hub resolves it: HF_HUB_CACHE, else HF_HOME/hub, else XDG."""
    env = os.environ
    explicit = env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return Path(os.path.expandvars(explicit)).expanduser()
    home = env.get("HF_HOME") or os.path.join(
        env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface"
    )
    return Path(os.path.expandvars(home)).expanduser() / "hub"


def free_disk_space(path: Path) -> int:
    """Free bytes on the disk that holds `path` (or would, once its folders exist)."""
    probe = Path(path).absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


# the public calls


def pull(
    repo: str,
    filename: str,
    *,
    cache_dir: Path | None = None,
    revision: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    gguf: bool = True,
) -> Path:
    """Download `filename` from model repo `repo` into the Hub cache and return its path.

    A file already in the cache is checked, not downloaded again. Raises ModelError (or
    UserError) with a hint saying what to do; DownloadCancelled when `cancel` is set.
    `gguf=False` fetches any file of the repo (the privacy gate's NER model).
    """
    _check_names(repo, filename, gguf=gguf)
    settings = hub_settings(cache_dir)
    revision = revision or "main"
    if settings.offline:
        return _from_cache(repo, filename, revision, settings, progress)
    try:
        remote = _remote_file(repo, filename, revision, settings)
    except _Unreachable as unreachable:
        # like hf_hub_download: no Hub, but a copy from an earlier pull is as good
        cached = _cached_pointer(repo, filename, revision, settings)
        if cached is None:
            raise unreachable.error from unreachable.__cause__
        return _from_cache(repo, filename, revision, settings, progress)
    storage = settings.cache_dir / _repo_folder(repo)
    blob = storage / "blobs" / remote.etag
    blob.parent.mkdir(parents=True, exist_ok=True)
    from huggingface_hub.utils import WeakFileLock

    lock = settings.cache_dir / ".locks" / _repo_folder(repo) / f"{remote.etag}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with WeakFileLock(lock):  # the same lock huggingface_hub takes for this blob
        if blob.exists() and not _matches(blob, remote, progress, cancel):
            blob.unlink()  # a damaged copy in the cache: fetch it again
        if not blob.exists():
            partial = blob.with_name(blob.name + ".incomplete")
            _download(remote, partial, progress, cancel)
            _publish(partial, blob)
    return _link_snapshot(storage, revision, remote.commit, filename, blob)


def pull_and_register(
    repo: str,
    filename: str,
    registry: ModelRegistry,
    *,
    name: str | None = None,
    make_default: bool = False,
    **pull_kwargs,
) -> InstalledModel:
    """Pull a file and add it to the registry under `name` (default: from the file name)."""
    from localfirst.models.gguf import read_gguf
    from localfirst.models.registry import InstalledModel, model_name_from_path

    path = pull(repo, filename, **pull_kwargs)
    info = read_gguf(path)
    model = InstalledModel.from_info(
        name or model_name_from_path(Path(filename)), info, f"hf:{repo}/{filename}"
    )
    # keep the readable snapshot path (from_info resolves the link to the blob's hash name)
    model = dataclasses.replace(model, path=str(path.absolute()))
    return registry.add(model, make_default=make_default)


def pull_preset(preset: Preset, registry: ModelRegistry, **kwargs) -> InstalledModel:
    """Pull a preset's file and register it under the preset's name."""
    return pull_and_register(preset.repo, preset.file, registry, name=preset.name, **kwargs)


# the Hub's metadata


@dataclass(frozen=True)
class _RemoteFile:
    repo: str
    filename: str
    url: str  # where the bytes are (the CDN, after the Hub's redirect)
    headers: dict[str, str]  # for that URL: no Authorization when it is another host
    commit: str
    etag: str  # sha256 for LFS files (all GGUFs), git blob sha1 otherwise
    size: int


class _Unreachable(Exception):
    """The Hub could not be asked (network, outage): a cached copy may still serve."""

    def __init__(self, error: UserError) -> None:
        super().__init__(str(error))
        self.error = error


def _remote_file(repo: str, filename: str, revision: str, settings: HubSettings) -> _RemoteFile:
    import httpx2
    from huggingface_hub import get_hf_file_metadata, hf_hub_url
    from huggingface_hub.errors import HfHubHTTPError, HFValidationError, OfflineModeIsEnabled
    from huggingface_hub.utils import build_hf_headers

    from localfirst import __version__

    try:
        url = hf_hub_url(repo, filename, revision=revision, endpoint=settings.endpoint)
    except HFValidationError as exc:
        raise UserError(f"'{repo}' is not a Hub repository id ({exc})") from exc
    headers = build_hf_headers(library_name="localfirst", library_version=__version__)
    try:
        meta = get_hf_file_metadata(url, headers=headers, endpoint=settings.endpoint)
    except OfflineModeIsEnabled as exc:
        raise _Unreachable(_offline_error(repo, filename, settings)) from exc
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else 0
        error = _http_error(exc, repo, filename, revision, settings)
        if status >= 500 or status == 429:
            raise _Unreachable(error) from exc
        raise error from exc
    except httpx2.HTTPError as exc:  # connect, timeout, protocol, proxy errors
        raise _Unreachable(_connection_error(exc, settings)) from exc
    if not meta.commit_hash or not meta.etag:
        raise ModelError(
            f"{settings.endpoint} did not answer like the Hugging Face Hub "
            "(no X-Repo-Commit or ETag header on the file)",
            _endpoint_hint(settings),
        )
    if meta.size is None:
        raise ModelError(
            f"the Hub did not report the size of {repo}/{filename}, so it cannot be verified",
            _endpoint_hint(settings),
        )
    etag = meta.etag.lower()
    if not (_SHA256.fullmatch(etag) or _GIT_SHA1.fullmatch(etag)):
        raise ModelError(
            f"the Hub gave {repo}/{filename} no checksum it can be verified against "
            f"(ETag {meta.etag!r})",
            _endpoint_hint(settings),
        )
    download_headers = dict(headers)
    if _origin(meta.location) != _origin(url):
        download_headers.pop("authorization", None)  # never send the token to the CDN
    return _RemoteFile(
        repo, filename, meta.location, download_headers, meta.commit_hash, etag, meta.size
    )


def _origin(url: str) -> tuple[str, str]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


# the transfer


def _download(
    remote: _RemoteFile,
    partial: Path,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> None:
    """Fetch the rest of `partial` (a Range request when some of it is there), then verify it."""
    import httpx2
    from huggingface_hub import constants
    from huggingface_hub.errors import HfHubHTTPError
    from huggingface_hub.utils import hf_raise_for_status, http_stream_backoff

    have = partial.stat().st_size if partial.exists() else 0
    if have > remote.size:
        have = 0  # not a prefix of this file
    _check_disk_space(partial.parent, remote.size - have, remote)
    reporter = _Reporter(progress, remote.size)
    digest = _new_digest(remote)
    if have:  # the bytes from an earlier attempt count towards the checksum: read them back
        _hash_into(digest, partial, have, cancel, _Reporter(progress, have, phase="verify"))
    reporter.report(have, force=True)
    stalled = 0
    wait = RETRY_WAIT
    with partial.open("r+b" if partial.exists() else "wb") as out:
        out.truncate(have)
        while have < remote.size:
            _raise_if_cancelled(cancel, have, remote)
            headers = {**remote.headers, "Accept-Encoding": "identity"}
            if have:
                headers["Range"] = f"bytes={have}-"
            try:
                with http_stream_backoff(
                    "GET",
                    remote.url,
                    headers=headers,
                    timeout=constants.HF_HUB_DOWNLOAD_TIMEOUT,
                    retry_on_exceptions=(),  # a drop mid-body is resumed below, from where it was
                    retry_on_status_codes=(408, 429, 500, 502, 503, 504),
                ) as response:
                    if response.status_code == 416:  # our partial file is not a prefix of this one
                        have = _restart(out)
                        digest = _new_digest(remote)
                        continue
                    hf_raise_for_status(response)
                    if have and response.status_code != 206:  # the server ignored the Range
                        have = _restart(out)
                        digest = _new_digest(remote)
                    out.seek(have)
                    for chunk in response.iter_bytes(CHUNK_SIZE):
                        _raise_if_cancelled(cancel, have, remote)
                        out.write(chunk)
                        digest.update(chunk)
                        have += len(chunk)
                        stalled, wait = 0, RETRY_WAIT
                        reporter.report(have)
                        if have > remote.size:
                            break
                    if have < remote.size:  # the body ended early without an error
                        raise httpx2.RemoteProtocolError("the body ended early")
            except (httpx2.TransportError, httpx2.DecodingError) as exc:
                out.flush()
                stalled += 1
                if stalled > MAX_STALLED_RETRIES:
                    raise ModelError(
                        f"the download of {remote.filename} keeps failing ({exc}); "
                        f"{have:,} of {remote.size:,} bytes are kept",
                        "check the connection and run the same command again: it resumes",
                    ) from exc
                time.sleep(wait)
                wait = min(wait * 2, RETRY_WAIT_MAX)
            except HfHubHTTPError as exc:
                raise _http_error(exc, remote.repo, remote.filename, "", None) from exc
            except OSError as exc:
                raise ModelError(
                    f"could not write {partial}: {exc.strerror or exc}",
                    "free some disk space (or point HF_HOME at a disk with room) and run again",
                ) from exc
    reporter.report(have, force=True)
    actual = digest.hexdigest()
    if have != remote.size or actual != remote.etag:
        partial.unlink(missing_ok=True)  # corrupt bytes cannot be resumed
        raise ModelError(
            f"{remote.repo}/{remote.filename}: the download does not match the Hub's "
            + (
                f"size ({have:,} bytes, expected {remote.size:,})"
                if have != remote.size
                else f"checksum (SHA-256 {actual[:12]}…, expected {remote.etag[:12]}…)"
            )
            + "; the damaged file was deleted",
            "run the same command to download it again; if it fails again, the server "
            "(or HF_ENDPOINT's mirror) is serving a damaged file",
        )


def _restart(out) -> int:
    """Start the file over (the server cannot continue it); returns the new length, 0."""
    out.seek(0)
    out.truncate(0)
    return 0


def _check_disk_space(folder: Path, needed: int, remote: _RemoteFile) -> None:
    free = free_disk_space(folder)
    if free < needed + DISK_HEADROOM:
        raise ModelError(
            f"not enough disk space for {remote.filename}: it needs {_gb(needed)} more "
            f"(and {_gb(DISK_HEADROOM)} to spare) and {folder} has {_gb(free)} free",
            "free some space, or point HF_HUB_CACHE (or HF_HOME) at a disk with room",
        )


def _raise_if_cancelled(cancel: threading.Event | None, have: int, remote: _RemoteFile) -> None:
    if cancel is not None and cancel.is_set():
        raise DownloadCancelled(
            f"download of {remote.filename} cancelled at {have:,} of {remote.size:,} bytes",
            "pull it again to resume where it stopped",
        )


class _Reporter:
    """Calls the progress callback at most every PROGRESS_INTERVAL seconds, and at the end."""

    def __init__(self, callback: ProgressCallback | None, total: int, phase="download") -> None:
        self.callback = callback
        self.total = total
        self.phase = phase
        self.last = 0.0

    def report(self, done: int, force: bool = False) -> None:
        if self.callback is None:
            return
        now = time.monotonic()
        if force or done >= self.total or now - self.last >= PROGRESS_INTERVAL:
            self.last = now
            self.callback(DownloadProgress(done, self.total, self.phase))


# verification


def _new_digest(remote: _RemoteFile):
    if _SHA256.fullmatch(remote.etag):
        return hashlib.sha256()
    digest = hashlib.sha1(usedforsecurity=False)  # a git blob id: sha1 of a header and the bytes
    digest.update(f"blob {remote.size}\0".encode())
    return digest


def _hash_into(
    digest,
    path: Path,
    length: int,
    cancel: threading.Event | None,
    reporter: _Reporter | None = None,
) -> None:
    done = 0
    with path.open("rb") as fh:
        while done < length:
            chunk = fh.read(min(CHUNK_SIZE * 8, length - done))
            if not chunk:
                break
            digest.update(chunk)
            done += len(chunk)
            if cancel is not None and cancel.is_set():
                raise DownloadCancelled("verification cancelled", "pull it again to check it")
            if reporter is not None:
                reporter.report(done)


def _matches(
    path: Path,
    remote: _RemoteFile,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> bool:
    """Whether a complete file on disk has the Hub's size and checksum."""
    size = path.stat().st_size
    if size != remote.size:
        return False
    digest = _new_digest(remote)
    reporter = _Reporter(progress, size, phase="verify")
    reporter.report(0, force=True)
    _hash_into(digest, path, size, cancel, reporter)
    reporter.report(size, force=True)
    return digest.hexdigest() == remote.etag


def _publish(partial: Path, blob: Path) -> None:
    """Give the verified file its final name (created by open(), its mode already honours the umask)."""
    os.replace(partial, blob)


# the cache layout


def _repo_folder(repo: str) -> str:
    return "models--" + repo.replace("/", "--")


def _link_snapshot(storage: Path, revision: str, commit: str, filename: str, blob: Path) -> Path:
    """snapshots/<commit>/<file> -> ../../blobs/<etag>, and refs/<revision> -> commit."""
    if revision != commit:
        ref = storage / "refs" / revision
        ref.parent.mkdir(parents=True, exist_ok=True)
        if not ref.exists() or ref.read_text().strip() != commit:
            ref.write_text(commit)
    pointer = storage / "snapshots" / commit / filename
    pointer.parent.mkdir(parents=True, exist_ok=True)
    if pointer.is_symlink() and pointer.resolve() != blob.resolve():
        pointer.unlink()
    if not pointer.exists():
        try:
            pointer.symlink_to(os.path.relpath(blob, pointer.parent))
        except OSError:
            shutil.copyfile(blob, pointer)  # no symlinks here (Windows without developer mode)
    return pointer


def _cached_pointer(repo: str, filename: str, revision: str, settings: HubSettings) -> Path | None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(
        repo, filename, cache_dir=str(settings.cache_dir), revision=revision
    )
    return Path(found) if isinstance(found, str) else None


def _from_cache(
    repo: str,
    filename: str,
    revision: str,
    settings: HubSettings,
    progress: ProgressCallback | None,
) -> Path:
    """A copy cached earlier, checked against the checksum its blob is named after."""
    pointer = _cached_pointer(repo, filename, revision, settings)
    if pointer is None:
        raise _offline_error(repo, filename, settings)
    blob = pointer.resolve()
    etag = blob.name.lower()
    if _SHA256.fullmatch(etag) or _GIT_SHA1.fullmatch(etag):
        known = _RemoteFile(repo, filename, "", {}, "", etag, blob.stat().st_size)
        if not _matches(blob, known, progress, None):
            raise ModelError(
                f"the cached copy of {repo}/{filename} is damaged ({blob})",
                "delete it and pull again with a network connection",
            )
    return pointer


# errors a user can act on


def _check_names(repo: str, filename: str, gguf: bool = True) -> None:
    if not _REPO_ID.fullmatch(repo) or "--" in repo or ".." in repo:
        raise UserError(
            f"'{repo}' is not a Hub repository id",
            "give it as OWNER/NAME, e.g. Qwen/Qwen2.5-0.5B-Instruct-GGUF",
        )
    if not filename or filename.startswith("/") or ".." in filename.split("/"):
        raise UserError(f"'{filename}' is not a file name in a repository")
    if not gguf:
        return
    if not filename.lower().endswith(".gguf"):
        raise UserError(
            f"{filename} is not a GGUF file",
            "localfirst runs llama.cpp GGUF models: pick a .gguf file from the repo",
        )
    if _SPLIT_GGUF.search(filename):
        raise UserError(
            f"{filename} is one part of a split GGUF, which localfirst does not join",
            "pick a single-file quantisation from the same repo",
        )


def _http_error(exc, repo: str, filename: str, revision: str, settings: HubSettings | None):
    from huggingface_hub.errors import (
        GatedRepoError,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    endpoint = settings.endpoint if settings else DEFAULT_ENDPOINT
    page = f"{endpoint}/{repo}"
    has_token = _token_available()
    response = getattr(exc, "response", None)
    status = response.status_code if response is not None else 0
    server_says = (response.headers.get("X-Error-Message") if response is not None else "") or ""
    if isinstance(exc, GatedRepoError):
        hint = (
            f"your HF_TOKEN has no access yet: accept the licence at {page} with the account "
            "the token belongs to, then pull again"
            if has_token
            else f"accept the licence at {page}, create a read token at "
            f"{endpoint}/settings/tokens and set HF_TOKEN to it (or run `hf auth login`)"
        )
        return ModelError(f"{repo} is a gated model: the Hub refused the download", hint)
    if isinstance(exc, RepositoryNotFoundError):
        return ModelError(
            f"no model repository {repo} on {endpoint}",
            "check the name (OWNER/NAME, as on the Hub)"
            + (
                "; HF_TOKEN is set but has no access to it if it is private"
                if has_token
                else "; a private repo needs HF_TOKEN"
            ),
        )
    if isinstance(exc, RevisionNotFoundError):
        return ModelError(f"{repo} has no revision '{revision}'", f"see {page}/commits/main")
    if isinstance(exc, RemoteEntryNotFoundError):
        return ModelError(f"{repo} has no file {filename}", f"see its files at {page}/tree/main")
    if status == 401:
        return ModelError(
            "the Hub refused the token (HF_TOKEN or the stored login): "
            + (server_says or "invalid or expired"),
            "create a new read token at "
            f"{endpoint}/settings/tokens, or unset HF_TOKEN for public models",
        )
    if status == 403:
        return ModelError(
            f"the Hub refused access to {repo}/{filename}"
            + (f": {server_says}" if server_says else ""),
            "check that HF_TOKEN has read access to this repo",
        )
    if status == 429:
        return ModelError(
            "the Hub is rate-limiting this machine", "wait a few minutes and pull again"
        )
    return ModelError(
        f"the Hub answered {status or 'with an error'} for {repo}/{filename}"
        + (f": {server_says}" if server_says else ""),
        "try again in a while" + (f"; {_endpoint_hint(settings)}" if settings else ""),
    )


def _connection_error(exc: Exception, settings: HubSettings) -> ModelError:
    return ModelError(
        f"cannot reach the Hub at {settings.endpoint} ({type(exc).__name__}: {exc})",
        _endpoint_hint(settings)
        if settings.endpoint_from_env
        else "check the internet connection, or set HF_ENDPOINT to a Hub mirror you can reach",
    )


def _offline_error(repo: str, filename: str, settings: HubSettings) -> ModelError:
    return ModelError(
        f"offline, and {repo}/{filename} is not in the Hugging Face cache ({settings.cache_dir})",
        "connect to the network and pull again (unset HF_HUB_OFFLINE, drop --offline)",
    )


def _endpoint_hint(settings: HubSettings | None) -> str:
    if settings is not None and settings.endpoint_from_env:
        return (
            f"HF_ENDPOINT is set to {settings.endpoint}: check that it is a Hugging Face Hub "
            "(or mirror), or unset it to use huggingface.co"
        )
    return "check the network (a proxy or firewall may be answering instead of the Hub)"


def _token_available() -> bool:
    try:
        from huggingface_hub import get_token

        return bool(get_token())
    except Exception:  # a broken token file must not hide the real error
        return bool(os.environ.get("HF_TOKEN"))


def _is_true(value: str | None) -> bool:
    return (value or "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def _gb(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"
