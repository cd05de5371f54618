"""A small reader for GGUF headers: enough to validate a file and learn how to run it.

We read the header ourselves rather than loading the model, so `models import` and `doctor`
are instant and a truncated or foreign file is caught with its path before llama.cpp sees it.
Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localfirst.errors import ModelError

MAGIC = b"GGUF"

# value type id -> struct format (scalars); 8 = string, 9 = array
_SCALARS = {
    0: "B",
    1: "b",
    2: "H",
    3: "h",
    4: "I",
    5: "i",
    6: "f",
    7: "?",
    10: "Q",
    11: "q",
    12: "d",
}
_STRING, _ARRAY = 8, 9

# ggml tensor type id -> (elements per block, bytes per block), to compute where the data ends
_GGML_BLOCKS = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
    9: (32, 36), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210),
    15: (256, 292), 16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18),
    21: (256, 110), 22: (256, 82), 23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4),
    27: (1, 8), 28: (1, 8), 29: (256, 56), 30: (1, 2), 34: (256, 54), 35: (256, 66),
    39: (32, 17),
}  # fmt: skip


@dataclass(frozen=True)
class GGUFInfo:
    path: Path
    version: int
    tensor_count: int
    metadata: dict[str, Any] = field(repr=False)
    file_size: int = 0

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", "unknown"))

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name", self.path.stem))

    @property
    def context_length(self) -> int | None:
        value = self.metadata.get(f"{self.architecture}.context_length")
        return int(value) if value is not None else None

    @property
    def block_count(self) -> int | None:
        value = self.metadata.get(f"{self.architecture}.block_count")
        return int(value) if value is not None else None

    @property
    def chat_template(self) -> str | None:
        value = self.metadata.get("tokenizer.chat_template")
        return str(value) if value else None


class _Reader:
    def __init__(self, buf: mmap.mmap | bytes, path: Path) -> None:
        self.buf = buf
        self.pos = 0
        self.path = path

    def need(self, n: int) -> None:
        if self.pos + n > len(self.buf):
            raise ModelError(
                f"{self.path}: the GGUF header is cut short (file truncated?)",
                "download or copy the file again",
            )

    def scalar(self, fmt: str) -> Any:
        size = struct.calcsize("<" + fmt)
        self.need(size)
        (value,) = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += size
        return value

    def string(self) -> str:
        n = self.scalar("Q")
        self.need(n)
        raw = bytes(self.buf[self.pos : self.pos + n])
        self.pos += n
        return raw.decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        n = self.scalar("Q")
        self.need(n)
        self.pos += n

    def value(self, vtype: int, keep: bool = True) -> Any:
        if vtype in _SCALARS:
            return self.scalar(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            etype = self.scalar("I")
            count = self.scalar("Q")
            if not keep:
                if etype in _SCALARS:
                    size = struct.calcsize("<" + _SCALARS[etype]) * count
                    self.need(size)
                    self.pos += size
                elif etype == _STRING:
                    for _ in range(count):
                        self.skip_string()
                else:
                    for _ in range(count):
                        self.value(etype, keep=False)
                return None
            return [self.value(etype) for _ in range(count)]
        raise ModelError(f"{self.path}: unknown GGUF value type {vtype} (corrupt file?)")


def read_gguf(path: Path) -> GGUFInfo:
    """Validate `path` as a complete GGUF file and return its metadata."""
    path = Path(path).expanduser()
    if not path.exists():
        raise ModelError(f"model file not found: {path}", "check the path, or re-import the model")
    if not path.is_file():
        raise ModelError(f"not a file: {path}")
    size = path.stat().st_size
    if size < 24:
        raise ModelError(f"{path}: too small to be a GGUF model ({size} bytes)")
    with path.open("rb") as fh:
        if fh.read(4) != MAGIC:
            raise ModelError(
                f"{path}: not a GGUF model file (wrong magic bytes)",
                "localfirst runs llama.cpp GGUF files; convert or download a .gguf",
            )
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _parse(buf, path, size)


def _parse(buf: mmap.mmap, path: Path, size: int) -> GGUFInfo:
    r = _Reader(buf, path)
    r.pos = 4
    version = r.scalar("I")
    if version not in (2, 3):
        raise ModelError(f"{path}: unsupported GGUF version {version}")
    tensor_count = r.scalar("Q")
    kv_count = r.scalar("Q")
    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = r.string()
        vtype = r.scalar("I")
        keep = vtype != _ARRAY  # arrays (the token lists) are skipped, not decoded
        value = r.value(vtype, keep=keep)
        if keep:
            metadata[key] = value
    data_end = _tensor_data_end(r, tensor_count, int(metadata.get("general.alignment", 32)))
    if data_end is not None and data_end > size:
        raise ModelError(
            f"{path}: the file is truncated ({size:,} of {data_end:,} bytes)",
            "the download or copy was interrupted; fetch the file again",
        )
    return GGUFInfo(path, version, tensor_count, metadata, size)


def _tensor_data_end(r: _Reader, tensor_count: int, alignment: int) -> int | None:
    """Where the last tensor's data ends, or None if a tensor type is unknown to us."""
    end_offset = 0
    known = True
    for _ in range(tensor_count):
        r.skip_string()
        n_dims = r.scalar("I")
        elements = 1
        for _ in range(n_dims):
            elements *= r.scalar("Q")
        ttype = r.scalar("I")
        offset = r.scalar("Q")
        block = _GGML_BLOCKS.get(ttype)
        if block is None:
            known = False
            nbytes = 0
        else:
            nbytes = elements // block[0] * block[1]
        end_offset = max(end_offset, offset + nbytes)
    data_start = (r.pos + alignment - 1) // alignment * alignment
    return data_start + end_offset if known else None
