"""What every ``lrs`` command shares: settings, the runtime, who is acting, tables.

Kept apart from :mod:`lrs.cli` so that the command modules (:mod:`lrs.cli.statements`,
:mod:`lrs.cli.plugins`) use it without importing each other.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lrs.cli.params import AGENT
from lrs.models.types import iso_time
from lrs.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from lrs.models import Credential
    from lrs.runtime import Role, Runtime


@dataclass
class Cli:
    """Settings built once, the runtime built once, engines disposed at exit."""

    database_url: str | None
    ctx: click.Context
    _settings: Settings | None = field(default=None, init=False)
    _runtime: Runtime | None = field(default=None, init=False)

    def settings(self, **overrides: Any) -> Settings:
        if self._settings is None or overrides:
            if self.database_url:
                overrides.setdefault("database_url", self.database_url)
            self._settings = Settings.from_env(**overrides)
        return self._settings

    def runtime(self, *, migrate: bool | None = None, role: Role = "command") -> Runtime:
        """The application's runtime: its plugins, database and outbox, as the server has them.

        Built by ``create_app``, so a command loads the same plugins and, when
        ``LRS_AUTO_MIGRATE`` (or ``migrate``) says so, upgrades core and every
        plugin branch alike. It is not a server (``role``: ``"command"``, or
        ``"worker"`` for ``lrs worker``): it records no configuration (the
        deployment's is the server's), and the events a command announces wait
        in the outbox for a server's thread or ``lrs worker``.
        """
        if self._runtime is None:
            from lrs.app import create_app

            overrides: dict[str, Any] = {}
            if migrate is not None:
                overrides["auto_migrate"] = migrate
            self._runtime = create_app(self.settings(**overrides), role=role).extensions["lrs"]
            self.ctx.call_on_close(self._runtime.db.engine.dispose)
        return self._runtime

    def tenant_id(self, name: str | None) -> int:
        """The id of the store ``--tenant NAME`` names (the default store for ``None``).

        :raises NotFound: no store has this name (shown as a one-line error).
        """
        return self.runtime().tenant_id(name)


def echo_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print left-aligned columns as wide as their widest cell, header first."""
    lines = [tuple(header), *rows]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    for line in lines:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())


def echo_records(records: Sequence[Mapping[str, Any]], columns: Sequence[str], *,
                 as_json: bool, empty: str) -> None:
    """A ``list`` command's output: every record as a JSON array with ``--json``, else a
    table of ``columns`` (headed by their upper-cased names; lists joined by commas), or
    ``empty`` when there is nothing."""
    if as_json:
        click.echo(json.dumps(list(records)))
    elif not records:
        click.echo(empty)
    else:
        echo_table([c.upper() for c in columns],
                   [[", ".join(v) if isinstance(v, list) else v
                     for v in (record[c] for c in columns)] for record in records])


def progress_bar(items: Iterable[Any] | None, length: int | None, label: str) -> Any:
    """A progress bar on stderr, so that it never mixes with a command's output or data."""
    return click.progressbar(items, length=length, label=label, file=sys.stderr,
                             show_pos=True)


def tenant_option(help: str) -> Callable[[F], F]:
    """``--tenant NAME``: the store a command acts in or lists (see ``lrs tenants``)."""
    return click.option("--tenant", metavar="NAME", help=help)


def grant_options(holder: str) -> Callable[[F], F]:
    """``--name``, ``--scope``, ``--authority``, ``--tenant`` and ``--json``: what every
    grant of API access asks for, whether a Basic credential or an OAuth client
    (``holder`` names its key in the help, e.g. ``"key"`` or ``"client_id"``)."""
    options = (
        click.option("--name", required=True,
                     help="Who uses it (shown by 'list' and in authority)."),
        click.option("--scope", "scopes", multiple=True, required=True, metavar="SCOPE",
                     callback=_known_scopes,
                     help="Scope it may use, xAPI or a plugin's (see 'lrs scopes list'); "
                          "repeat for several."),
        click.option("--authority", type=AGENT,
                     help=f"Agent set as statements' authority [default: an account named "
                          f"after the {holder}]."),
        tenant_option("Store (tenant) whose data it reads and writes [default: the "
                      "default store]."),
        click.option("--json", "as_json", is_flag=True, help="Print it as one JSON object."),
    )

    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def _known_scopes(ctx: click.Context, param: click.Parameter,
                  scopes: tuple[str, ...]) -> tuple[str, ...]:
    """Refuse scopes the application does not know, listing those it does (usage error)."""
    from lrs.xapi.errors import BadRequest

    try:
        ctx.find_root().obj.runtime().scopes.check(scopes)
    except BadRequest as exc:
        raise click.BadParameter(exc.message, ctx, param) from None
    return scopes


def echo_grants(
    cli: Cli, tenant: str | None, lister: Callable[[Session, int | None], Sequence[Credential]],
    *, key_title: str, none_yet: str,
) -> None:
    """Print the credentials (or OAuth clients) ``lister`` returns as a table.

    :param tenant: only this store's (``--tenant``), else every store's.
    :param key_title: heading of the key column, e.g. ``"KEY"`` or ``"CLIENT_ID"``.
    :param none_yet: what to print instead of an empty table.
    """
    from lrs.store.tenants import tenant_names

    tenant_id = cli.tenant_id(tenant) if tenant else None
    with cli.runtime().db.read() as session:
        names = tenant_names(session)
        rows = [(c.key, c.name, names[c.tenant_id], c.scopes, iso_time(c.created_us),
                 iso_time(c.revoked_us)) for c in lister(session, tenant_id)]
    if not rows:
        click.echo(none_yet)
        return
    echo_table((key_title, "NAME", "TENANT", "SCOPES", "CREATED", "REVOKED"), rows)
