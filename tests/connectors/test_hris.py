"""The ``hris`` connector type against a real HTTP server on 127.0.0.1 serving reports in
the shapes of Workday RaaS (JSON, CSV) and BambooHR custom reports, failures included.

Instances are created and run through the runtime (``create_connector``,
``run_instance``), on SQLite and PostgreSQL; what they imported is read back from
the people directory.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from lrs.plugin.testing import deliver
from lrs.services.connectors import RunView, connector_named, create_connector
from lrs.services.people import list_people
from lrs.store.tenants import create_tenant
from lrs.xapi.errors import BadRequest
from tests.connectors.loopback import Remote, Reply, Request, serve
from tests.plugins.conftest import RecordingPlugin, runtime

WORKDAY = {
    "Report_Entry": [
        {
            "Employee_ID": "21001",
            "Worker": "Logan McNeil",
            "Email_-_Work": "Logan@Example.com",
            "Supervisory_Organization": "Global Support",
            "Location": "San Francisco",
            "Business_Title": "Chief HR Officer",
            "Hire_Date": "2000-01-01-08:00",
            "Active_Status": "1",
            "Cost_Center": "41600",
        },
        {
            "Employee_ID": "21002",
            "Worker": "Ada Lovelace",
            "Email_-_Work": "ada@example.com",
            "Manager_ID": "21001",
            "Supervisory_Organization": "Global Support",
            "Location": "London",
            "Business_Title": "Analyst",
            "Hire_Date": "2026-01-15",
            "Active_Status": "1",
            "Cost_Center": "41600",
            "Emails": [{"Email": "ada.l@example.org"}, {"Email": "ada@home.example"}],
        },
    ]
}
WORKDAY_MAPPING = {
    "Employee_ID": "employee_id",
    "Worker": "display_name",
    "Email_-_Work": "email",
    "Emails/Email": "aliases",
    "Manager_ID": "manager",
    "Supervisory_Organization": "department",
    "Location": "location",
    "Business_Title": "job_title",
    "Hire_Date": "hire_date",
    "Active_Status": "active",
    "Cost_Center": "attributes.cost_center",
}
USER, PASSWORD = "ISU_Weft", "isu-password-42"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def report_server(
    body: bytes | Callable[[], Reply],
    content_type: str = "application/json",
    authorization: str = basic(USER, PASSWORD),
) -> Any:
    """A server answering ``GET /ccx/service/customreport2/acme/ISU/Workers`` with ``body``
    when the request carries ``authorization`` (401 otherwise)."""

    def answer(request: Request) -> Reply:
        if request.headers.get("authorization") != authorization:
            return Reply(401, b'{"error": "invalid username or password"}')
        if callable(body):
            return body()
        return Reply(200, body, content_type)

    return serve(answer)


REPORT_PATH = "/ccx/service/customreport2/acme/ISU/Workers"


@pytest.fixture
def recorder() -> RecordingPlugin:
    return RecordingPlugin()


@pytest.fixture
def hris_app(make_app: Callable[..., Flask], recorder: RecordingPlugin) -> Flask:
    return make_app(recorder, installed=("hris",))


def create(app: Flask, remote: Remote, name: str = "hr", **config: Any) -> None:
    """Create an instance reading the server's report; ``None`` leaves a field out."""
    rt = runtime(app)
    settings = {
        "url": remote.url + REPORT_PATH,
        "auth": "basic",
        "username": USER,
        "password": PASSWORD,
        "mapping": WORKDAY_MAPPING,
        **config,
    }
    create_connector(
        rt,
        rt.connector_types,
        tenant_id=1,
        name=name,
        type_name="hris",
        config={k: v for k, v in settings.items() if v is not None},
        schedule="every 1h",
        actor="cli:test",
    )


def run(app: Flask, name: str = "hr") -> RunView:
    return runtime(app).connectors.run_instance(1, name).run


def people(app: Flask) -> dict[str, Any]:
    return {p.id: p for p in list_people(runtime(app), tenant_id=1)}


def imports(app: Flask, recorder: RecordingPlugin) -> list[Any]:
    deliver(app)
    return [
        call["event"]
        for call in recorder.called("admin_action_taken")
        if call["event"].action == "people.imported"
    ]


def test_a_workday_report_fills_the_directory_and_a_rerun_changes_nothing(
    hris_app: Flask,
    recorder: RecordingPlugin,
) -> None:
    with report_server(json.dumps(WORKDAY).encode()) as remote:
        create(hris_app, remote)
        first = run(hris_app)
        again = run(hris_app)
    assert (first.status, first.fetched, first.stored, first.skipped) == ("succeeded", 2, 2, 0)
    assert first.messages[0] == "2 new, 0 updated, 0 unchanged, 0 deactivated, 0 in error"
    ada = people(hris_app)["21002"]
    assert ada.name == "Ada Lovelace"
    assert ada.attributes == {
        "email": "ada@example.com",
        "department": "Global Support",
        "manager": "21001",
        "location": "London",
        "job_title": "Analyst",
        "hire_date": "2026-01-15",
        "active": "true",
        "cost_center": "41600",
    }
    assert {a.get("mbox") for a in ada.agents} >= {
        "mailto:ada@example.com",
        "mailto:ada.l@example.org",
        "mailto:ada@home.example",
    }
    assert people(hris_app)["21001"].attributes["hire_date"] == "2000-01-01"
    assert (
        runtime(hris_app).host.resolve_person(1, {"mbox": "mailto:logan@example.com"}).id == "21001"
    )
    assert (again.status, again.stored, again.skipped) == ("succeeded", 0, 2)
    [event] = imports(hris_app, recorder)  # the rerun changed nothing: nothing recorded
    assert (event.actor, event.source) == ("connector:hr", {"plugin": "hris"})
    assert event.details == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "deactivated": 0,
        "refused": 0,
    }
    assert remote.requests[0].headers["accept"].startswith("application/json")


def test_a_bamboohr_report_is_read_by_field_name_with_its_api_key(hris_app: Flask) -> None:
    report = {
        "title": "Weft",
        "fields": [
            {"id": "employeeNumber", "type": "text", "name": "Employee #"},
            {"id": "firstName", "type": "text", "name": "First Name"},
            {"id": "lastName", "type": "text", "name": "Last Name"},
            {"id": "workEmail", "type": "email", "name": "Work Email"},
            {"id": "hireDate", "type": "date", "name": "Hire Date"},
            {"id": "status", "type": "status", "name": "Status"},
            {"id": "department", "type": "list", "name": "Department"},
        ],
        "employees": [
            {
                "id": "4",
                "employeeNumber": "E4",
                "firstName": "Charlotte",
                "lastName": "Abbott",
                "workEmail": "cabbott@efficientoffice.com",
                "hireDate": "2016-06-06",
                "status": "Active",
                "department": "Sales",
            },
            {
                "id": "5",
                "employeeNumber": "E5",
                "firstName": "Ashley",
                "lastName": "Adams",
                "workEmail": None,
                "hireDate": "0000-00-00",
                "status": "Terminated",
                "department": None,
            },
        ],
    }
    api_key = "bamboo-api-key-123"
    with report_server(json.dumps(report).encode(), authorization=basic(api_key, "x")) as remote:
        create(
            hris_app,
            remote,
            auth="basic_token",
            token=api_key,
            username=None,
            password=None,
            inactive_values=["Terminated"],
            mapping={
                "Employee #": "employee_id",
                "First Name": "display_name",
                "lastName": "display_name",
                "Work Email": "email",
                "Hire Date": "hire_date",
                "Status": "active",
                "department": "department",
            },
        )
        done = run(hris_app)
    assert (done.status, done.stored) == ("succeeded", 2), done.error
    found = people(hris_app)
    assert (found["E4"].name, found["E4"].attributes["active"]) == ("Charlotte Abbott", "true")
    assert found["E5"].name == "Ashley Adams"
    assert found["E5"].attributes == {"active": "false"}


def test_an_api_key_goes_in_the_header_named(hris_app: Flask) -> None:
    def answer(request: Request) -> Reply:
        if request.headers.get("x-api-key") != "key-123456":
            return Reply(403, b'{"message": "Forbidden"}')
        return Reply(200, json.dumps([{"id": "E1", "mail": "e1@example.com"}]).encode())

    with serve(answer) as remote:
        create(
            hris_app,
            remote,
            auth="api_key",
            token="key-123456",
            api_key_header="X-API-Key",
            username=None,
            password=None,
            mapping={"id": "employee_id", "mail": "email"},
        )
        done = run(hris_app)
    assert (done.status, done.stored) == ("succeeded", 1), done.error
    assert "authorization" not in remote.requests[0].headers


def test_csv_records_in_error_are_listed_and_the_others_imported(hris_app: Flask) -> None:
    csv = (
        b"Employee_ID,Worker,Email_-_Work,Hire_Date\n"
        b"E1,Ada,ada@example.com,2026-01-15\n"
        b"E2,Grace,not-an-email,2026-02-30\n"
        b"E3,Alan,alan@example.com,\n"
        b"E1,Ada again,ada2@example.com,\n"
    )
    token = "bearer-token-xyz"
    with report_server(csv, "text/csv; charset=utf-8", f"Bearer {token}") as remote:
        create(
            hris_app,
            remote,
            auth="bearer",
            token=token,
            username=None,
            password=None,
            mapping={
                "Employee_ID": "employee_id",
                "Worker": "display_name",
                "Email_-_Work": "email",
                "Hire_Date": "hire_date",
            },
        )
        done = run(hris_app)
    assert (done.status, done.fetched, done.stored, done.skipped) == ("succeeded", 4, 2, 2)
    assert done.messages == (
        "2 new, 0 updated, 0 unchanged, 0 deactivated, 2 in error",
        "record 2, email: 'not-an-email' is not an email address (employee 'E2')",
        "record 2, hire_date: '2026-02-30' is not a date (YYYY-MM-DD) (employee 'E2')",
        "record 4, employee_id: 'E1' is also on record 1 (employee 'E1')",
    )
    assert sorted(people(hris_app)) == ["E1", "E3"]


def test_records_holding_what_no_database_stores_are_in_error_and_the_others_imported(
    hris_app: Flask,
) -> None:
    """A NUL went into the directory on SQLite and failed the whole import on
    PostgreSQL; a lone surrogate failed it on both."""
    report = (b'{"Report_Entry": ['
              b'{"Employee_ID": "E1", "Worker": "Ada\\u0000"},'
              b'{"Employee_ID": "E2", "Worker": "Grace"},'
              b'{"Employee_ID": "E3\\ud800", "Worker": "Alan"}]}')
    with report_server(report) as remote:
        create(hris_app, remote, mapping={"Employee_ID": "employee_id",
                                          "Worker": "display_name"})
        done = run(hris_app)

    assert (done.status, done.fetched, done.stored, done.skipped) == ("succeeded", 3, 1, 2)
    assert done.messages[1:] == (
        "record 1, display_name: holds a NUL character or a lone surrogate, which no "
        "database stores (employee 'E1')",
        "record 3, employee_id: holds a NUL character or a lone surrogate, which no "
        "database stores (employee 'E3\\ud800')",
    )
    assert sorted(people(hris_app)) == ["E2"]


def test_an_identity_held_by_another_person_refuses_that_record_only(hris_app: Flask) -> None:
    host = runtime(hris_app).host
    before = host.import_people(
        1, [{"employee_id": "X9", "email": "ada@example.com"}], actor="cli:test"
    )
    assert (before.created, before.errors) == (1, ())
    done = host.import_people(
        1,
        [
            {"employee_id": "E1", "email": "Ada@Example.com"},
            {
                "employee_id": "E2",
                "aliases": ["g@example.com", "grace@example.org"],
                "active": False,
            },
            {"employee_id": "E3", "department": {"name": "Sales"}},
        ],
        actor="cli:test",
    )
    assert (done.created, done.updated, done.unchanged) == (1, 0, 0)
    assert [str(e) for e in done.errors] == [
        "record 1, identities: mbox:mailto:ada@example.com belongs to X9",
        "record 3, department: is not a text, number, boolean or list of texts",
    ]
    assert people(hris_app)["E2"].attributes["active"] == "false"


def test_people_missing_from_a_full_report_are_deactivated_when_asked(
    hris_app: Flask,
) -> None:
    reports = [
        WORKDAY,
        {"Report_Entry": WORKDAY["Report_Entry"][:1]},
        {"Report_Entry": [*WORKDAY["Report_Entry"][:1], {"Worker": "No Id"}]},
        {"Report_Entry": []},
    ]
    with report_server(lambda: Reply(200, json.dumps(reports.pop(0)).encode())) as remote:
        create(hris_app, remote, deactivate_missing=True)
        run(hris_app)
        run(hris_app)
        assert people(hris_app)["21002"].attributes["active"] == "false"
        assert people(hris_app)["21001"].attributes["active"] == "true"
        create(
            hris_app,
            remote,
            name="partial",
            mapping={"Employee_ID": "employee_id"},
            deactivate_missing=True,
        )
        partial = run(hris_app, "partial")
        empty = run(hris_app, "partial")
    assert partial.status == "succeeded"
    assert (
        "nobody deactivated: the report is empty or has records without an employee id"
        in partial.messages
    )
    assert "record 2, employee_id: is empty" in partial.messages
    assert (empty.status, empty.fetched) == ("succeeded", 0)
    assert people(hris_app)["21001"].attributes["active"] == "true"


def test_deactivating_the_missing_stays_in_the_store(hris_app: Flask) -> None:
    rt = runtime(hris_app)
    with rt.db.write() as session:
        acme = create_tenant(session, "acme").id
    rt.host.import_people(acme, [{"employee_id": "A1"}], actor="cli:test")
    rt.host.import_people(1, [{"employee_id": "D1"}, {"employee_id": "D2"}], actor="cli:test")
    done = rt.host.import_people(
        1, [{"employee_id": "D1"}], actor="cli:test", deactivate_missing=True
    )
    assert (done.unchanged, done.deactivated) == (1, 1)
    assert [p.attributes["active"] for p in list_people(rt, tenant_id=acme)] == ["true"]
    again = rt.host.import_people(
        1, [{"employee_id": "D1"}], actor="cli:test", deactivate_missing=True
    )
    assert (again.unchanged, again.deactivated) == (1, 0)


@pytest.fixture
def failing_server() -> Iterator[tuple[Remote, list[Reply]]]:
    """A server answering with the queued replies, then with the Workday report."""
    queue: list[Reply] = []

    def answer() -> Reply:
        return queue.pop(0) if queue else Reply(200, json.dumps(WORKDAY).encode())

    with report_server(answer) as remote:
        yield remote, queue


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (
            Reply(503, b"<html>Service Unavailable</html>", "text/html"),
            "RemoteError: HRIS report: {url} answered HTTP 503: <html>Service Unavailable</html>",
        ),
        (Reply(200, b"{}", delay=2.5), "RemoteError: HRIS report: no answer from {url} within 1 s"),
        (
            Reply(200, json.dumps(WORKDAY).encode(), cut_at=100),
            "RemoteError: HRIS report: {url} closed the connection before sending the whole answer",
        ),
        (
            Reply(200, b'{"Report_Entry": [{"Employee_ID": '),
            "ReportError: the report is not valid JSON "
            "(Expecting value: line 1 column 35 (char 34))",
        ),
        (
            Reply(200, b"<html><form>Sign in</form></html>", "text/html; charset=utf-8"),
            "ReportError: the answer is a web page (text/html), not a report: is the URL "
            "the report's, and are its credentials right?",
        ),
        (  # a remote's text is quoted: control characters escaped, not acted on
            Reply(500, b"bad \x00 input\x1b[2J\r\n\xe2\x80\xae", "text/plain; charset=utf-8"),
            "RemoteError: HRIS report: {url} answered HTTP 500: bad \\x00 input\\x1b[2J "
            "\\u202e",
        ),
        (
            Reply(200, b"{}", "text/html\x1b[31m; charset=utf-8"),
            "ReportError: the answer is a web page (text/html\\x1b[31m), not a report: is the "
            "URL the report's, and are its credentials right?",
        ),
        (
            Reply(200, b"[" * 100_000),
            "ReportError: the report is not valid JSON (maximum recursion depth exceeded "
            "while decoding a JSON array from a unicode string)",
        ),
        (
            Reply(200, b'{"employees": [{"id": "1"}], "fields": 3}'),
            "ReportError: the JSON report's fields are not a list",
        ),
        (
            Reply(200, b'{"Report": []}'),
            "ReportError: the JSON report has neither Report_Entry "
            "(Workday) nor employees (BambooHR), and is not a list of records",
        ),
        (
            Reply(200, b'{"Report_Entry": [{"Name": "Ada"}]}'),
            "ReportError: the report has no "
            "field 'Employee_ID' (mapped to employee_id); its fields are Name",
        ),
    ],
)
def test_a_failed_fetch_fails_the_run_changes_nothing_and_the_retry_imports(
    hris_app: Flask,
    failing_server: tuple[Remote, list[Reply]],
    reply: Reply,
    error: str,
) -> None:
    remote, queue = failing_server
    create(hris_app, remote, timeout_seconds=1)
    queue.append(reply)
    failed = run(hris_app)
    assert (failed.status, failed.error) == ("failed", error.format(url=remote.url + REPORT_PATH))
    assert people(hris_app) == {}
    instance = connector_named(runtime(hris_app), 1, "hr")
    assert instance.failures == 1 and instance.next_run_us > failed.started_us
    retried = run(hris_app)
    assert (retried.status, retried.stored) == ("succeeded", 2)


def test_wrong_credentials_fail_the_run_without_showing_them(hris_app: Flask) -> None:
    with report_server(json.dumps(WORKDAY).encode()) as remote:
        create(hris_app, remote, password="wrong-password")
        failed = run(hris_app)
    assert failed.status == "failed"
    assert "answered HTTP 401" in failed.error and "wrong-password" not in failed.error


def test_a_report_of_records_all_in_error_fails_the_run(hris_app: Flask) -> None:
    report = {"Report_Entry": [{"Employee_ID": "E1", "Hire_Date": "01/15/2026"}]}
    with report_server(json.dumps(report).encode()) as remote:
        create(hris_app, remote, mapping={"Employee_ID": "employee_id", "Hire_Date": "hire_date"})
        failed = run(hris_app)
    assert failed.error == (
        "ReportError: no record could be imported (1 in error): record 1, "
        "hire_date: '01/15/2026' is not a date (YYYY-MM-DD) "
        "(employee 'E1')"
    )


@pytest.mark.parametrize(
    ("config", "errors"),
    [
        (
            {"mapping": {"Worker": "display_name"}},
            [("$.mapping", "no report field is mapped to employee_id")],
        ),
        (
            {
                "mapping": {
                    "Id": "employee_id",
                    "Dept": "departement",
                    "Cost": "attributes.email",
                    "Mail": "email",
                    "Mail2": "email",
                }
            },
            [
                (
                    "$.mapping",
                    "'Dept': 'departement' is not a directory field (one of employee_id, "
                    "display_name, email, aliases, accounts, department, manager, location, "
                    "job_title, hire_date, active, or attributes.<name>)",
                ),
                ("$.mapping", "'Cost': 'attributes.email' is not a custom attribute name"),
                ("$.mapping", "only one report field may be mapped to email"),
            ],
        ),
        ({"auth": "basic", "password": None}, [("$.auth", "auth 'basic' needs password")]),
        ({"url": "ftp://hr.example.com/report"}, [("$.url", "Not a valid URL.")]),
    ],
)
def test_a_bad_configuration_is_refused_field_by_field(
    hris_app: Flask,
    config: dict[str, Any],
    errors: list[tuple[str, str]],
) -> None:
    rt = runtime(hris_app)
    settings = {
        "url": "https://wd2-impl-services1.workday.com" + REPORT_PATH,
        "auth": "basic",
        "username": USER,
        "password": PASSWORD,
        "mapping": WORKDAY_MAPPING,
        **config,
    }
    with pytest.raises(BadRequest) as refused:
        create_connector(
            rt,
            rt.connector_types,
            tenant_id=1,
            name="hr",
            type_name="hris",
            config={k: v for k, v in settings.items() if v is not None},
            schedule="every 1h",
            actor="cli:test",
        )
    assert [(e.path, e.message) for e in refused.value.errors] == errors


def test_the_password_is_a_secret_field(hris_app: Flask) -> None:
    hris = runtime(hris_app).connector_types.get("hris")
    assert (hris.origin, hris.secret_fields()) == ("hris", ["password", "token"])
