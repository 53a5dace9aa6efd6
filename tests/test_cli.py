"""The ``lrs`` command, through click's runner, against each test database."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect

from lrs.cli import cli
from lrs.store.credentials import IssuedCredential
from tests.conftest import INSTALLED_PLUGINS, TEST_SECRET_KEY, basic_auth


@pytest.fixture
def lrs(database_url: str):  # type: ignore[no-untyped-def]
    """Run ``lrs ARGS...`` on the test database with the test secret key."""
    runner = CliRunner(env={"LRS_SECRET_KEY": TEST_SECRET_KEY, "LRS_AUTO_MIGRATE": "false",
                            "LRS_DISABLED_PLUGINS": INSTALLED_PLUGINS})

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, ["--database", database_url, *args], input=input)

    return run


def created(result: Result) -> IssuedCredential:
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    return IssuedCredential(data["key"], data["secret"], data["name"], data["scopes"],
                            data["authority"])


def statements_get(client: FlaskClient, credential: IssuedCredential) -> Any:
    return client.get(
        "/xapi/statements",
        headers={"Authorization": basic_auth(credential), "X-Experience-API-Version": "2.0.0"},
    )


def statement(number: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.UUID(int=number)),
        "actor": {"mbox": f"mailto:learner{number}@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": f"http://example.com/activities/{number}"},
        **extra,
    }


def ndjson(*statements: dict[str, Any]) -> str:
    return "".join(json.dumps(s) + "\n" for s in statements)


def test_lrs_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "db", "credentials", "statements"):
        assert re.search(rf"^\s+{command}\s", result.output, re.MULTILINE), command


@pytest.mark.parametrize(
    "command",
    [["serve"], ["db", "upgrade"], ["db", "revision"], ["credentials", "create"],
     ["credentials", "list"], ["credentials", "revoke"], ["statements", "import"],
     ["statements", "export"], ["tenants", "create"], ["tenants", "list"],
     ["people", "erase"]],
)
def test_each_command_help_shows_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"lrs {' '.join(command)}" in result.output


def test_credentials_create_prints_a_working_key_and_secret_once(lrs, client) -> None:  # type: ignore[no-untyped-def]
    result = lrs("credentials", "create", "--name", "my-lms", "--scope", "all")
    assert result.exit_code == 0, result.output
    key = re.search(r"key:\s+(\S+)", result.output).group(1)  # type: ignore[union-attr]
    secret = re.search(r"secret:\s+(\S+)", result.output).group(1)  # type: ignore[union-attr]
    assert f"curl -u {key}:{secret}" in result.output
    credential = IssuedCredential(key, secret, "my-lms", ["all"], {})
    assert statements_get(client, credential).status_code == 200


def test_credentials_create_json_with_authority(lrs) -> None:  # type: ignore[no-untyped-def]
    agent = {"objectType": "Agent", "name": "Quiz", "mbox": "mailto:quiz@example.com"}
    credential = created(lrs("credentials", "create", "--name", "quiz", "--scope",
                             "statements/write", "--scope", "state", "--authority",
                             json.dumps(agent), "--json"))
    assert credential.scopes == ["statements/write", "state"]
    assert credential.authority == agent


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scope", "everything"], "unknown scope(s) everything; valid scopes: all, "),
        (["--scope", "all", "--authority", "{not json"], "not JSON"),
        (["--scope", "all", "--authority", '{"name": "no identifier"}'], "--authority"),
    ],
)
def test_credentials_create_refuses_bad_options(lrs, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = lrs("credentials", "create", "--name", "x", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "No credentials" in lrs("credentials", "list").output


def test_credentials_list_shows_keys_and_never_secrets(lrs) -> None:  # type: ignore[no-untyped-def]
    first = created(lrs("credentials", "create", "--name", "lms", "--scope", "all", "--json"))
    second = created(lrs("credentials", "create", "--name", "reports", "--scope", "all/read",
                         "--json"))
    result = lrs("credentials", "list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["KEY", "NAME", "TENANT", "SCOPES", "CREATED", "REVOKED"]
    assert lines[1].split()[:4] == [first.key, "lms", "default", "all"]
    assert lines[2].split()[:4] == [second.key, "reports", "default", "all/read"]
    assert first.secret not in result.output and second.secret not in result.output


def test_credentials_revoke_refuses_later_requests(lrs, client) -> None:  # type: ignore[no-untyped-def]
    credential = created(lrs("credentials", "create", "--name", "lms", "--scope", "all",
                             "--json"))
    result = lrs("credentials", "revoke", credential.key)
    assert result.exit_code == 0, result.output
    assert statements_get(client, credential).status_code == 401
    row = lrs("credentials", "list").output.splitlines()[1].split()
    assert row[0] == credential.key and re.fullmatch(r"\d{4}-\d\d-\d\dT.*Z", row[-1])


def test_credentials_revoke_unknown_key_fails(lrs) -> None:  # type: ignore[no-untyped-def]
    result = lrs("credentials", "revoke", "no-such-key")
    assert result.exit_code == 1
    assert "no active credential with key 'no-such-key'" in result.output


def test_bad_setting_is_reported_with_its_variable(database_url: str) -> None:
    result = CliRunner(env={"LRS_PAGE_SIZE": "ten"}).invoke(
        cli, ["--database", database_url, "credentials", "list"]
    )
    assert result.exit_code == 1
    assert "Error: LRS_PAGE_SIZE must be an integer, got 'ten'" in result.output


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    result = CliRunner(env={"LRS_AUTO_MIGRATE": "false"}).invoke(
        cli, ["--database", url, "db", "upgrade"]
    )
    assert result.exit_code == 0, result.output
    assert "is up to date" in result.output
    engine = create_engine(url)
    assert {"statements", "credentials", "documents"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_statements_import_then_export_round_trip(lrs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "in.ndjson"
    source.write_text(ndjson(*(statement(n) for n in range(1, 8))) + "\n")
    result = lrs("statements", "import", str(source), "--batch-size", "3")
    assert result.exit_code == 0, result.output
    assert "Imported 7 new statement(s), 0 already stored." in result.stdout

    target = tmp_path / "out.ndjson"
    result = lrs("statements", "export", str(target))
    assert result.exit_code == 0, result.output
    exported = [json.loads(line) for line in target.read_text().splitlines()]
    assert [s["id"] for s in exported] == [statement(n)["id"] for n in range(1, 8)]
    assert exported[0]["authority"]["account"]["homePage"] == "urn:weft:cli"
    assert {"stored", "timestamp", "version"} <= exported[0].keys()

    again = lrs("statements", "import", str(target))
    assert again.exit_code == 0, again.output
    assert "Imported 0 new statement(s), 7 already stored." in again.stdout


def test_statements_import_counts_new_and_already_stored(lrs, client, credential) -> None:  # type: ignore[no-untyped-def]
    assert lrs("statements", "import", "-", input=ndjson(statement(1), statement(2))).exit_code == 0
    result = lrs("statements", "import", "-", "--batch-size", "2",
                 input=ndjson(statement(2), statement(3), statement(1)))
    assert result.exit_code == 0, result.output
    assert "Imported 1 new statement(s), 2 already stored." in result.stdout
    stored = statements_get(client, credential).get_json()["statements"]
    assert sorted(s["id"] for s in stored) == sorted(statement(n)["id"] for n in (1, 2, 3))


def test_statements_import_reads_stdin_and_export_writes_stdout(lrs) -> None:  # type: ignore[no-untyped-def]
    result = lrs("statements", "import", "-", input=ndjson(statement(1), statement(2)))
    assert result.exit_code == 0, result.output
    result = lrs("statements", "export")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [statement(1)["id"], statement(2)["id"]]
    assert "Exported 2 statement(s)." in result.stderr


def test_statements_import_stops_at_a_bad_batch_with_line_numbers(lrs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = [ndjson(statement(1)), ndjson(statement(2)), ndjson(statement(3)),
             "{broken\n", ndjson({**statement(5), "verb": {"id": "not an iri"}}),
             ndjson(statement(6))]
    source = tmp_path / "bad.ndjson"
    source.write_text("".join(lines))
    result = lrs("statements", "import", str(source), "--batch-size", "3")
    assert result.exit_code == 1
    assert "line 4: not JSON" in result.stderr
    assert "line 5:" in result.stderr and "verb" in result.stderr
    assert "Nothing of lines 4-6 was imported; 3 statement(s) before them were." in result.stderr
    exported = [json.loads(line)["id"] for line in lrs("statements", "export").stdout.splitlines()]
    assert exported == [statement(n)["id"] for n in (1, 2, 3)]


def test_statements_import_refuses_numbers_that_overflow(lrs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ext = {"http://example.com/ext": 0}
    line = ndjson({**statement(1), "result": {"extensions": ext}}).replace(": 0}", ": 1e400}")
    source = tmp_path / "inf.ndjson"
    source.write_text(line)
    result = lrs("statements", "import", str(source))
    assert result.exit_code == 1
    assert "line 1:" in result.stderr and "must be finite" in result.stderr
    assert lrs("statements", "export").stdout == ""


def test_statements_import_reports_a_conflict_by_line(lrs) -> None:  # type: ignore[no-untyped-def]
    assert lrs("statements", "import", "-", input=ndjson(statement(1))).exit_code == 0
    changed = {**statement(1), "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    result = lrs("statements", "import", "-", input="\n" + ndjson(statement(2), changed))
    assert result.exit_code == 1
    assert "line 3: already stored with different content" in result.stderr
    exported = lrs("statements", "export").stdout.splitlines()
    assert [json.loads(line)["id"] for line in exported] == [statement(1)["id"]]


def test_statements_export_includes_voided_statements(lrs) -> None:  # type: ignore[no-untyped-def]
    voiding = statement(2, verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                        object={"objectType": "StatementRef", "id": statement(1)["id"]})
    assert lrs("statements", "import", "-", input=ndjson(statement(1))).exit_code == 0
    assert lrs("statements", "import", "-", input=ndjson(voiding)).exit_code == 0
    exported = [json.loads(line) for line in lrs("statements", "export").stdout.splitlines()]
    assert [s["id"] for s in exported] == [statement(1)["id"], statement(2)["id"]]


def test_statements_export_since_and_until(lrs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert lrs("statements", "import", "-", input=ndjson(statement(1))).exit_code == 0
    [first] = [json.loads(line) for line in lrs("statements", "export").stdout.splitlines()]
    time.sleep(0.002)  # "stored" has millisecond precision
    assert lrs("statements", "import", "-", input=ndjson(statement(2))).exit_code == 0

    after = lrs("statements", "export", "--since", first["stored"]).stdout.splitlines()
    upto = lrs("statements", "export", "--until", first["stored"]).stdout.splitlines()
    assert [json.loads(line)["id"] for line in after] == [statement(2)["id"]]
    assert [json.loads(line)["id"] for line in upto] == [statement(1)["id"]]
    bad = lrs("statements", "export", "--since", "yesterday")
    assert bad.exit_code == 2 and "not an ISO 8601 timestamp" in bad.output
