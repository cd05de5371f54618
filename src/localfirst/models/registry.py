"""The installed models: a small JSON file in the data dir mapping names to GGUF files.

Files stay where they are (an imported file, or the Hugging Face cache for downloads), so a
model shared with other tools is never copied twice.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from localfirst.errors import ModelError, NoModelError
from localfirst.models.gguf import GGUFInfo, read_gguf


@dataclass(frozen=True)
class InstalledModel:
    name: str
    path: str
    size: int
    architecture: str
    context_length: int | None
    has_chat_template: bool
    source: str  # "import" or "hf:REPO/FILE"
    added_at: float

    @classmethod
    def from_info(cls, name: str, info: GGUFInfo, source: str) -> InstalledModel:
        return cls(
            name=name,
            path=str(info.path.resolve()),
            size=info.file_size,
            architecture=info.architecture,
            context_length=info.context_length,
            has_chat_template=info.chat_template is not None,
            source=source,
            added_at=time.time(),
        )


def model_name_from_path(path: Path) -> str:
    """A friendly, stable name: the file stem, lower-case, without the .gguf suffix."""
    return re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-") or "model"


class ModelRegistry:
    def __init__(self, file: Path) -> None:
        self.file = file

    def _load(self) -> dict:
        if not self.file.exists():
            return {"models": [], "default": None}
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(
                f"{self.file}: the model registry is unreadable ({exc})",
                "delete it and import your models again",
            ) from exc
        data.setdefault("models", [])
        data.setdefault("default", None)
        return data

    def _save(self, data: dict) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(tmp, self.file)

    def list(self) -> list[InstalledModel]:
        return [InstalledModel(**m) for m in self._load()["models"]]

    def get(self, name: str) -> InstalledModel | None:
        return next((m for m in self.list() if m.name == name), None)

    def add(self, model: InstalledModel, make_default: bool = False) -> InstalledModel:
        data = self._load()
        data["models"] = [m for m in data["models"] if m["name"] != model.name]
        data["models"].append(asdict(model))
        if make_default or not data["default"]:
            data["default"] = model.name
        self._save(data)
        return model

    def import_file(self, path: Path, name: str | None = None) -> InstalledModel:
        info = read_gguf(path)  # raises a ModelError naming the path if it is not a full GGUF
        return self.add(
            InstalledModel.from_info(name or model_name_from_path(info.path), info, "import")
        )

    def remove(self, name: str) -> InstalledModel:
        data = self._load()
        model = self.get(name)
        if model is None:
            raise ModelError(f"no installed model named '{name}'", "see `localfirst models list`")
        data["models"] = [m for m in data["models"] if m["name"] != name]
        if data["default"] == name:
            data["default"] = data["models"][0]["name"] if data["models"] else None
        self._save(data)
        return model

    def set_default(self, name: str) -> InstalledModel:
        model = self.get(name)
        if model is None:
            raise ModelError(f"no installed model named '{name}'", "see `localfirst models list`")
        data = self._load()
        data["default"] = name
        self._save(data)
        return model

    def default_name(self) -> str | None:
        return self._load()["default"]

    def resolve(self, configured: str = "") -> InstalledModel:
        """The model to run: the configured one, else the default, else the first installed."""
        models = self.list()
        if configured:
            found = next((m for m in models if m.name == configured), None)
            if found:
                return found
            if Path(configured).expanduser().suffix == ".gguf":
                info = read_gguf(Path(configured))
                return InstalledModel.from_info(model_name_from_path(info.path), info, "config")
            raise NoModelError(
                f"the configured model '{configured}' is not installed",
                "see `localfirst models list`, or set [local] model to an installed name",
            )
        if not models:
            raise NoModelError(
                "no local model is installed",
                "run `localfirst models pull` to download one, "
                "or `localfirst models import FILE.gguf` for a file you have",
            )
        default = self.default_name()
        return next((m for m in models if m.name == default), models[0])
