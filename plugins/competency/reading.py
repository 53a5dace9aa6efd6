"""Which reader a file needs: a CASE CFPackage (JSON) or a CSV framework."""

from __future__ import annotations

import json
from pathlib import PurePath

from plugins.competency.csvframework import read_csv
from plugins.competency.errors import CompetencyError
from plugins.competency.package import Package, read_package


def read_framework(data: bytes, filename: str) -> Package:
    """The framework in ``data``: JSON (starting with ``{``) is a CFPackage, anything else CSV.

    A CSV framework is named after the file (``skills.csv`` is ``skills``).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CompetencyError(
            "the file is not UTF-8", [{"path": f"byte {exc.start}", "message": "not UTF-8"}]
        ) from exc
    if text.lstrip().startswith("{"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CompetencyError(
                "the file is not valid JSON",
                [{"path": f"line {exc.lineno} column {exc.colno}", "message": exc.msg}],
            ) from exc
        return read_package(parsed)
    return read_csv(text, name=PurePath(filename).stem or "framework")
