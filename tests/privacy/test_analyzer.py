"""Presidio's import without its built-in patterns' one-by-one validation."""

from __future__ import annotations

import subprocess
import sys

# Run in a fresh interpreter: the test session has imported Presidio long before.
IMPORT_AND_CHECK = """
import sys
import regex

compiled = []
compile_ = regex.compile
regex.compile = lambda *a, **k: (compiled.append(a[0]), compile_(*a, **k))[1]

from localfirst.privacy.analyzer import import_presidio
import_presidio()
print("compiled during the import:", len(compiled))
assert "presidio_analyzer" in sys.modules

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import EmailRecognizer
try:
    Pattern("unclosed", "(ab", 0.5)
except ValueError:
    print("a bad pattern made afterwards is refused")
found = EmailRecognizer().analyze("write to ana@example.org today", ["EMAIL_ADDRESS"])
print("built-in recognizer finds:", [r.entity_type for r in found])
print("hook left behind:", any("Unchecked" in type(f).__name__ for f in sys.meta_path))
"""


def test_presidio_imports_without_compiling_its_built_in_patterns_and_then_checks_again() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_AND_CHECK], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "compiled during the import: 0" in lines  # Presidio's own ~190 would be here
    assert "a bad pattern made afterwards is refused" in lines
    assert "built-in recognizer finds: ['EMAIL_ADDRESS']" in lines  # compiled when used
    assert "hook left behind: False" in lines
