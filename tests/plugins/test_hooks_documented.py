"""Every hook is documented: in its spec's docstring and in docs/plugin_hooks.md."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lrs.plugin import hookspecs

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugin_hooks.md"


def specs() -> dict[str, Callable[..., Any]]:
    return {name: function for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(function, "lrs_spec")}


def documented_signature(name: str) -> str:
    return f"{name}({', '.join(inspect.signature(specs()[name]).parameters)})"


def test_hookspecs_are_found() -> None:
    assert {"check_statements", "statements_stored", "register_migrations"} <= set(specs())


@pytest.mark.parametrize("name", sorted(specs()))
def test_hook_has_a_section_with_its_signature_in_plugin_hooks_md(name: str) -> None:
    assert f"\n## {documented_signature(name)}\n" in DOCS.read_text(), (
        f"docs/plugin_hooks.md needs a section headed '## {documented_signature(name)}'"
    )


def test_plugin_hooks_md_documents_no_hook_that_does_not_exist() -> None:
    headings = re.findall(r"^## (\w+)\(", DOCS.read_text(), flags=re.MULTILINE)
    assert sorted(headings) == sorted(specs())


@pytest.mark.parametrize("name", sorted(specs()))
def test_hookspec_docstring_documents_params_result_and_version(name: str) -> None:
    function = specs()[name]
    doc = inspect.getdoc(function) or ""
    for parameter in inspect.signature(function).parameters:
        assert f":param {parameter}:" in doc, f"{name} does not document {parameter}"
    assert ":returns:" in doc
    assert ".. versionadded::" in doc
    if function.lrs_spec.get("firstresult"):
        assert "firstresult" in doc, f"{name} stops at the first result: say so"
