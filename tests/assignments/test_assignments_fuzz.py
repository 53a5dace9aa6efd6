"""Property-based fuzzing of ``/api/assignments``: whatever a client sends, a JSON 4xx
(or a success), never a 5xx, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from tests.assignments.conftest import AML
from tests.http.test_fuzz_no_5xx import FUZZ, awkward_text, json_values

VALID = {"group": "Sales", "activity": AML, "due": "2026-06-30", "every_months": 12,
         "due_soon_days": 7}


@FUZZ
@given(field=st.sampled_from([*VALID, "person", "activities", "program", "other"]),
       value=json_values)
def test_create_with_any_value_in_any_field_is_never_a_5xx(
    directory: None, client: FlaskClient, writer: dict[str, str], field: str, value: Any,
) -> None:
    response = client.post("/api/assignments", headers=writer, json={**VALID, field: value})
    assert response.status_code < 500, response.get_json()
    if response.status_code == 400:
        assert response.get_json()["errors"][0]["path"].startswith("$")


@FUZZ
@given(as_of=awkward_text, assignment=awkward_text, csv=awkward_text)
def test_status_and_import_with_any_text_are_never_a_5xx(
    directory: None, client: FlaskClient, writer: dict[str, str], as_of: str,
    assignment: str, csv: str,
) -> None:
    status = client.get("/api/assignments/status", headers=writer,
                        query_string={"as_of": as_of, "assignment": assignment})
    assert status.status_code < 500, status.get_json()
    imported = client.post("/api/assignments/import?dry_run=true", data=csv.encode(),
                           headers={**writer, "Content-Type": "text/csv"})
    assert imported.status_code < 500, imported.get_json()
    deleted = client.delete(f"/api/assignments/{assignment}", headers=writer)
    assert deleted.status_code < 500 or not assignment, deleted.data
