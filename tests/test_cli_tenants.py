"""``lrs tenants`` and ``--tenant``: stores made and used from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator

import click
import pytest
from flask.testing import FlaskClient

from lrs.cli import cli
from tests.conftest import basic_auth
from tests.test_cli import created, lrs, ndjson, statement, statements_get

assert lrs  # the fixture, used by name


def test_tenants_create_then_list_shows_ids_names_and_credential_counts(lrs) -> None:  # type: ignore[no-untyped-def]
    result = lrs("tenants", "create", "acme")
    assert result.exit_code == 0, result.output
    assert "Created store 'acme'" in result.output
    assert "lrs credentials create --tenant acme" in result.output
    created(lrs("credentials", "create", "--tenant", "acme", "--name", "a", "--scope", "all",
                "--json"))
    revoked = created(lrs("credentials", "create", "--tenant", "acme", "--name", "b",
                          "--scope", "all", "--json"))
    assert lrs("credentials", "revoke", revoked.key).exit_code == 0
    listing = lrs("tenants", "list")
    assert listing.exit_code == 0, listing.output
    lines = [line.split() for line in listing.output.splitlines()]
    assert lines[0] == ["ID", "NAME", "CREATED", "CREDENTIALS"]
    assert lines[1][:2] == ["1", "default"] and lines[1][3] == "0"
    assert lines[2][1] == "acme" and lines[2][3] == "1"
    assert lines[2][2].endswith("Z")


@pytest.mark.parametrize(("name", "message"), [
    ("acme", "a store named 'acme' already exists"),
    ("ACME", "a store named 'acme' already exists"),
    ("default", "a store named 'default' already exists"),
    ("bad name", "invalid store name 'bad name'"),
    ("-x", "invalid store name"),
    ("x" * 65, "invalid store name"),
])
def test_tenants_create_refuses_duplicate_and_malformed_names(lrs, name: str, message: str) -> None:  # type: ignore[no-untyped-def]
    assert lrs("tenants", "create", "acme").exit_code == 0
    result = lrs("tenants", "create", "--", name)
    assert result.exit_code == 1
    assert message in result.output
    assert len(lrs("tenants", "list").output.splitlines()) == 3


@pytest.mark.parametrize("command", [("credentials", "create"), ("oauth", "clients", "create")])
def test_grants_in_an_unknown_tenant_are_refused(lrs, command: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    result = lrs(*command, "--tenant", "nope", "--name", "x", "--scope", "all")
    assert result.exit_code == 1
    assert "no store named 'nope' (lrs tenants list shows them)" in result.output
    assert "nope" in lrs("credentials", "list", "--tenant", "nope").output


def test_credentials_and_clients_of_a_tenant_list_it_and_work_only_there(
    lrs, client: FlaskClient,  # type: ignore[no-untyped-def]
) -> None:
    assert lrs("tenants", "create", "acme").exit_code == 0
    acme = created(lrs("credentials", "create", "--tenant", "acme", "--name", "acme-lms",
                       "--scope", "all", "--json"))
    home = created(lrs("credentials", "create", "--name", "home-lms", "--scope", "all",
                       "--json"))
    made = lrs("oauth", "clients", "create", "--tenant", "acme", "--name", "acme-job",
               "--scope", "all/read", "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["tenant"] == "acme"
    rows = {line.split()[0]: line.split() for line in
            lrs("credentials", "list").output.splitlines()[1:]}
    assert rows[acme.key][2] == "acme" and rows[home.key][2] == "default"
    only_acme = lrs("credentials", "list", "--tenant", "acme").output
    assert acme.key in only_acme and home.key not in only_acme
    clients = lrs("oauth", "clients", "list", "--tenant", "acme").output.splitlines()
    assert clients[0].split()[:3] == ["CLIENT_ID", "NAME", "TENANT"]
    assert clients[1].split()[1:3] == ["acme-job", "acme"]
    assert lrs("oauth", "clients", "list", "--tenant", "default").output.startswith("No OAuth")

    statement = {"actor": {"mbox": "mailto:a@example.com"}, "verb": {"id": "http://x.org/v"},
                 "object": {"id": "http://x.org/a"}}
    response = client.post("/xapi/statements", json=statement, headers={
        "Authorization": basic_auth(acme), "X-Experience-API-Version": "2.0.0"})
    assert response.status_code == 200
    assert len(statements_get(client, acme).get_json()["statements"]) == 1
    assert statements_get(client, home).get_json()["statements"] == []


def test_statements_import_and_export_move_one_stores_statements(  # type: ignore[no-untyped-def]
    lrs, tmp_path, client: FlaskClient,
) -> None:
    assert lrs("tenants", "create", "acme").exit_code == 0
    acme = created(lrs("credentials", "create", "--tenant", "acme", "--name", "a",
                       "--scope", "all", "--json"))
    home = created(lrs("credentials", "create", "--name", "h", "--scope", "all", "--json"))
    source = tmp_path / "in.ndjson"
    source.write_text(ndjson(statement(1), statement(2)))
    result = lrs("statements", "import", "--tenant", "acme", str(source))
    assert result.exit_code == 0, result.output
    assert len(statements_get(client, acme).get_json()["statements"]) == 2
    assert statements_get(client, home).get_json()["statements"] == []
    out = tmp_path / "out.ndjson"
    assert lrs("statements", "export", "--tenant", "acme", str(out)).exit_code == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [
        statement(1)["id"], statement(2)["id"]]
    home_export = lrs("statements", "export")
    assert home_export.exit_code == 0 and home_export.stdout == ""
    assert "no store named 'nope'" in lrs("statements", "export", "--tenant", "nope").output


def _commands(group: click.Group, path: tuple[str, ...] = ()
              ) -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        yield " ".join((*path, name)), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_every_tenant_option_takes_the_store_name() -> None:
    """One meaning of --tenant everywhere, core's and plugins' commands alike: the name."""
    options = {path: param for path, command in _commands(cli) for param in command.params
               if "--tenant" in getattr(param, "opts", ())}
    assert {"audit export", "audit report", "metrics show", "statements import",
            "credentials list"} <= options.keys()
    for path, option in options.items():
        assert option.type is click.STRING and option.metavar == "NAME", path
        assert not isinstance(option.default, int), path  # the default store, not a number
