"""Theme files: the bundled ones load, user files replace them, broken ones are reported."""

from __future__ import annotations

import pytest

from localfirst.tui.themes import (
    ThemeError,
    bundled_themes_dir,
    load_theme_file,
    load_themes,
)


def test_bundled_themes_include_light_and_dark() -> None:
    folder = bundled_themes_dir()
    assert folder is not None and (folder / "localfirst-dark.toml").is_file()
    loaded = load_themes([folder])
    assert loaded.problems == []
    names = {theme.name: theme.dark for theme in loaded.themes}
    assert len(names) >= 3
    assert True in names.values() and False in names.values()
    assert names["localfirst-dark"] is True and names["localfirst-light"] is False


def test_user_theme_replaces_a_bundled_one_and_bad_files_are_skipped(tmp_path) -> None:
    (tmp_path / "mine.toml").write_text('name = "paper"\nprimary = "#ff0000"\ndark = true\n')
    (tmp_path / "broken.toml").write_text('name = "x"\nprimary = "not a colour"\n')
    (tmp_path / "garbled.toml").write_text("name = ")
    loaded = load_themes([bundled_themes_dir(), tmp_path, tmp_path / "missing"])
    paper = next(t for t in loaded.themes if t.name == "paper")
    assert paper.primary == "#ff0000" and paper.dark is True
    assert len(loaded.problems) == 2
    assert any("'not a colour' is not a colour" in p for p in loaded.problems)
    assert any("not valid TOML" in p for p in loaded.problems)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('primary = "#fff"', "needs a `name`"),
        ('name = "x"', "needs a `primary` colour"),
        ('name = "x"\nprimary = "#fff"\nshade = "#000"', "unknown key 'shade'"),
        ('name = "x"\nprimary = "#fff"\ndark = "yes"', "dark must be true or false"),
    ],
)
def test_theme_file_errors_say_what_to_fix(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(text)
    with pytest.raises(ThemeError, match=message):
        load_theme_file(path)


async def test_a_saved_theme_that_is_gone_falls_back_to_the_default(tui_services) -> None:
    from dataclasses import replace

    from .conftest import TERMINAL_SIZE, make_app, settle

    tui = replace(tui_services.config.tui, theme="no-such-theme")
    tui_services.config = replace(tui_services.config, tui=tui)
    user_dir = tui_services.paths.user_themes_dir
    user_dir.mkdir(parents=True)
    (user_dir / "sunset.toml").write_text('name = "sunset"\nprimary = "#ff7700"\n')
    app = make_app(tui_services, background_work=False)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "localfirst-dark"
        assert "sunset" in app.available_themes  # the user's folder is read at start-up
        assert any("no-such-theme" in str(n.message) for n in app._notifications)
        assert not tui_services.paths.config_file.exists()  # the fallback is not saved
