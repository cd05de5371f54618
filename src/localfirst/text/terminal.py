"""Text from outside, made safe to show in a terminal.

A model's reply, a server's error message, a stored prompt or a chat title can carry control
sequences: OSC 0 sets the window title, CSI 2J clears the screen, OSC 52 writes the clipboard,
OSC 8 hides a link behind other text. Textual and Rich strip a few control characters (bell,
backspace, form feed) but pass ESC through, so every place that shows outside text calls
`for_terminal` first. The stored text stays as it was; only what is shown changes.

- Escape sequences (ECMA-48 CSI, OSC, DCS, SOS, PM, APC, and two-character ESC sequences, in
  their 7-bit and 8-bit forms) are removed whole.
- Any other C0 or C1 control character, and DEL, is shown as a visible symbol (U+2400 block
  for C0, U+FFFD for C1): nothing the terminal would act on remains.
- Newlines and tabs stay; "\\r\\n" becomes "\\n"; a lone "\\r" (which would let text overwrite
  the line before it) becomes a newline.

Text split across chunks stays safe: the escape character itself never survives, so no sequence
can be completed by a later chunk.
"""

from __future__ import annotations

import re

_SEQUENCE = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?              # CSI ... final byte
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])       # OSC, DCS, SOS, PM, APC ...
      [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?         # ... up to BEL or ST
    | \x1b[ -/]*[0-~]?                              # two-character sequences (ESC c, ESC 7, ...)
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code == 0x7F:
        return "\u2421"
    return chr(0x2400 + code) if code < 0x20 else "\ufffd"


def for_terminal(text: str) -> str:
    """`text` with every escape sequence removed and other controls made visible."""
    if text.isprintable() or not _needs_work(text):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SEQUENCE.sub("", text)
    return _CONTROL.sub(_visible, text)


def _needs_work(text: str) -> bool:
    return _CONTROL.search(text) is not None


def one_line_for_terminal(text: str) -> str:
    """For titles and list rows: safe, and on one line."""
    return " ".join(for_terminal(text).split())
