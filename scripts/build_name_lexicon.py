"""Build the gate's name lexicon: given names and surnames from Faker's and Mimesis' locale lists.

    .venv/bin/pip install faker mimesis   # build-time only; the app reads the generated file
    .venv/bin/python scripts/build_name_lexicon.py

Writes src/localfirst/privacy/data/name_lexicon.txt.gz: a gzip'd text file with a `# given`
section and a `# surnames` section, one name a line, sorted. Both sources are MIT-licensed
fake-data generators whose lists hold real given names and surnames of 100-odd locales. Only
single alphabetic words are kept (double-barrelled names are split into their parts); the gate
itself decides which names are also English words.
"""

from __future__ import annotations

import gzip
import importlib
import json
import pkgutil
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "src" / "localfirst" / "privacy" / "data" / "name_lexicon.txt.gz"
_PART = re.compile(r"[^\W\d_]{2,}")


def _words(values) -> set[str]:
    words: set[str] = set()
    for value in values:
        if isinstance(value, str):
            words.update(_PART.findall(value))
    return words


def faker_names() -> tuple[set[str], set[str]]:
    import faker.providers.person as person_providers

    given: set[str] = set()
    surnames: set[str] = set()
    for module_info in pkgutil.iter_modules(person_providers.__path__):
        provider = importlib.import_module(
            f"{person_providers.__name__}.{module_info.name}"
        ).Provider
        for attr, bucket in (
            ("first_names", given),
            ("first_names_male", given),
            ("first_names_female", given),
            ("first_names_nonbinary", given),
            ("last_names", surnames),
            ("last_names_male", surnames),
            ("last_names_female", surnames),
        ):
            values = provider.__dict__.get(attr)
            if isinstance(values, dict):
                values = list(values.keys())
            if isinstance(values, (list, tuple, set, frozenset)):
                bucket.update(_words(values))
    return given, surnames


def mimesis_names() -> tuple[set[str], set[str]]:
    import mimesis

    given: set[str] = set()
    surnames: set[str] = set()
    for path in sorted((Path(mimesis.__file__).parent / "datasets").glob("*/person.json")):
        person = json.loads(path.read_text(encoding="utf-8"))
        for values in (person.get("names") or {}).values():
            given.update(_words(values))
        found = person.get("surnames") or []
        for values in found.values() if isinstance(found, dict) else [found]:
            surnames.update(_words(values))
    return given, surnames


def main() -> int:
    given, surnames = faker_names()
    more_given, more_surnames = mimesis_names()
    given |= more_given
    surnames |= more_surnames
    lines = ["# given", *sorted(given), "# surnames", *sorted(surnames)]
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(OUTPUT, "wt", encoding="utf-8", compresslevel=9) as handle:
        handle.write("\n".join(lines) + "\n")
    print(
        f"{OUTPUT.relative_to(REPO)}: {len(given)} given names, {len(surnames)} surnames, "
        f"{OUTPUT.stat().st_size // 1024} KiB",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
