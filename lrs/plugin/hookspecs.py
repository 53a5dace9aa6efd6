"""The hooks Weft calls, and the marker plugins decorate their implementations with.

A plugin is a module (or object) with functions named after these specs and
decorated with :data:`hookimpl`::

    from lrs.plugin.hookspecs import hookimpl

    @hookimpl
    def statements_stored(host, event, statements):
        ...

Names say when a hook runs: ``register_*`` contributes something at start-up,
a past tense (``statements_stored``) is a fact announced after the commit,
``check_*`` / ``resolve_*`` ask a question before Weft acts, and an imperative
(``erase_person``) asks plugins to act inside Weft's own transaction. Every
argument is passed by keyword, and an implementation may accept only the
arguments it uses, so new arguments can be added without breaking plugins. The
statement path is batch-shaped: one call per request, never one per statement.

``docs/plugin_hooks.md`` documents each hook with an example;
``tests/plugins/test_hooks_documented.py`` fails when a spec is missing there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from lrs.auth.scopes import Scope
from lrs.xapi.errors import ErrorDetail

if TYPE_CHECKING:
    from pathlib import Path

    import click
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from lrs.plugin.connectors import ConnectorType
    from lrs.plugin.events import (
        AdminActionTaken,
        DocumentsChanged,
        NotificationRaised,
        StatementsStored,
    )
    from lrs.plugin.host import AdminPage, Host, Person, StoredStatement
    from lrs.plugin.metrics import Metric

__all__ = ["ErrorDetail", "Scope", "hookimpl", "hookspec"]

#: Marks the specs below; the project name of every Weft hook is ``"lrs"``.
hookspec = pluggy.HookspecMarker("lrs")
#: Decorate plugin functions with this (``@hookimpl``, ``@hookimpl(tryfirst=True)``).
hookimpl = pluggy.HookimplMarker("lrs")


@hookspec
def check_statements(
    host: Host,
    tenant_id: int,
    statements: list[dict[str, Any]],
    version: str,
    credential_id: int | None,
) -> list[ErrorDetail] | None:
    """Refuse a batch that breaks a rule of yours (an xAPI Profile, a house rule).

    Called for every batch about to be stored, after xAPI validation and before
    the write transaction opens, whether the batch came over HTTP or from
    :meth:`~lrs.plugin.host.Host.ingest`. Every implementation is called (not
    firstresult) and the problems of all of them are combined: if there is any,
    the whole batch is refused with ``400 invalid_statement`` listing them, and
    nothing is stored.

    :param host: the :class:`~lrs.plugin.host.Host` of this application.
    :param tenant_id: tenant the batch is stored in.
    :param statements: the validated statements, in request order. Statements
        without an ``id`` do not have one yet; ``stored`` and ``authority`` are
        not set yet. Do not modify them.
    :param version: xAPI version of the request, ``"1.0.3"`` or ``"2.0.0"``.
    :param credential_id: credential sending the batch; ``None`` when a plugin
        derives the statements.
    :returns: the problems found, each an :class:`~lrs.xapi.errors.ErrorDetail`
        (re-exported here) whose ``path`` points into the batch, such as
        ``"$[2].context.registration"``; an empty list or ``None`` when the
        batch is acceptable. An exception is logged with the plugin's name and
        fails the request with 500, so that a broken check never lets
        statements through.

    .. versionadded:: 0.1
    """


@hookspec
def statements_stored(
    host: Host, event: StatementsStored, statements: list[StoredStatement],
    statements_json: list[str],
) -> None:
    """React to a committed batch of statements (audit, attendance, KPI, push to an LMS).

    Called after the commit, from the durable outbox: by a background thread of
    the server when ``LRS_OUTBOX_INLINE`` is true, else by ``lrs worker``. Each
    plugin is called separately; when one raises, the error is logged with its
    name, the other plugins are unaffected, and that plugin alone gets the
    event again later (exponential backoff, then the dead-letter list after
    ``LRS_OUTBOX_MAX_ATTEMPTS``, from which ``lrs outbox replay`` redelivers).
    Delivery is at least once: make the implementation idempotent, keyed on
    statement ids. Nothing a plugin does here can lose or delay a statement.

    :param host: the :class:`~lrs.plugin.host.Host` of this application.
    :param event: the :class:`~lrs.plugin.events.StatementsStored` fact: tenant, ids,
        the credential that sent them (``credential_id``, ``credential_key``, its
        public key) and ``source``, where the batch came from (an HTTP request's
        ``ip``, ``request_id``, ``user_agent``; an ``lrs`` command's ``cli``;
        ``Host.ingest``'s ``plugin``), ``None`` when unknown.
    :param statements: the stored statements of the batch as clients read
        them back (with ``id``, ``stored``, ``authority``), in request order,
        voided ones included. Each is a dict, a :class:`~lrs.plugin.host.StoredStatement`
        whose ``json`` is its text as stored: hash or forward that rather than
        encoding the dict again.
    :param statements_json: the same statements, in the same order, as the
        JSON text the database holds. Parsing a statement of 1 KB into dicts
        costs 10 to 20 µs; a plugin that accepts ``statements_json`` and not
        ``statements`` is spared it, and can hash or forward the text, or decode
        only the fields it needs (``msgspec.json.Decoder`` with a ``Struct``,
        about 1.5 µs).
    :returns: nothing; the return value is ignored.

    .. versionadded:: 0.1
    """


@hookspec
def documents_changed(host: Host, event: DocumentsChanged) -> None:
    """React to state or profile documents that were stored or deleted.

    Called after the commit from the durable outbox, per plugin in isolation and
    at least once, exactly like :func:`statements_stored`.

    :param host: the :class:`~lrs.plugin.host.Host` of this application.
    :param event: the :class:`~lrs.plugin.events.DocumentsChanged` fact: tenant, kind,
        action and operation, coordinates, document ids with their ETags before
        and after, the credential that made the change and ``source``, the
        request it came from (``ip``, ``request_id``, ``user_agent``). Read the content
        with :meth:`~lrs.plugin.host.Host.read` if you need it; it may have changed since.
    :returns: nothing; the return value is ignored.

    .. versionadded:: 0.1
    """


@hookspec
def admin_action_taken(host: Host, event: AdminActionTaken) -> None:
    """Record or react to an administrative change (the compliance audit trail).

    Called after the commit from the durable outbox, per plugin in isolation and
    at least once, exactly like :func:`statements_stored`. Credential creation
    and revocation arrive here too, as ``credential.created`` /
    ``credential.revoked`` actions, ``lrs statements export`` as
    ``statements.exported``, and the erasure of a person as ``person.erased``
    (target ``person:sha256:<hex>``, never the person's identifier).

    :param host: the :class:`~lrs.plugin.host.Host` of this application.
    :param event: the :class:`~lrs.plugin.events.AdminActionTaken` fact: who did what
        to which target, and when, and ``source``, from where (an ``lrs``
        command's ``{"cli": "<os user>@<host>"}``).
    :returns: nothing; the return value is ignored.

    .. versionadded:: 0.1
    """


@hookspec
def notification_raised(host: Host, event: NotificationRaised) -> None:
    """Deliver a notification through your channel (a webhook, a chat, a pager).

    Called after the commit of the transaction that raised it
    (:meth:`~lrs.plugin.host.Host.notify`), from the durable outbox, per plugin
    in isolation and at least once, exactly like :func:`statements_stored`: a
    raise is retried with backoff. Core's email channel is one implementation.
    Work that talks to a remote system belongs in a connector's run: queue it
    with :meth:`~lrs.plugin.host.Host.queue_notification`, then read it back
    with :meth:`~lrs.plugin.host.Host.notifications_owed` (the ``webhook``
    connector type does so).

    :param host: the :class:`~lrs.plugin.host.Host` of this application.
    :param event: the :class:`~lrs.plugin.events.NotificationRaised` fact: topic,
        subject, text, data, audience and the idempotency key ``uid``.
    :returns: nothing; the return value is ignored.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def resolve_person(host: Host, tenant_id: int, agent: dict[str, Any]) -> Person | None:
    """Say which person an xAPI agent is (HRIS identity matching).

    Called when core or a plugin asks :meth:`~lrs.plugin.host.Host.resolve_person`, for
    example to merge instructor-led attendance with online activity of the same
    learner known under several accounts, about an agent that the store's people
    directory (docs/people.md) does not know: the directory answers first.
    Implementations are tried in order (``tryfirst`` / ``trylast`` adjust it) and
    the first one that does not return ``None`` answers: this is a firstresult hook.

    :param host: the :class:`~lrs.plugin.host.Host` of this application.
    :param tenant_id: tenant whose directory to look in.
    :param agent: a validated xAPI Agent (one identifier: ``mbox``,
        ``mbox_sha1sum``, ``openid`` or ``account``).
    :returns: a :class:`~lrs.plugin.host.Person`, or ``None`` to let the next
        implementation answer.

    .. versionadded:: 0.1
    """


@hookspec
def erase_person(
    host: Host,
    session: Session,
    tenant_id: int,
    person_keys: frozenset[str],
    deleted_statement_ids: tuple[str, ...],
    redacted_statement_ids: tuple[str, ...],
    dry_run: bool,
) -> dict[str, int] | None:
    """Erase what your plugin holds about one person (GDPR Art. 17), with Weft's own erasure.

    Called by ``lrs people erase`` and the web UI's erasure page
    (:func:`lrs.services.admin.erase_person`) inside the erasure's transaction, before
    Weft deletes its own rows, so the statements named here can still be read.
    Every implementation is called (not firstresult). What the plugins delete
    commits or rolls back with the rest: an exception stops the erasure, which
    then erases nothing anywhere and reports the plugin's name, because an
    erasure reported done must be done. A dry run (``dry_run``) asks for the
    same counts and must change nothing (what it changes is rolled back).

    :param host: the :class:`~lrs.plugin.host.Host` of this application.
    :param session: the erasure's session; delete through it (never through
        :meth:`~lrs.plugin.host.Host.write`, whose transaction would commit apart).
    :param tenant_id: the store the person is erased from; leave other stores alone.
    :param person_keys: the person's canonical agent keys, as Weft spells them
        (``mbox:mailto:ada@example.com``, ``mbox_sha1sum:<hex>``,
        ``openid:<url>``, ``account:<homePage>|<name>``); an ``mbox`` comes with
        the ``mbox_sha1sum`` of the same address.
    :param deleted_statement_ids: ids of the statements being deleted: the
        person's own and those referring to them. There may be tens of
        thousands: look them up in chunks (an ``IN`` list takes a bound
        parameter per value).
    :param redacted_statement_ids: ids of other people's statements that are
        kept with the person removed; drop any copy of the person you took
        from them.
    :param dry_run: only count what would be erased.
    :returns: how many of each kind of your rows were (or would be) erased, by
        a ``snake_case`` name (``{"seen_statements": 3}``); Weft shows them
        as ``<plugin>: seen statements`` beside its own counts and records
        them in the ``person.erased`` action. ``None`` or ``{}`` when you hold
        nothing about people.

    .. versionadded:: 0.1
    """


@hookspec
def register_blueprints(host: Host) -> list[Blueprint] | None:
    """Add HTTP routes: a plugin's API, reports, exports.

    Called once by ``create_app`` after the core blueprints are registered. Give
    each blueprint a ``url_prefix`` of its own (``/plugins/<name>`` by
    convention) and protect each view with :meth:`~lrs.plugin.host.Host.requires`.

    :param host: the :class:`~lrs.plugin.host.Host` of this application.
    :returns: a list of :class:`flask.Blueprint` (not firstresult: every
        plugin's blueprints are registered).

    .. versionadded:: 0.1
    """


@hookspec
def register_admin_pages(host: Host) -> list[AdminPage] | None:
    """Add entries to the web UI's navigation, each for the roles that may use it.

    Called once by ``create_app``, after ``register_blueprints``. The pages
    themselves are views of a blueprint the plugin registers with
    ``register_blueprints`` (by convention under ``/ui/plugins/<name>``, or
    ``/ui/<name>``), protected with :meth:`~lrs.plugin.host.Host.requires_role` for the
    same roles; their templates may extend ``"web/base.html"`` to get the
    navigation and styles. Every plugin's pages are shown (not firstresult),
    after core's, to signed-in people holding one of the page's roles.

    :param host: the :class:`~lrs.plugin.host.Host` of this application.
    :returns: a list of :class:`~lrs.plugin.host.AdminPage` (``title``, ``endpoint`` or
        ``url``, ``roles``), or ``None``.

    .. versionadded:: 0.1
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the ``lrs`` command line.

    Called once when ``lrs`` starts, before arguments are parsed. Add commands
    with ``@cli.command()`` or ``cli.add_command(...)``; pick names unlikely to
    clash (a group named after the plugin is best).

    :param cli: the ``lrs`` :class:`click.Group`.
    :returns: nothing; the return value is ignored.

    .. versionadded:: 0.1
    """


@hookspec
def register_migrations() -> list[str | Path] | None:
    """Give the folders of the plugin's Alembic migrations (its own tables).

    Called when the schema is upgraded (``lrs db upgrade``, or start-up with
    ``LRS_AUTO_MIGRATE``). Each folder holds one Alembic branch: its first
    revision has ``branch_labels = ("<plugin>",)`` and
    ``depends_on = "0002"`` (the core schema it builds on), never a
    ``down_revision`` in core. Core and every plugin branch are upgraded
    together to all heads.

    :returns: a list of folder paths (not firstresult: every plugin's folders
        are used).

    .. versionadded:: 0.1
    """


@hookspec
def register_scopes() -> list[Scope] | None:
    """Declare the scopes that guard the plugin's routes and commands (``audit/read``).

    Called once when an application is built (``create_app``, every ``lrs``
    command that needs one), before any hook that takes ``host``. The scopes
    join the application's registry beside the xAPI scopes and
    ``metrics/read``: ``lrs credentials create --scope`` and
    ``lrs oauth clients create --scope`` accept them, OAuth2 tokens can carry
    them, ``lrs scopes list`` shows them, and views check them with
    :meth:`~lrs.plugin.host.Host.requires`. They are never implied by ``all`` or any
    other scope: whoever needs one is granted it explicitly.

    A name is namespaced, lowercase, with a ``/`` (``<plugin>/<verb>``); it may
    not use an xAPI or core namespace (``all``, ``statements``, ``state``,
    ``define``, ``profile``, ``metrics``) nor repeat a name another plugin
    declared: start-up then fails naming the plugin.

    :returns: a list of :class:`~lrs.auth.scopes.Scope` (``Scope(name,
        description)``, re-exported here); not firstresult: every plugin's
        scopes are registered.

    .. versionadded:: 0.1
    """


@hookspec
def register_metrics(host: Host) -> list[Metric] | None:
    """Offer KPI metrics: completion rate, pass rate, time to competency.

    Called once when an application is built, after ``register_scopes``. Core
    lists the metrics at ``GET /api/metrics`` and ``lrs metrics list``, and
    computes one at ``GET /api/metrics/<name>?since=&until=`` and
    ``lrs metrics show NAME``, for the caller's tenant and period; both need
    the ``metrics/read`` scope. Metric names are unique across plugins (a
    clash stops start-up, naming the plugin): prefix them with the plugin's
    name (``kpi.completion_rate``).

    :param host: the :class:`~lrs.plugin.host.Host` of this application; metrics get
        it again when computed, so there is no need to keep it.
    :returns: a list of :class:`~lrs.plugin.metrics.Metric` (name, title, description,
        unit, kind, accepted filters and the ``compute`` function); not
        firstresult: every plugin's metrics are registered.

    .. versionadded:: 0.1
    """


@hookspec
def register_connector_types(host: Host) -> list[ConnectorType] | None:
    """Offer kinds of connectors: an LMS, an HRIS, a virtual classroom.

    Called once when an application is built, after ``register_scopes``. Each
    :class:`~lrs.plugin.connectors.ConnectorType` names a marshmallow schema for its
    configuration and a ``create(host, config)`` returning a
    :class:`~lrs.plugin.connectors.Connector`, whose ``sync(since)`` stores what it
    imports with ``host.ingest(..., plugin=<name>)``. ``lrs connectors types``
    lists them. Names are unique across plugins (a clash stops start-up,
    naming the plugin).

    :param host: the :class:`~lrs.plugin.host.Host` of this application.
    :returns: a list of :class:`~lrs.plugin.connectors.ConnectorType`; not
        firstresult: every plugin's types are registered.

    .. versionadded:: 0.1
    """
