"""The package layers only import downwards (the contract in pyproject.toml, checked by
import-linter over every import, function-level ones included)."""

from __future__ import annotations

import ast
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_the_layer_contract_holds(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename="pyproject.toml", no_cache=True, no_logo=True) == 0


def test_the_bottom_types_import_nothing_of_ours_above_them():
    """types/ is the data model: it may import only itself and errors, so anything can use it."""
    for path in (ROOT / "src/localfirst/types").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("localfirst"):
                assert node.module.startswith(("localfirst.types", "localfirst.errors")), (
                    f"{path.name} imports {node.module}"
                )
