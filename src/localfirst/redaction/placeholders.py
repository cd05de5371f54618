"""Stable, typed placeholders for one conversation: `<PERSON_1>`, `<EMAIL_ADDRESS_2>`.

The same value always gets the same placeholder within a conversation, so the cloud model can
follow who is who across turns, and a reply that mentions `<PERSON_1>` can be restored. The map
is kept in memory on the session and in the local history; it is never part of a request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

# What a placeholder looks like; also how literal look-alikes in the user's own text are found.
PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)_(\d+)>")
_NOT_TYPE_CHARS = re.compile(r"[^A-Z0-9_]+")


class PlaceholderMap:
    """Maps original values to placeholders and back; one instance per conversation."""

    def __init__(self) -> None:
        self._by_value: dict[str, str] = {}
        self._entries: dict[str, tuple[str, str]] = {}  # placeholder -> (type, value)
        self._taken: set[str] = set()  # placeholder-like strings already in the user's text

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, value: object) -> bool:
        return value in self._by_value

    def __iter__(self) -> Iterator[tuple[str, str, str]]:
        """(placeholder, type, value) in the order they were made."""
        for placeholder, (entity_type, value) in self._entries.items():
            yield placeholder, entity_type, value

    def placeholder_for(self, entity_type: str, value: str) -> str:
        """The value's placeholder, made on first sight; the first type seen names it."""
        existing = self._by_value.get(value)
        if existing is not None:
            return existing
        label = _NOT_TYPE_CHARS.sub("_", entity_type.upper()).strip("_") or "PRIVATE"
        if not label[0].isalpha():
            label = f"X{label}"
        number = 1 + sum(1 for _, (t, _v) in self._entries.items() if t == entity_type)
        placeholder = f"<{label}_{number}>"
        while placeholder in self._entries or placeholder in self._taken:
            number += 1
            placeholder = f"<{label}_{number}>"
        self._by_value[value] = placeholder
        self._entries[placeholder] = (entity_type, value)
        return placeholder

    def alias(self, value: str, placeholder: str) -> None:
        """Let `value` (e.g. "Maria" of "Maria Gonzalez") stand for an existing placeholder.

        Aliases are not stored: they are derived again from the entries on every redaction.
        """
        if placeholder in self._entries and value not in self._by_value:
            self._by_value[value] = placeholder

    def reserve_literals(self, texts: Iterable[str]) -> None:
        """Never hand out a placeholder the user typed themselves, or restoring would rewrite it."""
        for text in texts:
            if "<" in text:
                self._taken.update(m.group(0) for m in PLACEHOLDER.finditer(text))

    def value_of(self, placeholder: str) -> str | None:
        entry = self._entries.get(placeholder)
        return entry[1] if entry else None

    def values(self) -> list[tuple[str, str]]:
        """(type, value) pairs, longest value first, so "Ann Lee" is matched before "Ann"."""
        return sorted(((t, v) for t, v in self._entries.values()), key=lambda item: -len(item[1]))

    def restorations(self) -> dict[str, str]:
        """placeholder -> original value, for restoring a reply."""
        return {placeholder: value for placeholder, (_t, value) in self._entries.items()}

    def as_dict(self) -> dict[str, dict[str, str]]:
        """The JSON form kept in the local history: {"<PERSON_1>": {"type": ..., "value": ...}}."""
        return {p: {"type": t, "value": v} for p, (t, v) in self._entries.items()}

    def update_from(self, stored: Mapping[str, Mapping[str, str]]) -> None:
        """Take in a map read back from history; entries already known are kept as they are."""
        for placeholder, entry in stored.items():
            value = entry.get("value") if isinstance(entry, Mapping) else None
            entity_type = entry.get("type", "PRIVATE") if isinstance(entry, Mapping) else ""
            if not isinstance(value, str) or not PLACEHOLDER.fullmatch(placeholder):
                continue
            if value in self._by_value or placeholder in self._entries:
                continue
            self._by_value[value] = placeholder
            self._entries[placeholder] = (str(entity_type), value)

    @classmethod
    def from_dict(cls, stored: Mapping[str, Mapping[str, str]]) -> PlaceholderMap:
        placeholders = cls()
        placeholders.update_from(stored)
        return placeholders
