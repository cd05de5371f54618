"""A loopback Hugging Face Hub: the parts of its HTTP API that file downloads use.

Like the real Hub, a file is resolved in two steps, on two origins:
- `HEAD|GET {hub}/OWNER/NAME/resolve/REVISION/FILE` answers 302 to the CDN, with
  X-Repo-Commit, X-Linked-Etag (the file's SHA-256), X-Linked-Size and an ETag;
  errors carry X-Error-Code / X-Error-Message (RepoNotFound, GatedRepo, RevisionNotFound,
  EntryNotFound), which is what huggingface_hub turns into its typed exceptions.
- `GET {cdn}/blobs/SHA256` serves the bytes, honouring `Range: bytes=N-` with 206.
No Xet headers are sent, so clients use plain HTTP. Files are served from their path on disk
(no copies); a file can be served corrupted (one byte flipped, same size), and the next
download can be cut after N bytes, as a dropped connection would.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

CHUNK = 1024 * 1024


@dataclass
class HostedFile:
    repo: str
    filename: str
    source: Path
    sha256: str
    size: int
    commit: str
    revision: str = "main"
    gated: bool = False
    corrupt_at: int | None = None  # serve this byte flipped: same size, wrong checksum


@dataclass(frozen=True)
class RecordedRequest:
    origin: str  # "hub" or "cdn"
    method: str
    path: str
    headers: dict[str, str]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class FakeHub:
    """Start with `with FakeHub() as hub:`; `hub.host(...)` files; point HF_ENDPOINT at `hub.url`."""

    granted_tokens: set[str] = field(default_factory=set)  # may download gated files
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._files: dict[tuple[str, str], HostedFile] = {}
        self._by_sha: dict[str, HostedFile] = {}
        self._lock = threading.Lock()
        self._cut_next_download_after: int | None = None
        self._servers: list[ThreadingHTTPServer] = []

    # setup

    def host(
        self,
        repo: str,
        filename: str,
        source: Path,
        *,
        sha256: str | None = None,
        gated: bool = False,
        corrupt_at: int | None = None,
    ) -> HostedFile:
        source = Path(source)
        hosted = HostedFile(
            repo=repo,
            filename=filename,
            source=source,
            sha256=sha256 or file_sha256(source),
            size=source.stat().st_size,
            commit=hashlib.sha1(f"{repo}@main".encode()).hexdigest(),
            gated=gated,
            corrupt_at=corrupt_at,
        )
        with self._lock:
            self._files[(repo, filename)] = hosted
            self._by_sha[hosted.sha256] = hosted
        return hosted

    def cut_next_download_after(self, nbytes: int) -> None:
        """The next CDN download sends `nbytes` of the body, then drops the connection."""
        self._cut_next_download_after = nbytes

    # what clients see

    @property
    def url(self) -> str:
        return self._base(self._servers[0])

    @property
    def cdn_url(self) -> str:
        return self._base(self._servers[1])

    @property
    def env(self) -> dict[str, str]:
        return {"HF_ENDPOINT": self.url, "HF_HUB_DISABLE_TELEMETRY": "1"}

    def downloads(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.origin == "cdn" and r.method == "GET"]

    # lifecycle

    def __enter__(self) -> FakeHub:
        for origin in ("hub", "cdn"):
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self, origin))
            server.daemon_threads = True
            threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},  # so that shutdown() returns at once
                name=f"fake-{origin}",
                daemon=True,
            ).start()
            self._servers.append(server)
        return self

    def __exit__(self, *exc_info) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    @staticmethod
    def _base(server: ThreadingHTTPServer) -> str:
        host, port = server.server_address[:2]
        return f"http://{host}:{port}"

    # used by the handler

    def _lookup(self, repo: str, filename: str) -> HostedFile | None:
        with self._lock:
            return self._files.get((repo, filename))

    def _repo_known(self, repo: str) -> HostedFile | None:
        with self._lock:
            return next((f for f in self._files.values() if f.repo == repo), None)

    def _take_cut(self) -> int | None:
        with self._lock:
            cut, self._cut_next_download_after = self._cut_next_download_after, None
            return cut


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(8 * CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


_RESOLVE = re.compile(r"^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")
_BLOB = re.compile(r"^/blobs/([0-9a-f]{64})$")
_RANGE = re.compile(r"^bytes=(\d+)-$")


def _handler_for(hub: FakeHub, origin: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args) -> None:  # keep test output clean
            pass

        def do_HEAD(self) -> None:
            self._handle(send_body=False)

        def do_GET(self) -> None:
            self._handle(send_body=True)

        def _handle(self, send_body: bool) -> None:
            hub.requests.append(
                RecordedRequest(origin, self.command, self.path, dict(self.headers.items()))
            )
            path = unquote(self.path.split("?", 1)[0])
            try:
                if origin == "hub":
                    self._resolve(path)
                else:
                    self._serve_blob(path, send_body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client went away (cancelled): fine

        # the Hub: metadata and a redirect

        def _resolve(self, path: str) -> None:
            match = _RESOLVE.match(path)
            if not match:
                return self._error(404, "", "Not found")
            repo, revision, filename = match.groups()
            known = hub._repo_known(repo)
            if known is None:
                return self._error(401, "RepoNotFound", "Repository not found")
            if revision not in ("main", known.commit):
                return self._error(404, "RevisionNotFound", "Invalid rev id: " + revision)
            hosted = hub._lookup(repo, filename)
            if hosted is None:
                return self._error(
                    404, "EntryNotFound", f"{filename} does not exist", commit=known.commit
                )
            if hosted.gated:
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
                if not token:
                    return self._error(
                        401,
                        "GatedRepo",
                        f"Access to model {repo} is restricted. You must have access to it "
                        "and be authenticated to access it. Please log in.",
                    )
                if token not in hub.granted_tokens:
                    return self._error(
                        403,
                        "GatedRepo",
                        f"Access to model {repo} is restricted and you are not in the "
                        f"authorized list. Visit https://huggingface.co/{repo} to ask for access.",
                    )
            self.send_response(302)
            self.send_header("Location", f"{hub.cdn_url}/blobs/{hosted.sha256}")
            self.send_header("X-Repo-Commit", hosted.commit)
            self.send_header("X-Linked-Etag", f'"{hosted.sha256}"')
            self.send_header("X-Linked-Size", str(hosted.size))
            self.send_header("ETag", f'"{hashlib.sha1(hosted.sha256.encode()).hexdigest()}"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _error(self, status: int, code: str, message: str, commit: str = "") -> None:
            body = ('{"error": "' + message.replace('"', "'") + '"}').encode()
            self.send_response(status)
            if code:
                self.send_header("X-Error-Code", code)
            self.send_header("X-Error-Message", message)
            if commit:
                self.send_header("X-Repo-Commit", commit)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        # the CDN: bytes, with Range

        def _serve_blob(self, path: str, send_body: bool) -> None:
            match = _BLOB.match(path)
            hosted = hub._by_sha.get(match.group(1)) if match else None
            if hosted is None:
                return self._error(404, "", "no such blob")
            start = 0
            wanted = _RANGE.match(self.headers.get("Range") or "")
            if wanted:
                start = int(wanted.group(1))
                if start >= hosted.size:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{hosted.size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{hosted.size - 1}/{hosted.size}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(hosted.size - start))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            if not send_body:
                return None
            cut = hub._take_cut()
            self._send_file(hosted, start, cut)
            return None

        def _send_file(self, hosted: HostedFile, start: int, cut: int | None) -> None:
            remaining = hosted.size - start if cut is None else min(cut, hosted.size - start)
            offset = start
            with hosted.source.open("rb") as fh:
                fh.seek(start)
                while remaining > 0:
                    chunk = bytearray(fh.read(min(CHUNK, remaining)))
                    if not chunk:
                        break
                    flip = hosted.corrupt_at
                    if flip is not None and offset <= flip < offset + len(chunk):
                        chunk[flip - offset] ^= 0xFF
                    self.wfile.write(chunk)
                    offset += len(chunk)
                    remaining -= len(chunk)
            if cut is not None:
                self.wfile.flush()
                self.close_connection = True  # short body: the client sees a dropped connection

    return Handler
