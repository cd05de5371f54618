"""Regenerate src/localfirst/text/data/latin_confusables.tsv from Unicode's confusables data.

    pip install confusable-homoglyphs && python scripts/data/make_confusables.py

The confusable-homoglyphs package ships Unicode's confusables.txt (UTS #39) as JSON. We keep
only letters of the scripts that are mixed into Latin words to disguise them (Cyrillic, Greek,
Armenian, Cherokee, Coptic) whose look-alike is one ASCII letter or digit, so the app needs
neither the package nor the 900 kB table at run time.
"""

from __future__ import annotations

import json
import unicodedata
from importlib import resources
from pathlib import Path

SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC")
OUT = Path(__file__).resolve().parents[2] / "src/localfirst/text/data/latin_confusables.tsv"


def main() -> None:
    import confusable_homoglyphs

    table = json.loads(
        resources.files(confusable_homoglyphs).joinpath("confusables.json").read_text("utf-8")
    )
    version = getattr(confusable_homoglyphs, "__version__", "?")
    rows = []
    for char, alternatives in sorted(table.items()):
        if len(char) != 1 or char.isascii() or not unicodedata.category(char).startswith("L"):
            continue
        name = unicodedata.name(char, "")
        if not name.startswith(SCRIPTS):
            continue
        latin = [a["c"] for a in alternatives if len(a["c"]) == 1 and a["c"].isascii()]
        latin = [c for c in latin if c.isalnum()]
        if latin:
            rows.append(f"{char}\t{latin[0]}\t{name}")
    header = [
        "# Non-Latin letters that look like one ASCII letter or digit: char, look-alike, name.",
        "# Source: Unicode confusables.txt (UTS #39), via confusable-homoglyphs "
        f"{version} (MIT); made by scripts/data/make_confusables.py",
    ]
    OUT.write_text("\n".join(header + rows) + "\n", encoding="utf-8")
    print(f"{len(rows)} rows -> {OUT}")


if __name__ == "__main__":
    main()
