"""Theme files: TOML files of Textual theme colours, bundled in `themes/` and in a user folder.

A theme file names the theme and gives its colours (any CSS colour Textual parses), e.g.

    name = "my-theme"
    dark = true
    primary = "#7aa2f7"
    background = "#1a1b22"
    [variables]              # optional: Textual's own theme variables
    footer-key-foreground = "#e0af68"

The bundled folder is found both in a source checkout (`<repo>/themes`) and in an installed
wheel (`localfirst/themes`, via hatch's force-include). A user theme with a bundled theme's
name replaces it. A broken file is reported and skipped: it never stops the app from starting.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

from localfirst.errors import UserError

DEFAULT_THEME = "localfirst-dark"
COLOUR_KEYS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
NUMBER_KEYS = ("luminosity_spread", "text_alpha")


class ThemeError(UserError):
    """A theme file that cannot be used."""


@dataclass
class LoadedThemes:
    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line per skipped file


def bundled_themes_dir() -> Path | None:
    """The themes shipped with localfirst: inside the package when installed, else the repo's."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "themes", package.parent.parent / "themes"):
        if candidate.is_dir():
            return candidate
    return None


def load_theme_file(path: Path) -> Theme:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"{path}: not valid TOML ({exc})", "fix the syntax") from None
    except OSError as exc:
        raise ThemeError(f"{path}: cannot be read ({exc.strerror})") from None
    return theme_from_dict(raw, str(path))


def theme_from_dict(raw: dict, source: str) -> Theme:
    known = {"name", "dark", "variables", *COLOUR_KEYS, *NUMBER_KEYS}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ThemeError(
            f"{source}: unknown key {unknown[0]!r}", f"known keys: {', '.join(sorted(known))}"
        )
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeError(f"{source}: needs a `name`", 'add e.g. name = "my-theme"')
    if "primary" not in raw:
        raise ThemeError(f"{source}: needs a `primary` colour", 'add e.g. primary = "#7aa2f7"')
    colours: dict[str, str] = {}
    for key in COLOUR_KEYS:
        if key in raw:
            colours[key] = _colour(raw[key], f"{source}: {key}")
    numbers: dict[str, float] = {}
    for key in NUMBER_KEYS:
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ThemeError(f"{source}: {key} must be a number, got {value!r}")
            numbers[key] = float(value)
    dark = raw.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeError(f"{source}: dark must be true or false, got {dark!r}")
    variables = raw.get("variables", {})
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
    ):
        raise ThemeError(f"{source}: [variables] must map names to strings")
    return Theme(
        name=name.strip(),
        dark=dark,
        variables=dict(variables),
        **colours,  # type: ignore[arg-type]
        **numbers,  # type: ignore[arg-type]
    )


def _colour(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ThemeError(f"{where} must be a colour string, got {value!r}")
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeError(
            f"{where}: {value!r} is not a colour", 'use e.g. "#7aa2f7" or "rgb(122,162,247)"'
        ) from None
    return value


def load_themes(folders: list[Path | None]) -> LoadedThemes:
    """Every `*.toml` theme in `folders`, in order; later folders replace same-named themes."""
    loaded = LoadedThemes()
    by_name: dict[str, Theme] = {}
    for folder in folders:
        if folder is None or not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ThemeError as exc:
                loaded.problems.append(exc.message)
                continue
            by_name[theme.name] = theme
    loaded.themes = list(by_name.values())
    return loaded
