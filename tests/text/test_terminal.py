"""Outside text loses every control sequence before it reaches a terminal."""

from __future__ import annotations

import pytest

from localfirst.text.terminal import for_terminal, one_line_for_terminal


@pytest.mark.parametrize(
    ("hostile", "shown"),
    [
        ("\x1b]0;pwned\x07title", "title"),  # OSC 0: window title
        ("a\x1b[2Jb\x1b[H", "ab"),  # CSI: clear the screen, cursor home
        ("\x1b]52;c;ZXZpbA==\x07x", "x"),  # OSC 52: write the clipboard
        ("\x1b]8;;https://evil.test\x1b\\click\x1b]8;;\x1b\\", "click"),  # OSC 8 hyperlink
        ("\x9b2Jz", "z"),  # 8-bit CSI
        ("\x1bPq#0;2;0;0;0\x1b\\after", "after"),  # DCS (sixel)
        ("\x1bcreset", "reset"),  # ESC c: full reset
        ("one\rtwo", "one\ntwo"),  # a carriage return would overwrite the line
        ("nul\x00 bell\x07 del\x7f", "nul␀ bell␇ del␡"),
    ],
)
def test_sequences_are_removed_and_controls_made_visible(hostile: str, shown: str) -> None:
    assert for_terminal(hostile) == shown


def test_newlines_tabs_and_unicode_are_kept() -> None:
    text = "line one\n\tindented — ünïcode 中文 ✓"
    assert for_terminal(text) == text


def test_one_line_form_for_titles() -> None:
    assert one_line_for_terminal("My\x1b[31m chat\ntitle") == "My chat title"
