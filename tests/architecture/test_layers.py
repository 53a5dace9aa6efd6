"""The layering rules of docs/architecture, checked on the source itself.

``lrs.xapi`` is pure xAPI (no Flask, no database), ``lrs.store`` is persistence
without Flask, and nothing in ``lrs`` imports a plugin or a connector.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LRS = Path(__file__).resolve().parents[2] / "lrs"

FORBIDDEN = {
    "": ("plugins", "connectors"),
    "xapi": ("flask", "werkzeug", "sqlalchemy", "lrs.store", "lrs.http", "lrs.models"),
    "store": ("flask", "werkzeug", "lrs.http"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def sources(package: str) -> list[Path]:
    return sorted((LRS / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_its_layer_allows(package: str) -> None:
    offenders = [
        f"{path.relative_to(LRS.parent)} imports {name}"
        for path in sources(package)
        for name in imported_modules(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[package])
    ]
    assert sources(package), f"no sources found under lrs/{package}"
    assert not offenders, "\n".join(offenders)


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import flask\nfrom plugins.audit import x\n")
    assert {"flask", "plugins.audit"} <= imported_modules(module)
