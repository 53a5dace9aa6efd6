"""The shape of the code, checked on the source itself: layers, cycles, the plugin API.

Every import counts, those under ``TYPE_CHECKING`` and inside functions included:
a type-only or lazy import is still a dependency a reader has to follow.

* ``lrs.xapi`` is pure xAPI (no Flask, no database), ``lrs.store`` is persistence
  without Flask, and nothing in ``lrs`` imports a plugin or a connector.
* Imports go down the layers of :data:`LAYERS` only, and no modules import each
  other in a circle.
* Plugins and connectors, built-in ones included, import only the public plugin
  API (:mod:`lrs.plugin`), exactly as a third-party plugin would.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LRS = ROOT / "lrs"

FORBIDDEN = {
    "": ("plugins", "connectors"),
    "xapi": ("flask", "werkzeug", "sqlalchemy", "lrs.store", "lrs.http", "lrs.models"),
    "store": ("flask", "werkzeug", "lrs.http"),
    "scim": ("flask", "werkzeug", "sqlalchemy", "lrs.store", "lrs.http", "lrs.models"),
}

#: Layers from the bottom: a module may import its own layer and those below.
#: The longest matching prefix places a module.
LAYERS: tuple[tuple[str, ...], ...] = (
    # Foundations: settings, database, tables, xAPI rules, persistence, credentials.
    ("lrs.settings", "lrs.masking", "lrs.logging", "lrs.db", "lrs.models", "lrs.migrations",
     "lrs.xapi", "lrs.scim", "lrs.store", "lrs.auth.scopes", "lrs.auth.roles",
     "lrs.auth.passwords",
     "lrs.auth.secrets", "lrs.auth.sealing", "lrs.auth.verified", "lrs.auth.tokens",
     "lrs.auth.sso", "lrs.process",
     # The plugin API's generic registry, which core's scope registry builds on.
     "lrs.plugin.registry"),
    # The public plugin API, what third-party plugins depend on.
    ("lrs.plugin",),
    # The plugin machinery: manager, hook calls, outbox.
    ("lrs.machinery",),
    # Use cases shared by HTTP, the web UI, the command line and plugins.
    ("lrs.services",),
    # One application's assembly: machinery, host and use cases.
    ("lrs.runtime",),
    # The xAPI and OAuth HTTP edge, with the request authentication it uses.
    ("lrs.http", "lrs.auth.protector", "lrs.auth.oauth_server"),
    # The web UI.
    ("lrs.web",),
    # The application factory, and what builds whole applications: the package's
    # re-export, the fixtures for plugin authors' tests.
    ("lrs.app", "lrs", "lrs.plugin.testing"),
    # The command line.
    ("lrs.cli",),
)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: Iterable[str] = ()) -> set[str]:
    """Every module ``path`` imports; ``from package import name`` counts as
    ``package.name`` when that is one of the ``known`` modules."""
    known = set(known)
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module_name(path if path.name == "__init__.py" else path.parent)
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                names.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return names


def sources(package: str) -> list[Path]:
    return sorted((LRS / package).rglob("*.py"))


def lrs_graph() -> dict[str, set[str]]:
    """``lrs`` module → the ``lrs`` modules it imports (migration scripts left out)."""
    paths = {module_name(path): path for path in sources("")
             if "versions" not in path.parts}
    return {name: {d for d in imported_modules(path, paths) if d in paths and d != name}
            for name, path in paths.items()}


def layer_of(module: str) -> int:
    matches = [(len(prefix), index) for index, prefixes in enumerate(LAYERS)
               for prefix in prefixes if module == prefix or module.startswith(prefix + ".")]
    assert matches, f"{module} is in no layer of LAYERS: place it there"
    return max(matches)[1]


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


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


def test_imports_go_down_the_layers() -> None:
    offenders = [f"{module} (layer {layer_of(module)}) imports {target} "
                 f"(layer {layer_of(target)})"
                 for module, targets in sorted(lrs_graph().items()) for target in sorted(targets)
                 if layer_of(target) > layer_of(module)]
    assert not offenders, "\n".join(offenders)


def test_no_modules_import_each_other_in_a_circle() -> None:
    assert cycles(lrs_graph()) == []


#: Imports each module named on standard input into an interpreter holding no ``lrs``
#: module yet (third-party ones stay loaded, which keeps it fast).
_IMPORT_EACH_FIRST = """
import importlib, sys
for name in sys.stdin.read().split():
    for loaded in [m for m in sys.modules if m.split(".")[0] in ("lrs", "plugins")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        print(f"{name}: {exc!r}")
"""


def test_every_module_can_be_imported_first() -> None:
    """A circle through a package's ``__init__`` (which the graph above does not follow)
    breaks only when one of its modules happens to be imported first: try each."""
    scripts = {"lrs.cli.__main__", "lrs.migrations.env"}  # run by python -m and by Alembic
    names = sorted(set(lrs_graph()) - scripts)
    result = subprocess.run([sys.executable, "-c", _IMPORT_EACH_FIRST], input=" ".join(names),
                            capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
    assert result.stdout == ""


def test_plugins_and_connectors_import_only_the_plugin_api() -> None:
    paths = sorted([*(ROOT / "plugins").rglob("*.py"), *(ROOT / "connectors").rglob("*.py")])
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in paths
        for name in imported_modules(path)
        if (name == "lrs" or name.startswith("lrs.")) and not (
            name == "lrs.plugin" or name.startswith("lrs.plugin."))
    ]
    assert paths, "no plugin sources found"
    assert not offenders, "\n".join(offenders)


#: Modules that talk HTTP themselves: a plugin calling through them would skip what
#: :mod:`lrs.plugin.remote` enforces (the whole call's deadline, the answer's size cap,
#: no credentials sent to another site, remote text quoted).
HTTP_CLIENTS = frozenset({"requests", "urllib3"})
HTTP_MODULES = frozenset({"urllib.request", "http.client", "httpx", "aiohttp", "pycurl"})


def direct_http_calls(path: Path) -> list[str]:
    """Where ``path`` calls ``requests``/``urllib3`` (``requests.get(...)``, a
    ``requests.Session()``) or imports another HTTP client; annotations are fine."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = [f"line {node.lineno}: {ast.unparse(node.func)}(...)" for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and isinstance(node.func.value, ast.Name) and node.func.value.id in HTTP_CLIENTS]
    found += [f"imports {name}" for name in imported_modules(path)
              if name in HTTP_MODULES or name.split(".")[0] in {"httpx", "aiohttp", "pycurl"}]
    return found


def test_plugins_and_connectors_call_remote_systems_only_through_lrs_plugin_remote() -> None:
    paths = sorted([*(ROOT / "plugins").rglob("*.py"), *(ROOT / "connectors").rglob("*.py")])
    offenders = [f"{path.relative_to(ROOT)} {where}"
                 for path in paths for where in direct_http_calls(path)]
    assert not offenders, "\n".join(offenders)


def test_the_checker_sees_a_direct_http_call(tmp_path: Path) -> None:
    module = tmp_path / "pull.py"
    module.write_text("import requests\nfrom http.client import HTTPConnection\n\n"
                      "def f(r: requests.Response) -> None:\n"
                      "    requests.get('https://x.example')\n")
    assert direct_http_calls(module) == ["line 5: requests.get(...)", "imports http.client"]


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import flask\nfrom plugins.audit import x\n")
    assert {"flask", "plugins.audit"} <= imported_modules(module)


def test_the_checker_sees_type_only_lazy_and_relative_imports() -> None:
    path = LRS / "http" / "statements.py"
    known = {"lrs.runtime", "lrs.services.ingest"}
    assert {"lrs.runtime", "lrs.services.ingest"} <= imported_modules(path, known)
    assert "lrs.machinery.hooks" in imported_modules(LRS / "services" / "core.py")


def test_the_checker_finds_a_circle_and_a_layer() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert layer_of("lrs.plugin.testing") > layer_of("lrs.app") - 1 > layer_of("lrs.plugin.host")
