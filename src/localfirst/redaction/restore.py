"""Put the original values back into a reply that speaks in placeholders, as it streams.

A streamed chunk may end in the middle of a placeholder (`"Dear <PERS"` then `"ON_1>,"`), so
the restorer holds back only a trailing piece that could still become a known placeholder and
lets everything else through at once: ordinary text is never delayed.
"""

from __future__ import annotations

from collections.abc import Mapping

from localfirst.redaction.placeholders import PLACEHOLDER


def restore_text(text: str, restorations: Mapping[str, str]) -> str:
    """`text` with every known placeholder replaced by its value; unknown ones stay as written."""
    if "<" not in text or not restorations:
        return text
    return PLACEHOLDER.sub(lambda m: restorations.get(m.group(0), m.group(0)), text)


class PlaceholderRestorer:
    """Feed it the reply's chunks in order; it returns the restored text ready to show."""

    def __init__(self, restorations: Mapping[str, str]) -> None:
        self._restorations = dict(restorations)
        # every proper prefix of a known placeholder, "<" included: what is worth waiting for
        self._prefixes = {p[:i] for p in self._restorations for i in range(1, len(p))}
        self._pending = ""

    def feed(self, chunk: str) -> str:
        text = self._pending + chunk
        self._pending = ""
        cut = text.rfind("<")
        # Placeholders hold no "<" after the first character, so only the last one can open an
        # unfinished placeholder.
        if cut != -1 and text[cut:] in self._prefixes:
            text, self._pending = text[:cut], text[cut:]
        return restore_text(text, self._restorations)

    def flush(self) -> str:
        """What is still held back when the reply ends: it never became a placeholder."""
        pending, self._pending = self._pending, ""
        return pending
