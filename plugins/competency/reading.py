"""Which reader a file needs: a CASE CFPackage (JSON) or a CSV framework."""

from __future__ import annotations

import json
import sys
from pathlib import PurePath
from typing import Any

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
        return read_package(_parse_json(text))
    return read_csv(text, name=PurePath(filename).stem or "framework")


def _parse_json(text: str) -> Any:
    """The JSON value of ``text``, or a :class:`CompetencyError` saying where it breaks.

    Past a syntax error, ``json`` raises a plain ``ValueError`` for one thing only: a
    number longer than ``int`` reads (4,300 digits), which no CASE package has.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CompetencyError(
            "the file is not valid JSON",
            [{"path": f"line {exc.lineno} column {exc.colno}", "message": exc.msg}],
        ) from exc
    except ValueError as exc:
        digits = sys.get_int_max_str_digits()
        raise CompetencyError(
            "the file is not valid JSON",
            [{"path": "$", "message": f"a number has more than {digits} digits"}],
        ) from exc
