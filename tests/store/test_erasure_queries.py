"""An erasure costs the same number of SQL statements for 5 statements as for 60."""

from __future__ import annotations

import uuid

from flask import Flask
from flask.testing import FlaskClient

from lrs.services import admin
from lrs.store.credentials import IssuedCredential
from tests.conftest import basic_auth, sql_statements
from tests.http.statement_helpers import make_statement, post, voiding


def test_erasure_costs_a_constant_number_of_sql_statements(
    app: Flask, client: FlaskClient, credential: IssuedCredential,
) -> None:
    headers = {"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"}

    def seed(person: str, size: int) -> None:
        mbox = f"mailto:{person}@example.com"
        own = [make_statement(mbox=mbox, id=str(uuid.uuid4())) for _ in range(size)]
        named = [make_statement(context={"instructor": {"mbox": mbox}}) for _ in range(size)]
        post(client, headers, own + named)
        post(client, headers, [voiding(s["id"]) for s in own[: size // 2]])

    def count_for(person: str) -> tuple[int, dict[str, int]]:
        with sql_statements(app) as executed:
            counts = admin.erase_person(app.extensions["lrs"], actor="cli:test",
                                        agent={"mbox": f"mailto:{person}@example.com"})
        return len(executed), counts

    seed("few", 6)
    seed("many", 60)
    (small, few), (large, many) = count_for("few"), count_for("many")
    assert few["statements_deleted"] == 9 and few["statements_redacted"] == 6
    assert many["statements_deleted"] == 90 and many["statements_redacted"] == 60
    assert small == large
    # notifications about the person included, and the deleted statements' link rows
    assert large <= 16, large
