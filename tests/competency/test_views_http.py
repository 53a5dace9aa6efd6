"""A person's profile, a group's heat map and gaps, and the CSV export through
``/api/competency`` (both backends), on attainments written as the engine leaves them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lrs.plugin.testing import ApiCredential
from tests.competency.situations import FOREIGN, FORMULA, GROUP, HOSTILE, Situation, seed


@pytest.fixture
def situation(comp_app: Flask) -> Situation:
    return seed(comp_app)


def by_code(framework: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["code"]: c for c in framework["competencies"]}


def test_profile_shows_the_tree_states_dates_and_evidence(
    client: FlaskClient, auth: dict[str, str], situation: Situation
) -> None:
    response = client.get("/api/competency/people/E1/profile", headers=auth)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["person"] == {
        "employeeId": "E1",
        "name": "Ada Lovelace",
        "department": "Safety",
        "email": "ada@example.com",
    }
    [framework] = body["frameworks"]
    assert framework["identifier"] == situation.framework
    codes = [(c["code"], c["depth"]) for c in framework["competencies"]]
    assert codes[:6] == [("HS", 0), ("HS.1", 1), ("HS.2", 1), ("HS.3", 1), ("HS.4", 1), ("FA", 0)]
    assert framework["competencies"][1]["parent"] == situation.uris["HS"]
    c = by_code(framework)
    assert {code: c[code]["state"] for code in ("HS", "HS.1", "HS.2", "FA.1", "FA.2", "FA.3")} == {
        "HS": "attained",
        "HS.1": "attained",
        "HS.2": "lapsed",
        "FA.1": "conflicting",
        "FA.2": "not_attained",
        "FA.3": "unknown",
    }
    assert c["HS.1"]["confidence"] == 0.75 and c["HS.1"]["evidenceCount"] == 2
    assert c["HS.1"]["firstAttained"] == "2026-03-01T10:00:00Z"
    assert c["HS.1"]["lapses"] is not None and c["FA.3"]["confidence"] is None
    newest, oldest = situation.statements[("E1", "HS.1")]
    assert [(e["statementId"], e["positive"]) for e in c["HS.1"]["evidence"]] == [
        (newest, True),
        (oldest, False),
    ]
    assert c["HS.2"]["evidence"] == [
        {
            "statementId": situation.statements[("E1", "HS.2")][0],
            "positive": True,
            "verb": "http://adlnet.gov/expapi/verbs/passed",
            "occurred": "2025-06-01T10:00:00Z",
        }
    ]
    assert framework["counts"] == {
        "attained": 2,
        "lapsed": 1,
        "conflicting": 1,
        "not_attained": 1,
        "unknown": 13,
    }


def test_profile_refusals_name_what_is_wrong(
    client: FlaskClient,
    auth: dict[str, str],
    situation: Situation,
    comp_app: Flask,
    lrs_make_credential: Callable[..., ApiCredential],
) -> None:
    missing = client.get("/api/competency/people/E9/profile", headers=auth)
    assert missing.status_code == 404
    assert missing.get_json()["message"] == "no person with employee id 'E9'"
    unknown = client.get("/api/competency/people/E1/profile?framework=nope", headers=auth)
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "not_found"
    other = lrs_make_credential("all", app=comp_app).headers
    assert client.get("/api/competency/people/E1/profile", headers=other).status_code == 403
    assert client.get("/api/competency/people/E1/profile").status_code == 401


def test_profile_pdf_shows_names_in_any_script_states_and_evidence(
    client: FlaskClient, auth: dict[str, str], situation: Situation
) -> None:
    from pypdf import PdfReader

    response = client.get("/api/competency/people/E3/profile.pdf", headers=auth)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert FOREIGN in text and "employee id E3" in text
    ada = client.get("/api/competency/people/E1/profile.pdf", headers=auth)
    assert 'filename="competency-E1.pdf"' in ada.headers["Content-Disposition"]
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(ada.data)).pages
    )
    assert "Ada Lovelace" in text and "Workplace Safety Competencies" in text
    assert "↻ lapsed" in text and "! conflicting evidence" in text and "✓ attained" in text
    newest, _ = situation.statements[("E1", "HS.1")]
    assert newest[:20] in text.replace(" ", "")


def test_heat_map_lists_the_group_by_competency_with_states(
    client: FlaskClient, auth: dict[str, str], situation: Situation
) -> None:
    response = client.get(
        "/api/competency/heatmap",
        query_string={"framework": situation.framework, "group": GROUP},
        headers=auth,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    codes = [c["code"] for c in body["competencies"]]
    assert codes[:3] == ["HS", "HS.1", "HS.2"] and len(codes) == 18
    people = {p["employeeId"]: p for p in body["people"]}
    assert set(people) == {"E1", "E2", "E3"}  # E4 is not in the group
    assert people["E2"]["name"] == HOSTILE
    state = {e: dict(zip(codes, p["states"], strict=True)) for e, p in people.items()}
    assert state["E1"]["HS.2"] == "lapsed" and state["E2"]["FA.2"] == "attained"
    assert set(state["E3"].values()) == {"unknown"}
    assert dict(zip(codes, people["E1"]["confidence"], strict=True))["HS.1"] == 0.75
    top = client.get(
        "/api/competency/heatmap",
        query_string={"framework": situation.framework, "group": GROUP, "depth": "0"},
        headers=auth,
    ).get_json()
    assert [c["code"] for c in top["competencies"]] == ["HS", "FA", "MH", "FS"]


@pytest.mark.parametrize(
    ("query", "status", "path"),
    [
        ({"group": GROUP}, 400, "query.framework"),
        ({"framework": "F"}, 400, "query.group"),
        ({"framework": "F", "group": GROUP, "depth": "-1"}, 400, "query.depth"),
        ({"framework": "F", "group": GROUP, "depth": "x"}, 400, "query.depth"),
        ({"framework": "F", "group": GROUP, "depth": "²"}, 400, "query.depth"),
        ({"framework": "F", "group": GROUP, "depth": "9" * 5000}, 400, "query.depth"),
        ({"framework": "nope", "group": GROUP}, 404, "$"),
        ({"framework": "F", "group": "Nobody"}, 404, "$"),
    ],
)
def test_heat_map_and_gaps_refuse_bad_parameters(
    client: FlaskClient,
    auth: dict[str, str],
    situation: Situation,
    query: dict[str, str],
    status: int,
    path: str,
) -> None:
    query = {k: situation.framework if v == "F" else v for k, v in query.items()}
    for url in ("/api/competency/heatmap", "/api/competency/gaps"):
        response = client.get(url, query_string=query, headers=auth)
        assert response.status_code == status, (url, response.get_json())
        assert response.get_json()["errors"][0]["path"] == path


def test_gaps_rank_what_most_of_the_group_lacks(
    client: FlaskClient, auth: dict[str, str], situation: Situation
) -> None:
    response = client.get(
        "/api/competency/gaps",
        query_string={"framework": situation.framework, "group": GROUP, "limit": "100"},
        headers=auth,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["people"] == 3
    gaps = {g["code"]: g for g in body["gaps"]}
    assert body["gaps"][0]["lacking"] == 3 and body["gaps"][-1]["code"] == "HS.1"
    assert [g["lacking"] for g in body["gaps"]] == sorted(
        (g["lacking"] for g in body["gaps"]), reverse=True
    )
    assert gaps["HS.1"]["lacking"] == 1 and gaps["HS.1"]["lackingPeople"] == ["E3"]
    assert gaps["FA.2"]["lacking"] == 2 and gaps["FA.2"]["counts"]["not_attained"] == 1
    assert gaps["HS.2"]["counts"] == {
        "attained": 0,
        "lapsed": 1,
        "conflicting": 0,
        "not_attained": 0,
        "unknown": 2,
    }
    assert gaps["HS.2"]["share"] == 1.0
    limited = client.get(
        "/api/competency/gaps",
        query_string={"framework": situation.framework, "group": GROUP, "limit": "2"},
        headers=auth,
    ).get_json()
    assert len(limited["gaps"]) == 2


def rows(client: FlaskClient, auth: dict[str, str], **query: str) -> list[dict[str, str]]:
    response = client.get("/api/competency/attainments.csv", query_string=query, headers=auth)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_csv_export_filters_by_framework_group_and_state(
    client: FlaskClient, auth: dict[str, str], situation: Situation
) -> None:
    everything = rows(client, auth)
    assert len(everything) == 8
    assert [(r["employee_id"], r["code"], r["state"]) for r in everything[:5]] == [
        ("E1", "HS", "attained"),
        ("E1", "HS.1", "attained"),
        ("E1", "HS.2", "lapsed"),
        ("E1", "FA.1", "conflicting"),
        ("E1", "FA.2", "not_attained"),
    ]
    first = everything[1]
    assert first["framework"] == situation.framework
    assert first["first_attained"] == "2026-03-01T10:00:00Z" and first["confidence"] == "0.75"
    # a name a spreadsheet would run as a formula is written as text
    assert [r["name"] for r in everything if r["employee_id"] == "E4"] == ["'" + FORMULA]
    assert {r["employee_id"] for r in rows(client, auth, group=GROUP)} == {"E1", "E2"}
    attained = rows(client, auth, state="attained", framework=situation.framework)
    assert {(r["employee_id"], r["code"]) for r in attained} == {
        ("E1", "HS"),
        ("E1", "HS.1"),
        ("E2", "HS.1"),
        ("E2", "FA.2"),
        ("E4", "HS.1"),
    }
    bad = client.get("/api/competency/attainments.csv?state=great", headers=auth)
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["path"] == "query.state"
    assert (
        client.get("/api/competency/attainments.csv?group=Nobody", headers=auth).status_code == 404
    )
