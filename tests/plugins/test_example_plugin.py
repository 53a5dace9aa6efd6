"""The example plugin package, discovered through its entry point as if pip-installed.

Its tests use :mod:`lrs.plugin.testing`'s fixtures, as a plugin author's would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import inspect, select

from lrs.cli import cli
from lrs.cli.plugins import add_plugin_commands
from lrs.plugin.connectors import ConnectorConfigError, SyncRun
from lrs.plugin.testing import AUTHORITY, ApiCredential, statement
from lrs.services import admin
from lrs.xapi.errors import InvalidStatement
from tests.conftest import TEST_SECRET_KEY
from tests.plugins.conftest import runtime

EXAMPLE = Path(__file__).parent / "example_plugin"
FORBIDDEN = "https://example.com/verbs/forbidden"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ATTENDED = "http://adlnet.gov/expapi/verbs/attended"
METRIC = "/api/metrics/example.completions_per_activity"
COURSE, QUIZ = "https://example.com/courses/one", "https://example.com/quizzes/two"


@pytest.fixture
def example_installed(install_distribution: Callable[..., Path]) -> None:
    install_distribution("weft-example-plugin", {"example": "weft_example"}, path=EXAMPLE)


@pytest.fixture
def example_app(example_installed: None, lrs_make_app: Callable[..., Flask],
                fresh_database_url: str) -> Flask:
    return lrs_make_app(installed=["example"], database_url=fresh_database_url)


def test_example_plugin_is_loaded_from_its_entry_point(example_app: Flask) -> None:
    [info] = [p for p in runtime(example_app).plugins.list_plugins() if p.name == "example"]
    assert info.distribution == "weft-example-plugin 0.1.0"
    assert info.hooks == ("check_statements", "erase_person", "register_blueprints",
                          "register_commands", "register_connector_types", "register_metrics",
                          "register_migrations", "register_scopes", "statements_stored")


def test_example_plugin_migration_branch_creates_its_table_beside_core(example_app: Flask) -> None:
    tables = inspect(runtime(example_app).db.engine).get_table_names()
    assert {"example_seen_statements", "statements", "outbox_events"} <= set(tables)


def test_example_plugin_refuses_its_forbidden_verb(example_app: Flask) -> None:
    with pytest.raises(InvalidStatement, match=r"\$\[0\]\.verb\.id"):
        runtime(example_app).host.ingest(1, [statement(verb=FORBIDDEN)], authority=AUTHORITY)


def test_example_plugin_serves_verb_counts_behind_its_own_scope(
    example_app: Flask, lrs_make_credential: Callable[..., ApiCredential],
    lrs_deliver: Callable[..., int],
) -> None:
    runtime(example_app).host.ingest(
        1, [statement(verb=COMPLETED), statement(verb=COMPLETED), statement()],
        authority=AUTHORITY)
    lrs_deliver(example_app)
    client = example_app.test_client()
    reader = lrs_make_credential("example/read", app=example_app)
    response = client.get("/plugins/example/verbs", headers=reader.headers)
    assert response.get_json() == {COMPLETED: 2, "http://adlnet.gov/expapi/verbs/experienced": 1}
    for scope in ("all", "statements/read"):
        other = lrs_make_credential(scope, app=example_app)
        assert client.get("/plugins/example/verbs", headers=other.headers).status_code == 403


def completions(app: Flask, lrs_make_credential: Callable[..., ApiCredential],
                **query: str) -> Any:
    reader = lrs_make_credential("metrics/read", app=app)
    return app.test_client().get(METRIC, query_string=query, headers=reader.headers)


def test_example_metric_counts_completions_per_activity_through_the_host(
    example_app: Flask, lrs_make_credential: Callable[..., ApiCredential],
) -> None:
    runtime(example_app).host.ingest(1, [
        statement(COMPLETED, activity=COURSE), statement(COMPLETED, activity=QUIZ),
        statement(COMPLETED, "mailto:bo@example.com", activity=QUIZ),
        statement(ATTENDED, activity=COURSE),
    ], authority=AUTHORITY)
    body = completions(example_app, lrs_make_credential).get_json()
    assert body["kind"] == "series" and body["unit"] == "count"
    assert body["series"] == [{"label": QUIZ, "value": 2}, {"label": COURSE, "value": 1}]
    only = completions(example_app, lrs_make_credential, activity=COURSE).get_json()
    assert only["series"] == [{"label": COURSE, "value": 1}]
    assert only["filters"] == {"activity": COURSE}
    future = completions(example_app, lrs_make_credential, since="2999-01-01").get_json()
    assert future["series"] == [] and future["since"] == "2999-01-01T00:00:00+00:00"


def test_example_metric_refuses_an_unknown_filter(
    example_app: Flask, lrs_make_credential: Callable[..., ApiCredential],
) -> None:
    response = completions(example_app, lrs_make_credential, cohort="pilot")
    assert response.status_code == 400
    assert response.get_json()["message"] == (
        "metric 'example.completions_per_activity' has no filter cohort (accepted: activity)")


def test_example_connector_type_is_discovered_and_syncs_idempotently(
    example_app: Flask,
) -> None:
    rt = runtime(example_app)
    roster = rt.connector_types.get("example.roster")
    assert roster is not None and roster.origin == "example"
    connector = roster.configure(rt.host, {"session": COURSE,
                                           "learners": ["ada@example.com", "bo@example.com"]})
    summary = connector.sync(SyncRun(tenant_id=1))
    assert (summary.fetched, summary.stored) == (2, 2)
    connector.sync(SyncRun(tenant_id=1))  # fixed ids: the second sync stores nothing new
    assert len(list(rt.host.query_statements(1, verb=ATTENDED))) == 2


@pytest.mark.parametrize(("config", "errors"), [
    ({"learners": ["ada@example.com"]}, {"$.session": "Missing data for required field."}),
    ({"session": "not a url", "learners": ["nobody"]},
     {"$.session": "Not a valid URL.", "$.learners[0]": "Not a valid email address."}),
    ({"session": COURSE, "learners": ["ada@example.com"], "colour": "red"},
     {"$.colour": "Unknown field."}),
])
def test_example_connector_config_schema_refuses_bad_configuration_naming_each_field(
    example_app: Flask, config: dict[str, Any], errors: dict[str, str],
) -> None:
    roster = runtime(example_app).connector_types.get("example.roster")
    assert roster is not None
    with pytest.raises(ConnectorConfigError) as refused:
        roster.configure(runtime(example_app).host, config)
    assert {e.path: e.message for e in refused.value.errors} == errors
    assert refused.value.message.startswith("connector type 'example.roster': invalid "
                                            "configuration: $.")


def test_erasing_a_person_erases_what_the_example_plugin_saw_of_them(
    example_app: Flask, lrs_deliver: Callable[..., int],
) -> None:
    from weft_example.models import SeenStatement  # importable once installed

    ada, bob = {"mbox": "mailto:ada@example.com"}, {"mbox": "mailto:bob@example.com"}
    host = runtime(example_app).host
    statements = [statement(mbox=ada["mbox"]), statement(mbox=ada["mbox"]),
                  statement(mbox=bob["mbox"])]
    host.ingest(1, statements, authority=AUTHORITY)
    lrs_deliver(example_app)

    def seen() -> set[str]:
        with host.read() as session:
            return set(session.scalars(select(SeenStatement.statement_id)))

    erase = partial(admin.erase_person, runtime(example_app), actor="cli:test", agent=ada)
    assert erase(dry_run=True)["example.seen_statements"] == 2
    assert len(seen()) == 3
    assert erase()["example.seen_statements"] == 2
    assert seen() == {statements[2]["id"]}


@pytest.fixture
def lrs_result(example_installed: None, fresh_database_url: str) -> Callable[..., Result]:
    """Run ``lrs ARGS`` with the example plugin installed (the audit plugin left out)."""
    runner = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY, "LRS_AUTO_MIGRATE": "true",
                            "LRS_DISABLED_PLUGINS": "audit"})

    def run(*args: str) -> Result:
        group = type(cli)("lrs", commands=cli.commands, params=cli.params,
                          callback=cli.callback)
        add_plugin_commands(group, environ={"LRS_DISABLED_PLUGINS": "audit"})
        return runner.invoke(group, ["--database", fresh_database_url, *args])

    return run


@pytest.fixture
def lrs_command(lrs_result: Callable[..., Result]) -> Callable[..., str]:
    """The output of a successful ``lrs ARGS``, table columns two spaces apart."""

    def run(*args: str) -> str:
        result = lrs_result(*args)
        assert result.exit_code == 0, result.output
        return re.sub(r"  +", "  ", result.output)

    return run


def test_example_plugin_contributions_are_listed_by_lrs(lrs_command: Callable[..., str]) -> None:
    assert "example/read  example  Read the example plugin's verb counts." in lrs_command(
        "scopes", "list")
    assert "example.completions_per_activity  example  count  series  activity" in lrs_command(
        "metrics", "list")
    types = lrs_command("connectors", "types")
    assert "example.roster  example  session*, learners*  Marks" in types


def test_credentials_can_be_granted_the_example_scope_on_the_command_line(
    lrs_command: Callable[..., str], lrs_result: Callable[..., Result],
) -> None:
    created = json.loads(lrs_command("credentials", "create", "--name", "hr", "--scope",
                                     "example/read", "--json"))
    assert created["scopes"] == ["example/read"]
    refused = lrs_result("credentials", "create", "--name", "hr", "--scope", "example/write")
    assert refused.exit_code == 2
    assert "unknown scope(s) example/write; valid scopes: all," in refused.output
    assert "notifications/write, example/read" in refused.output


def test_lrs_metrics_show_computes_the_example_metric(
    lrs_command: Callable[..., str], lrs_result: Callable[..., Result],
) -> None:
    shown = json.loads(lrs_command("metrics", "show", "example.completions_per_activity",
                                   "--since", "2020-01-01", "--filter", f"activity={COURSE}",
                                   "--json"))
    assert (shown["series"], shown["since"]) == ([], "2020-01-01T00:00:00+00:00")
    assert lrs_command("metrics", "show", "example.completions_per_activity") == (
        "LABEL  VALUE (count)\n")
    for args, message in [(["--since", "soon"], "since must be an ISO 8601 date"),
                          (["--filter", "cohort=pilot"], "has no filter cohort"),
                          (["--filter", "cohort"], "use KEY=VALUE")]:
        result = lrs_result("metrics", "show", "example.completions_per_activity", *args)
        assert result.exit_code == 2 and message in result.output
    unknown = lrs_result("metrics", "show", "nothing")
    assert unknown.exit_code == 2
    assert "no metric 'nothing' (known: " in unknown.output
    assert "example.completions_per_activity" in unknown.output


def test_lrs_metrics_show_takes_the_store_by_name(
    lrs_command: Callable[..., str], lrs_result: Callable[..., Result],
) -> None:
    lrs_command("tenants", "create", "acme")
    for store in ("acme", "default"):
        assert lrs_command("metrics", "show", "example.completions_per_activity",
                           "--tenant", store) == "LABEL  VALUE (count)\n"
    by_id = lrs_result("metrics", "show", "example.completions_per_activity", "--tenant", "2")
    assert (by_id.exit_code, by_id.output) == (1, (
        "Error: no store named '2' (stores are named, not numbered; lrs tenants list shows "
        "them)\n"))


def test_lrs_people_erase_shows_the_example_plugin_s_count_beside_weft_s(
    lrs_command: Callable[..., str],
) -> None:
    shown = lrs_command("people", "erase", "--agent", '{"mbox": "mailto:ada@example.com"}',
                        "--dry-run")
    assert "statements deleted  0\n" in shown
    # Weft's own counts, then the installed plugins' (attendance...), the example's last
    assert "attachments  0\npeople directory entries  0\n" in shown
    assert "attendance: outcomes  0\n" in shown and "kpi: daily  0\n" in shown
    assert shown.endswith("attendance: reviews  0\nexample: seen statements  0\n")


def test_example_command_reaches_the_host_with_current_host(
    lrs_command: Callable[..., str],
) -> None:
    assert lrs_command("example-verbs") == "0\n"


def test_example_plugin_adds_its_command(example_installed: None) -> None:
    group = click.Group("lrs")
    add_plugin_commands(group, environ={})
    result = CliRunner().invoke(group, ["example-forbidden-verb"])
    assert (result.exit_code, result.output) == (0, FORBIDDEN + "\n")
    assert {"worker", "outbox", "plugins"} <= set(group.commands)


def test_disabled_example_plugin_adds_no_command(example_installed: None) -> None:
    group = click.Group("lrs")
    add_plugin_commands(group, environ={"LRS_DISABLED_PLUGINS": "example"})
    assert "example-forbidden-verb" not in group.commands
