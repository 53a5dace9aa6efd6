"""``lrs competency export`` and ``lrs competency profile`` (both backends)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from flask import Flask
from pypdf import PdfReader

from tests.competency.situations import FOREIGN, GROUP, seed


def test_export_writes_the_filtered_attainments_as_csv(
    comp_app: Flask, competency_cli: Callable[..., Result], tmp_path: Path
) -> None:
    situation = seed(comp_app)
    result = competency_cli("competency", "export", "--group", GROUP, "--state", "lapsed")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["employee_id"], r["code"], r["state"]) for r in rows] == [("E1", "HS.2", "lapsed")]
    target = tmp_path / "all.csv"
    assert competency_cli("competency", "export", "--output", str(target)).exit_code == 0
    assert len(list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))) == 8
    missing = competency_cli("competency", "export", "--framework", "nope")
    assert missing.exit_code == 1 and "Error: no framework 'nope'" in missing.output
    assert situation.framework


def test_profile_prints_json_or_writes_a_pdf(
    comp_app: Flask, competency_cli: Callable[..., Result], tmp_path: Path
) -> None:
    seed(comp_app)
    result = competency_cli("competency", "profile", "E1")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["person"]["name"] == "Ada Lovelace"
    assert body["frameworks"][0]["counts"]["lapsed"] == 1
    pdf = tmp_path / "julia.pdf"
    written = competency_cli("competency", "profile", "E3", "--pdf", str(pdf))
    assert written.exit_code == 0 and written.output == f"Wrote {pdf}.\n"
    assert FOREIGN in PdfReader(pdf).pages[0].extract_text()
    unknown = competency_cli("competency", "profile", "E9")
    assert unknown.exit_code == 1
    assert "Error: no person with employee id 'E9'" in unknown.output
