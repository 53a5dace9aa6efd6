"""The Host: everything a plugin may ask of Weft, as one documented object.

Hooks receive it as ``host``. Plugins import :mod:`lrs.plugin.hookspecs`,
:mod:`lrs.plugin.events` and this module, nothing deeper: what is here is the stable
API, and core may reorganize everything else.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any, TypeVar

import click
from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import Table
from sqlalchemy.orm import Session

from lrs.auth.roles import check_roles
from lrs.auth.sealing import seal, unseal
from lrs.db import Database
from lrs.plugin.assignments import DEFAULT_DUE_SOON_DAYS, Assignment, Evidence
from lrs.plugin.errors import PluginError as PluginError  # plugins raise it (public API)
from lrs.plugin.events import AdminActionTaken, Event, NotificationRaised
from lrs.plugin.notifications import Notification, checked, notification_of
from lrs.plugin.numbers import LARGEST_ID, parse_whole_number
from lrs.plugin.people_view import PeopleInView as PeopleInView  # host.people_in_view's answer
from lrs.settings import Settings
from lrs.store import connectors as connector_store
from lrs.store import notifications as notification_store
from lrs.store.bulk import bulk_insert
from lrs.store.queries import StatementQuery, load_attachments, stream
from lrs.store.statements import StoredBatch, every_payload, stored_payloads
from lrs.xapi.actors import agent_ifi_key, agent_of_key
from lrs.xapi.bounds import bound_problems
from lrs.xapi.errors import InvalidStatement as InvalidStatement  # ingest's refusal (public API)
from lrs.xapi.json_values import decode_stored
from lrs.xapi.validate import validate_statements
from lrs.xapi.versions import XapiVersion

F = TypeVar("F", bound=Callable[..., Any])

#: Key of click's ``Context.meta`` (shared by a command and its subcommands) under
#: which ``lrs`` leaves a function that builds its application's host on first use.
COMMAND_HOST = "lrs.host"

#: Prefix of the environment variables :meth:`Host.plugin_config` reads.
PLUGIN_CONFIG_PREFIX = "LRS_PLUGIN_"


@dataclass(frozen=True)
class Person:
    """A learner as the people directory (HRIS) knows them; see ``resolve_person``."""

    #: Stable identifier in the directory (an employee number).
    id: str
    name: str | None = None
    #: Every xAPI Agent known for this person, so that activity recorded under
    #: any of their accounts can be merged.
    agents: tuple[dict[str, Any], ...] = ()
    #: Directory facts plugins may use (department, manager, location...).
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordError:
    """What is wrong with one record given to :meth:`Host.import_people`."""

    #: The record's position in the list given, from 1.
    record: int
    #: The field in error (``email``, ``hire_date``...), ``identities`` for an
    #: identity another person holds.
    field: str
    message: str

    def __str__(self) -> str:
        return f"record {self.record}, {self.field}: {self.message}"


@dataclass(frozen=True)
class PeopleImport:
    """What :meth:`Host.import_people` did."""

    created: int
    updated: int
    unchanged: int
    #: People marked inactive because no record named them (``deactivate_missing``).
    deactivated: int
    #: The records left out, each with what is wrong (several errors may name one).
    errors: tuple[RecordError, ...] = ()


@dataclass(frozen=True)
class ConnectorInstance:
    """A configured connector as plugins see it (``host.connector_instances``)."""

    id: int
    tenant_id: int
    #: Unique in its store; what ``lrs connectors run NAME`` names.
    name: str
    #: The :attr:`ConnectorType.name` it is an instance of.
    type: str
    #: Its configuration without the secret fields.
    config: Mapping[str, Any]
    enabled: bool
    #: Paused after repeated failures until an operator resumes it.
    paused: bool


@dataclass(frozen=True)
class Assignee:
    """One person an assignment applies to, and the due date of their current cycle."""

    assignment: Assignment
    person: Person
    #: The due date of the cycle in progress on the day asked about.
    due: date


@dataclass(frozen=True)
class AssignmentStatus:
    """How one person stands on one assignment on one day."""

    assignment: Assignment
    person: Person
    #: One of :data:`lrs.plugin.assignments.STATUSES`.
    status: str
    #: The deadline the status is about: the missed one when ``overdue``, else the
    #: current cycle's.
    due: date
    #: Whether any statement about the activities falls in the current cycle.
    started: bool
    #: The day the counted cycle was completed (the last activity of a program).
    completed: date | None
    #: Completions when compliant (one per activity), else the first statement per
    #: activity of the current cycle.
    evidence: tuple[Evidence, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"assignment": self.assignment.id, "employee_id": self.person.id,
                "name": self.person.name, "status": self.status, "due": self.due.isoformat(),
                "started": self.started,
                "completed": self.completed.isoformat() if self.completed else None,
                "late": bool(self.completed and self.completed > self.due),
                "evidence": [e.as_dict() for e in self.evidence]}


@dataclass(frozen=True)
class AdminPage:
    """A page of a plugin in the web UI's navigation; see ``register_admin_pages``.

    The page itself is a view of the plugin's own blueprint (``register_blueprints``),
    protected with :meth:`Host.requires_role` for the same ``roles``.
    """

    #: Link text in the navigation.
    title: str
    #: Flask endpoint of the page (``"myplugin_ui.index"``), or ...
    endpoint: str | None = None
    #: ... a URL, when the page is not a Flask view.
    url: str | None = None
    #: Roles that see the entry: ``"admin"``, ``"compliance_officer"``, ``"analyst"``,
    #: ``"manager"`` (:mod:`lrs.auth.roles`).
    roles: tuple[str, ...] = ("admin",)

    def __post_init__(self) -> None:
        if (self.endpoint is None) == (self.url is None):
            raise ValueError(f"admin page {self.title!r}: give an endpoint or a url")
        check_roles(self.roles, f"admin page {self.title!r}")


class StoredStatement(dict[str, Any]):
    """A stored statement: the dict clients read back, plus the JSON text it is stored as.

    :meth:`Host.get_statements` and ``statements_stored`` give statements as
    these. Hash :attr:`json` (an audit trail's fingerprint) or send it on (a
    forwarding plugin) instead of encoding the dict again: for a statement of
    1 KB, encoding takes 15 to 20 µs and hashing the text 1 µs.
    """

    __slots__ = ("json",)

    #: The statement's JSON text exactly as the database holds it.
    json: str

    @classmethod
    def from_json(cls, text: str) -> StoredStatement:
        statement = cls(decode_stored(text))
        statement.json = text
        return statement


@dataclass(frozen=True)
class HostWiring:
    """The work a :class:`Host` relays to, given by the runtime that builds it.

    Given, not imported: storing a batch, calling the hooks, the outbox and the
    guards of HTTP and web views all sit above the plugin API, which must not
    depend on them (``tests/architecture`` checks that imports only go down).
    """

    #: :func:`lrs.services.ingest.store_batch` bound to the application.
    ingest: Callable[..., StoredBatch]
    resolve_person: Callable[..., Person | None]
    resolve_people: Callable[..., list[Person | None]]
    #: :func:`lrs.services.people.employee_ids_of` bound to the application.
    employee_ids: Callable[..., list[str | None]]
    #: :func:`lrs.services.groups.group_members` bound to the application.
    group_members: Callable[..., list[Person]]
    #: :func:`lrs.services.groups.group_member_agents` bound to the application.
    group_member_agents: Callable[..., dict[str, tuple[dict[str, Any], ...]]]
    #: :func:`lrs.services.people.people_by_employee_id` bound to the application.
    people_by_employee_id: Callable[..., list[Person | None]]
    #: :func:`lrs.services.people.import_people_feed` bound to the application.
    import_people: Callable[..., PeopleImport]
    #: :mod:`lrs.services.assignments` and :mod:`lrs.services.assignment_status`
    #: bound to the application.
    assignments: Callable[..., list[Assignment]]
    assigned_people: Callable[..., list[Assignee]]
    assignment_statuses: Callable[..., list[AssignmentStatus]]
    create_assignment: Callable[..., Assignment]
    announce: Callable[[Session, Event], None]
    defer: Callable[[Callable[[], object]], None]
    #: :func:`lrs.auth.protector.protect`
    requires: Callable[..., Callable[[F], F]]
    #: :func:`lrs.web.access.requires_role`
    requires_role: Callable[..., Callable[[F], F]]
    #: :meth:`lrs.runtime.Runtime.tenant_id`
    tenant_id: Callable[[str | None], int]
    #: :attr:`lrs.runtime.Runtime.delivers_events`
    delivers_events: bool
    #: :func:`lrs.services.groups.people_matching` bound to the application.
    people_matching: Callable[..., list[Person]]
    #: The application's registered metric of a name (:attr:`lrs.runtime.Runtime.metrics`);
    #: typed ``Any``: :mod:`lrs.plugin.metrics` imports this module.
    metric: Callable[[str], Any]
    #: :func:`lrs.services.people_view.people_in_view` bound to the application.
    people_in_view: Callable[..., PeopleInView]


class Host:
    """What one application offers its plugins."""

    def __init__(self, settings: Settings, db: Database, wiring: HostWiring,
                 environ: Mapping[str, str] | None = None) -> None:
        self._settings = settings
        self._db = db
        self._wiring = wiring
        self._environ = dict(os.environ if environ is None else environ)
        #: Logger for plugins that have none of their own (``lrs.plugins``).
        self.logger = logging.getLogger("lrs.plugins")

    @property
    def settings(self) -> Settings:
        """The application's settings (read-only)."""
        return self._settings

    def plugin_config(self, plugin: str) -> dict[str, str]:
        """The ``LRS_PLUGIN_<PLUGIN>_<KEY>`` environment variables, as ``{"key": value}``.

        ``plugin`` is upper-cased with every non-alphanumeric character turned
        into ``_``: plugin ``hris-sync`` reads ``LRS_PLUGIN_HRIS_SYNC_URL`` as
        ``{"url": ...}``. Values are strings, read once when the app was built;
        validate them in your ``register_*`` hook so a bad one stops start-up.
        """
        prefix = _config_prefix(plugin)
        return {name[len(prefix):].lower(): value for name, value in self._environ.items()
                if name.startswith(prefix) and len(name) > len(prefix)}

    def plugin_whole_number(self, plugin: str, key: str, default: int, *,
                            high: int = LARGEST_ID, unit: str = "") -> int:
        """``LRS_PLUGIN_<PLUGIN>_<KEY>`` as a whole number from 0 to ``high``;
        ``default`` when it is unset.

        Call it in a ``register_*`` hook, as :meth:`plugin_config`'s values are
        validated: a bad value then stops start-up with one line naming the
        variable, rather than failing later on a count or date no arithmetic takes.
        ``unit`` (``"days"``) is said in that line.

        :raises PluginError: anything but ASCII digits, or a number above ``high``.
        """
        value = self.plugin_config(plugin).get(key)
        if value is None:
            return default
        number = parse_whole_number(value, low=0, high=high)
        if number is None:
            of_unit = f" of {unit}" if unit else ""
            up_to = "" if high == LARGEST_ID else f" from 0 to {high}"
            raise PluginError(
                f"plugin {plugin!r}: {_config_prefix(plugin)}{key.upper()} must be a whole "
                f"number{of_unit}{up_to}, got {value!r}"
            )
        return number

    @property
    def delivers_events(self) -> bool:
        """Whether this process delivers post-commit events to plugins.

        True in ``lrs worker`` and in a server with ``LRS_OUTBOX_INLINE``; false
        in other ``lrs`` commands. Load what your post-commit hooks need (a key,
        a connection) in a ``register_*`` hook when it is true, raising
        :class:`PluginError` if it is missing: the process then stops at start
        with one line, while commands that need none of it (``lrs db upgrade``)
        run without it.
        """
        return self._wiring.delivers_events

    def tenant_id(self, name: str | None) -> int:
        """The id of the store (tenant) called ``name``; the default store's for ``None``.

        What a plugin's command does with its ``--tenant NAME`` option, so that
        every ``lrs`` command names stores the same way.

        :raises lrs.xapi.errors.NotFound: no store has this name (an ``lrs``
            command prints it as one ``Error:`` line pointing at ``lrs tenants list``).
        """
        return self._wiring.tenant_id(name)

    def read(self) -> AbstractContextManager[Session]:
        """A read-only transaction (``with host.read() as session:``) for your own tables."""
        return self._db.read()

    def write(self) -> AbstractContextManager[Session]:
        """One write transaction, committed when the block ends without an exception."""
        return self._db.write()

    def insert_rows(self, session: Session, table: Table,
                    rows: list[dict[str, Any]]) -> None:
        """INSERT ``rows`` into one of your tables at once, however many they are.

        ``session.execute(insert(table), rows)`` runs one INSERT per row on
        PostgreSQL; this loads them with one ``COPY`` (the way core stores a
        batch's index rows), in binary when every column is an integer, string
        or boolean: give each value its column's Python type. Every row must
        have the same keys. A duplicate key raises SQLAlchemy's
        ``IntegrityError``, as an INSERT would.
        """
        if rows:
            columns = list(rows[0])
            values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
            bulk_insert(session, table, columns, [values(row) for row in rows])

    def get_statements(self, tenant_id: int,
                       statement_ids: Iterable[str]) -> list[StoredStatement]:
        """The stored statements with these ids, in the order given (voided ones too).

        Unknown ids are left out.
        """
        wanted = [statement_id.lower() for statement_id in statement_ids]
        if not wanted:
            return []
        with self.read() as session:
            found = stored_payloads(session, tenant_id, wanted)
        return [StoredStatement.from_json(found[i]) for i in wanted if i in found]

    def statement_texts(self, tenant_id: int, statement_ids: Iterable[str]) -> dict[str, str]:
        """The JSON text of the stored statements with these ids, by (lower-case) id,
        not parsed: what a plugin that sends statements on needs (parsing 500
        statements of 1 KB costs 5 to 10 ms a batch). Unknown ids are left out."""
        wanted = [statement_id.lower() for statement_id in statement_ids]
        if not wanted:
            return {}
        with self.read() as session:
            return stored_payloads(session, tenant_id, wanted)

    def attachments(self, tenant_id: int, sha2s: Iterable[str]) -> dict[str, tuple[str, bytes]]:
        """The stored attachment contents with these SHA-2 hashes: ``{sha2: (content
        type, bytes)}`` (what a plugin that sends statements on sends with them).
        Hashes of attachments stored without content (a ``fileUrl`` only) are left out."""
        wanted = {sha2.lower() for sha2 in sha2s}
        if not wanted:
            return {}
        with self.read() as session:
            return {part.sha2: (part.content_type, part.content)
                    for part in load_attachments(session, tenant_id, wanted)}

    def stored_statement_texts(self) -> Iterator[tuple[int, str, str]]:
        """``(tenant_id, statement id, JSON text)`` of every stored statement, all stores.

        The text is byte for byte what the store holds (``StoredStatement.json``),
        so a fingerprint taken when it was stored can be recomputed. Streamed in
        batches, oldest stored first; consume it fully (or close it): it holds a
        read transaction open.
        """
        with self.read() as session:
            yield from every_payload(session)

    def query_statements(
        self, tenant_id: int, *, agent: dict[str, Any] | None = None, verb: str | None = None,
        activity: str | None = None, registration: str | None = None,
        since_us: int | None = None, until_us: int | None = None,
        related_agents: bool = False, related_activities: bool = False,
        include_voided: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Every matching statement, oldest stored first, streamed in batches.

        The filters mean what they mean in ``GET statements``; ``since_us`` and
        ``until_us`` are ``stored`` bounds in µs since the epoch. Consume the
        iterator fully (or close it): it holds a read transaction open.
        """
        query = StatementQuery(
            agent=agent_ifi_key(agent) if agent is not None else None, verb=verb,
            activity=activity, registration=registration, since_us=since_us,
            until_us=until_us, related_agents=related_agents,
            related_activities=related_activities, ascending=True,
            include_voided=include_voided,
        )
        with self.read() as session:
            for row in stream(session, tenant_id, query):
                yield decode_stored(row.payload)

    def ingest(
        self, tenant_id: int, statements: list[dict[str, Any]], *, authority: dict[str, Any],
        version: str = "2.0.0", plugin: str | None = None,
    ) -> list[str]:
        """Store statements a plugin derived (attendance, connectors), as a client would.

        They take the HTTP path: xAPI validation, ``check_statements``, the
        all-or-nothing store and the ``statements_stored`` announcement.

        :param authority: the Agent (or Group) vouching for them, usually one
            naming the plugin.
        :param version: xAPI version whose rules apply, ``"1.0.3"`` or ``"2.0.0"``.
        :param plugin: the calling plugin's name; the ``statements_stored`` event
            then has ``source={"plugin": plugin}`` (else ``None``).
        :returns: the ids, in order.
        :raises InvalidStatement: a statement breaks an xAPI rule (nothing stored);
            its ``errors`` name each place (``$[3].actor.mbox``) and what is wrong,
            so that a connector can leave out the record it came from and store
            the rest.
        :raises lrs.xapi.errors.XapiError: the batch is refused otherwise (a
            conflicting id, a ``check_statements`` plugin; nothing stored).
        """
        xapi_version = XapiVersion(version)
        return self._wiring.ingest(
            tenant_id=tenant_id,
            statements=validate_statements(statements, xapi_version,
                                           bounds=self._settings.index_bounds),
            authority=authority, credential_id=None, version=xapi_version,
            source=None if plugin is None else {"plugin": plugin},
        ).ids

    def ingest_built(
        self, tenant_id: int, statements: list[dict[str, Any]], *, authority: dict[str, Any],
        plugin: str, version: str = "2.0.0",
    ) -> list[str]:
        """Store statements the plugin built itself, in bulk, without xAPI validation.

        For statements a plugin derives by the thousand from data it already
        checked (the competency plugin's ``asserted`` statements): they must be in
        the form validation returns (``id`` set, ``objectType`` given, lower-case
        ``mbox``, ``timestamp`` in UTC ending in ``Z``), as :meth:`ingest` would
        store them. Only the schema is skipped; like :meth:`ingest`, they go through
        ``check_statements``, the index bounds, the all-or-nothing store (conflicts
        by id included) and the ``statements_stored`` announcement, so the outbox,
        the audit trail and forwarding see them as any other.

        :raises lrs.xapi.errors.XapiError: the batch is refused (nothing stored).
        """
        details = [problem for index, statement in enumerate(statements)
                   for problem in bound_problems(statement, self._settings.index_bounds,
                                                 f"$[{index}]")]
        if details:
            raise InvalidStatement.from_details(details)
        return self._wiring.ingest(
            tenant_id=tenant_id, statements=statements, authority=authority,
            credential_id=None, version=XapiVersion(version), source={"plugin": plugin},
        ).ids

    def resolve_person(self, tenant_id: int, agent: dict[str, Any]) -> Person | None:
        """Who ``agent`` is: the store's people directory, else the ``resolve_person``
        plugins (an HRIS looked up live), else ``None`` (docs/people.md)."""
        return self._wiring.resolve_person(tenant_id=tenant_id, agent=agent)

    def resolve_people(self, tenant_id: int,
                       agents: list[dict[str, Any]]) -> list[Person | None]:
        """:meth:`resolve_person` of each of ``agents`` at once, in their order: the
        directory is asked in a few queries, however many they are (reports and
        attendance imports resolve thousands)."""
        return self._wiring.resolve_people(tenant_id=tenant_id, agents=agents)

    def employee_ids(self, tenant_id: int, agents: list[dict[str, Any]]) -> list[str | None]:
        """The employee id of each of ``agents`` (``Person.id`` of :meth:`resolve_people`),
        in their order, ``None`` for who is unknown. Cheaper than building the people:
        for feeds folding every delivered batch that count per person."""
        return self._wiring.employee_ids(tenant_id=tenant_id, agents=agents)

    def employee_ids_of_keys(self, tenant_id: int, person_keys: Iterable[str]) -> set[str]:
        """The employee ids of whoever the identity keys stand for (``mbox:mailto:...``,
        ``account:<homePage>|<name>``: the ``person_keys`` an ``erase_person`` hook is
        given), as :meth:`employee_ids` answers for their Agents."""
        agents = [agent for key in sorted(person_keys) if (agent := agent_of_key(key))]
        return {employee_id for employee_id in self.employee_ids(tenant_id, agents)
                if employee_id is not None}

    def group_members(self, tenant_id: int, name: str) -> list[Person]:
        """The people of the store's group or cohort ``name`` now, by employee id: a
        static group's members, or everyone the directory matches with a rule group's
        rule (docs/people.md).

        :raises lrs.xapi.errors.NotFound: the store has no group of that name.
        """
        return self._wiring.group_members(tenant_id=tenant_id, name=name)

    def group_member_agents(self, tenant_id: int,
                            name: str) -> dict[str, tuple[dict[str, Any], ...]]:
        """The members of :meth:`group_members` as ``{employee id: their agents}``
        (``Person.agents``) without building each :class:`Person`: for counting a
        5,000-person group's activity, who they are and under which identities is all
        it takes, at a fraction of the cost.

        :raises lrs.xapi.errors.NotFound: the store has no group of that name.
        """
        return self._wiring.group_member_agents(tenant_id=tenant_id, name=name)

    def people_matching(self, tenant_id: int, rule: str | None = None) -> list[Person]:
        """The people of the store whose directory attributes match ``rule`` now, by
        employee id; everyone in the directory for ``None``. ``rule`` is written as a
        rule group's (``department = Sales AND hire_date >= 2026-01-01``, docs/people.md):
        a population defined by attributes without creating a group.

        :raises ValueError: the rule cannot be read (the message says where).
        """
        return self._wiring.people_matching(tenant_id=tenant_id, rule=rule)

    def metric(self, name: str) -> Any:
        """The :class:`~lrs.plugin.metrics.Metric` ``name`` some plugin registered
        (``register_metrics``), or ``None`` when no installed plugin offers it: a
        plugin computes another plugin's metric with
        ``host.metric(name).evaluate(host, tenant_id=..., since=..., until=...)``
        without importing it (the KPI plugin's time-to-competency from the competency
        plugin's ``competency.time_to_competency``)."""
        return self._wiring.metric(name)

    def people_by_employee_id(self, tenant_id: int,
                              employee_ids: list[str]) -> list[Person | None]:
        """The directory's person of each of ``employee_ids``, in their order, ``None`` for
        an unknown one: a few queries however many they are (an attendance sheet's
        employee numbers, a session's roster)."""
        return self._wiring.people_by_employee_id(tenant_id=tenant_id,
                                                  employee_ids=employee_ids)

    def import_people(self, tenant_id: int, records: list[Mapping[str, Any]], *, actor: str,
                      plugin: str | None = None,
                      deactivate_missing: bool = False) -> PeopleImport:
        """Create and update people of the store's directory from plain records (an HRIS
        feed), matched on ``employee_id``.

        Each record is a dict with the columns of ``lrs people import``
        (docs/people.md): ``employee_id`` (required), ``display_name``, ``email``,
        ``aliases`` and ``accounts`` (lists, or ``;``-separated texts),
        ``department``, ``manager``, ``location``, ``job_title``, ``hire_date``
        (``YYYY-MM-DD``), ``active`` (a boolean or true/false); any other key is a
        custom attribute. They are checked with the CSV import's rules, but a
        record in error (or claiming an identity another person holds) is left
        out and reported in :attr:`PeopleImport.errors` while the others are
        written, in one transaction. Importing the same records again changes
        nothing. A ``people.imported`` administrative action is recorded when
        something changed.

        :param actor: who imports, for the audit trail (``"connector:hr-feed"``).
        :param plugin: the calling plugin's name; the event's ``source`` is then
            ``{"plugin": plugin}``.
        :param deactivate_missing: the records are the whole directory: mark
            inactive the active people none of them names.
        """
        return self._wiring.import_people(
            tenant_id=tenant_id, records=records, actor=actor,
            source=None if plugin is None else {"plugin": plugin},
            deactivate_missing=deactivate_missing)

    def seal(self, plain: str) -> str:
        """``plain`` encrypted and authenticated under a key derived from
        ``LRS_SECRET_KEY`` (Fernet): how a plugin keeps a secret it must use again
        (a signing key, a remote system's token) in its own tables."""
        return seal(plain, self._settings.secret_key)

    def unseal(self, sealed: str) -> str:
        """What :meth:`seal` sealed.

        :raises lrs.auth.sealing.UnsealError: ``LRS_SECRET_KEY`` changed since, or
            the value was altered (a ``409`` with a JSON body in a view).
        """
        return unseal(sealed, self._settings.secret_key)

    def connector_instances(self, type_name: str,
                            tenant_id: int | None = None) -> list[ConnectorInstance]:
        """The configured instances of connector type ``type_name`` (of one store if
        given), without their secrets: a plugin that feeds its own connector type
        from post-commit events (statement forwarding) finds its instances here."""
        with self.read() as session:
            return [ConnectorInstance(i.id, i.tenant_id, i.name, i.type, json.loads(i.config),
                                      i.enabled, i.paused)
                    for i in connector_store.instances(session, tenant_id=tenant_id,
                                                       type_name=type_name)]

    def run_connector_soon(self, instance_id: int) -> None:
        """Make an enabled instance due now (new work arrived for it); ``lrs worker``
        runs it within ``LRS_CONNECTOR_POLL_SECONDS``. A paused or disabled one stays so."""
        with self.write() as session:
            connector_store.make_due(session, instance_id, time.time_ns() // 1000)

    def assignments(self, tenant_id: int) -> list[Assignment]:
        """The store's assignments, oldest first (docs/assignments.md)."""
        return self._wiring.assignments(tenant_id=tenant_id)

    def assigned_people(self, tenant_id: int, as_of: date | None = None) -> list[Assignee]:
        """Every assignment expanded to the active people it applies to now (a group's
        members as the group is today), with the due date of each one's cycle in
        progress on ``as_of`` (today, UTC, by default)."""
        return self._wiring.assigned_people(tenant_id=tenant_id, as_of=as_of)

    def assignment_statuses(
        self, tenant_id: int, as_of: date | None = None, *,
        assignment_ids: Iterable[int] | None = None,
        due_soon_days: int = DEFAULT_DUE_SOON_DAYS,
    ) -> list[AssignmentStatus]:
        """How each assigned person stands on each assignment at the end of ``as_of``:
        not started, in progress, compliant, due soon or overdue, with the statements as
        evidence. Statements are read once for all the assignments asked about.

        :param due_soon_days: the window of assignments that set none of their own.
        :raises lrs.xapi.errors.NotFound: one of ``assignment_ids`` is not the store's.
        """
        return self._wiring.assignment_statuses(tenant_id=tenant_id, as_of=as_of,
                                                ids=assignment_ids,
                                                due_soon_days=due_soon_days)

    def create_assignment(self, tenant_id: int, spec: Mapping[str, Any], *,
                          actor: str) -> Assignment:
        """Create an assignment from the JSON object ``POST /api/assignments`` takes
        (``{"group": "Sales", "activity": IRI, "due": "2026-06-30", "every_months": 12}``),
        recorded in the audit trail as done by ``actor`` (``"plugin:<name>"``).

        :raises lrs.xapi.errors.BadRequest: the object is malformed or names no one
            (each error has its JSON path).
        :raises lrs.xapi.errors.Conflict: an assignment already states exactly this.
        """
        return self._wiring.create_assignment(tenant_id=tenant_id, spec=spec, actor=actor)

    def announce(self, session: Session, event: Event) -> None:
        """Enqueue a post-commit event in ``session``'s transaction (:mod:`lrs.plugin.events`)."""
        self._wiring.announce(session, event)

    def record_admin_action(
        self, session: Session, tenant_id: int, *, actor: str, action: str, target: str,
        details: dict[str, Any] | None = None, source: dict[str, str] | None = None,
        occurred_us: int | None = None,
    ) -> None:
        """Record an administrative change in the audit trail, in ``session``'s transaction:
        an :class:`~lrs.plugin.events.AdminActionTaken` announced when it commits, so a
        change that rolls back leaves no record.

        :param actor: who acted: :func:`lrs.plugin.request.api_actor` or
            :func:`~lrs.plugin.request.cli_actor`, or ``"plugin:<name>"``.
        :param action: ``"<plugin>.<what happened>"``, e.g. ``"kpi.created"``.
        :param target: what changed, e.g. ``"kpi:completion"``.
        :param details: JSON-able facts of the change; never a secret.
        :param source: where the request came from (:func:`lrs.plugin.request.request_source`).
        :param occurred_us: when (µs since the epoch); now by default.
        """
        self.announce(session, AdminActionTaken(
            tenant_id=tenant_id, actor=actor, action=action, target=target,
            occurred_us=time.time_ns() // 1000 if occurred_us is None else occurred_us,
            details=details or {}, source=source,
        ))

    def defer(self, callback: Callable[[], object]) -> None:
        """In a post-commit hook: call ``callback()`` after the rest of the delivery batch.

        The outbox hands each plugin a batch of events (up to 500 claimed at once, or
        about 5,000 statements), one hook call each; ``callback`` runs once the plugin
        has had them all and before any counts as delivered, so a plugin can buffer
        what several events produce and write it in one transaction. Deferring the
        same callback again in the batch adds nothing. If it raises, every event of
        the batch failed for this plugin and comes again later, as when a hook raises.

        :raises RuntimeError: outside a post-commit hook.
        """
        self._wiring.defer(callback)

    def notify(self, tenant_id: int, topic: str, *, subject: str, text: str,
               data: Mapping[str, Any] | None = None, audience: Iterable[str] | None = None,
               plugin: str | None = None, session: Session | None = None) -> int:
        """Raise a notification: keep it, and have every channel deliver it after the commit.

        It is written in ``session``'s transaction when given (a KPI's status change
        and its alert then exist together), else in a transaction of its own, and
        announced to the channels (``notification_raised``): email to the topic's
        subscribers and ``audience`` through ``LRS_SMTP_*``, POSTs of the webhook
        instances whose ``topics`` name it, and the Notifications page. Nothing is
        sent here: a slow or absent mail server never delays nor fails the caller;
        delivery is at least once, retried with backoff, and its outcome per
        channel is shown on the page (docs/notifications.md).

        :param topic: dotted lower-case name subscriptions refer to
            (``kpi.status_changed``, ``kpi.learner_at_risk``).
        :param subject: one line (the email's subject); line breaks become spaces.
        :param text: the plain-text body (shown escaped in the UI).
        :param data: JSON-able facts for machines (webhook receivers).
        :param audience: employee ids of the store's directory whose email address
            receives it too (a learner's manager), besides the topic's subscribers;
            ``None`` or empty for the subscribers only.
        :param plugin: the calling plugin's name, shown with the notification.
        :returns: the notification's id.
        :raises ValueError: a malformed topic, an empty or overlong subject, data
            that is not JSON-able (nothing is written).
        """
        line, body, values, people = checked(topic, subject, text, data, audience)
        if session is None:
            with self.write() as own:
                return self.notify(tenant_id, topic, subject=line, text=body, data=values,
                                   audience=people, plugin=plugin, session=own)
        row = notification_store.add_notification(
            session, tenant_id=tenant_id, topic=topic, subject=line, text=body, data=values,
            audience=people, plugin=plugin, raised_us=time.time_ns() // 1000)
        self.announce(session, NotificationRaised(
            tenant_id=tenant_id, notification_id=row.id, uid=row.uid, topic=topic,
            subject=line, text=body, data=values, audience=people,
            raised_us=row.raised_us, plugin=plugin,
            source=None if plugin is None else {"plugin": plugin}))
        return row.id

    def queue_notification(self, notification_id: int, channel: str) -> None:
        """Owe a notification to ``channel`` (``"webhook:<instance id>"``), shown as
        pending until :meth:`record_notification_delivery`; queueing it again (a
        redelivered ``notification_raised``) changes nothing."""
        with self.write() as session:
            notification_store.queue(session, notification_id, channel, time.time_ns() // 1000)

    def notifications_owed(self, tenant_id: int, channel: str, *,
                           limit: int = 100) -> list[Notification]:
        """The oldest notifications of the store queued for ``channel`` and not yet
        delivered (pending, or failed and to be retried)."""
        with self.read() as session:
            return [notification_of(row)
                    for row in notification_store.owed(session, tenant_id, channel, limit)]

    def record_notification_delivery(self, notification_id: int, channel: str, *,
                                     error: str | None = None, final: bool = False,
                                     detail: str | None = None) -> None:
        """Record one attempt of ``channel`` at delivering a notification: sent without
        ``error``; else to be retried, or ``failed`` for good when ``final``. The
        Notifications page shows the state, the attempts and the error (never put a
        secret in it)."""
        state = "sent" if error is None else "failed" if final else "retry"
        with self.write() as session:
            notification_store.record_delivery(
                session, notification_id, channel, state=state, error=error, detail=detail,
                now_us=time.time_ns() // 1000, attempted=True)

    def requires(self, *scopes: str) -> Callable[[F], F]:
        """Protect a plugin view: Basic authentication and one of ``scopes`` (401 / 403).

        The caller's principal is then ``flask.g.principal`` (``tenant_id``,
        ``credential_id``, ``scopes``).
        """
        return self._wiring.requires(*scopes)

    def requires_role(self, *roles: str) -> Callable[[F], F]:
        """Protect a web UI view of a plugin: a signed-in person holding one of ``roles``.

        Someone not signed in is sent to the sign-in page, someone without the
        role gets a 403 page; forms posted to the view must carry the CSRF token
        (``{{ csrf_token() }}`` in the template). The person is then
        ``flask.g.web_user`` (``subject``, ``email``, ``roles``, and ``actor``
        for audit records).
        """
        return self._wiring.requires_role(*roles)

    def people_in_view(self, tenant_id: int) -> PeopleInView:
        """The people of the store the person signed in to this web UI request may see:
        everyone for an admin, analyst or compliance officer; for a manager, their
        direct and indirect reports in the people directory (``manager`` links,
        followed to any depth), and nobody when the directory does not know them
        (docs/sso.md says how a manager is matched to a person). Computed once per
        request and store.

        Call it in a view protected with :meth:`requires_role`, and show only the
        rows it :meth:`~PeopleInView.allows`; answer a record of someone else with a
        404, so that its existence does not leak.

        :raises RuntimeError: outside a web UI request with a signed-in person (an
            API view, a command, a hook): API access is governed by scopes, not
            persons, so there is nobody to restrict to.
        """
        user = g.get("web_user") if has_request_context() else None
        if user is None:
            raise RuntimeError("host.people_in_view() needs a person signed in to the web UI: "
                               "call it in a view protected with host.requires_role()")
        known: dict[int, PeopleInView] = g.setdefault("lrs_people_in_view", {})
        if tenant_id not in known:
            known[tenant_id] = self._wiring.people_in_view(tenant_id=tenant_id, user=user)
        return known[tenant_id]


def current_host() -> Host:
    """The :class:`Host` of the running application or ``lrs`` command.

    ``register_commands`` hands a plugin the ``click`` group, not a host: call
    this inside a command's body to get the host of the application ``lrs``
    builds for commands (same settings, plugins and database as the server).
    It also works wherever Flask has an application context: in a view, a
    ``before_request`` function or a test's ``with app.app_context():``.

    :raises RuntimeError: neither a Weft application context nor an ``lrs``
        command is active (at import time, in a thread of your own).
    """
    if has_app_context() and "lrs" in current_app.extensions:
        return current_app.extensions["lrs"].host
    ctx = click.get_current_context(silent=True)
    if ctx is not None and COMMAND_HOST in ctx.meta:
        return ctx.meta[COMMAND_HOST]()
    raise RuntimeError("current_host() needs a running Weft application: call it inside an "
                       "lrs command, a request or an application context")


def _config_prefix(plugin: str) -> str:
    """``LRS_PLUGIN_HRIS_SYNC_`` for plugin ``hris-sync``: upper case, ``_`` for the rest."""
    return PLUGIN_CONFIG_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", plugin).upper() + "_"
