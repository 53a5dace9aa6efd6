"""KPI definitions as a file that can live in version control: ``{"kpis": [...]}`` in YAML
or JSON, loaded with ``lrs kpi load`` and written with ``lrs kpi export``.

YAML is read with PyYAML's ``SafeLoader`` (no Python objects, no custom tags):
people keep these files by hand, with comments, and YAML is what they write.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import yaml

from plugins.kpi.errors import KpiError


class _Loader(yaml.SafeLoader):
    """``safe_load``'s loader, save that a value it reads but Python cannot build (a date
    such as ``2026-13-45``, a number of more than 4,300 digits) is a YAML error at its line
    rather than a bare ``ValueError``."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, str(exc), node.start_mark
            ) from None


def parse(text: str, fmt: str) -> list[tuple[str, Any]]:
    """``(JSON path, definition)`` of each KPI of a file's ``text`` (``fmt`` ``yaml`` or ``json``).

    :raises KpiError: the text cannot be read (with its line), or is not ``{"kpis": [...]}``.
    """
    try:
        data = json.loads(text) if fmt == "json" else yaml.load(text, Loader=_Loader)
    except json.JSONDecodeError as exc:
        raise KpiError(
            f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            [{"path": "$", "message": exc.msg}],
        ) from None
    except ValueError:  # json's only other refusal: a number longer than int() reads
        reason = f"a number has more than {sys.get_int_max_str_digits()} digits"
        raise KpiError(f"not JSON: {reason}", [{"path": "$", "message": reason}]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise KpiError(
            f"not YAML{where}", [{"path": "$", "message": str(exc).splitlines()[0]}]
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("kpis"), list):
        raise KpiError(
            'the file must hold {"kpis": [...]}',
            [{"path": "$.kpis", "message": "must be a list of KPIs"}],
        )
    unknown = sorted(set(data) - {"kpis"})
    if unknown:
        raise KpiError(
            f"unknown field {unknown[0]!r}",
            [{"path": f"$.{unknown[0]}", "message": "only kpis is read"}],
        )
    return [(f"$.kpis[{index}]", spec) for index, spec in enumerate(data["kpis"])]


def dump(specs: list[dict[str, Any]], fmt: str) -> str:
    """The text of a file holding ``specs``, read back by :func:`parse` to the same KPIs."""
    data = {"kpis": specs}
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
