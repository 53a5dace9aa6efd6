"""Typed settings, read once from ``LRS_*`` environment variables.

Every setting has a safe default so that ``lrs serve`` works on a fresh machine
with nothing configured. ``docs/configuration.md`` documents each field of
:class:`Settings`; ``tests/test_settings.py`` fails when the two disagree.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from lrs.auth.roles import RoleMappingError, parse_role_mapping
from lrs.xapi.bounds import IndexBounds

DEFAULT_SQLITE_PATH = Path("instance") / "weft.sqlite3"


class SettingsError(ValueError):
    """A setting could not be parsed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Runtime configuration of one LRS application."""

    #: SQLAlchemy URL. SQLite file under ``./instance`` by default; production uses
    #: ``postgresql+psycopg://user:pass@host/db``.
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    #: Key used to HMAC credential secrets. When unset in development, one is generated
    #: once and kept in a ``secret_key`` file (mode 0600) beside the SQLite database
    #: (``./instance/secret_key`` for other databases), so that credentials survive
    #: restarts and work in every worker. ``LRS_ENV=production`` refuses to start
    #: without it: set 32+ random characters.
    secret_key: str = field(default="", repr=False)
    #: ``development`` or ``production``.
    env: str = "development"
    #: Largest accepted request body, in bytes.
    max_body_bytes: int = 50 * 1024 * 1024
    #: Deepest accepted JSON nesting.
    max_json_depth: int = 64
    #: Largest activity id, verb id or agent identifier of a statement, in UTF-8
    #: bytes: each is a database index key (:mod:`lrs.xapi.bounds`).
    max_iri_bytes: int = 2048
    #: Most entries of a statement's list that the store indexes (a context
    #: activity list, a Group's members, contextAgents, contextGroups).
    max_indexed_items: int = 1000
    #: How long a write waits for SQLite's write lock before a 503, in milliseconds.
    sqlite_busy_timeout_ms: int = 30_000
    #: Longest ``stateId`` / ``profileId``, document ``activityId`` and agent key, in
    #: UTF-8 bytes: together they must fit one PostgreSQL index entry (about 2.7 KB).
    max_document_id_bytes: int = 800
    #: Under xAPI 1.0.3, let a profile PUT with neither If-Match nor If-None-Match
    #: create a document that does not exist yet (409 still guards existing ones),
    #: for clients that cannot send those headers. Off by default: the 1.0.3
    #: conformance suite expects 400 there (XAPI-00273).
    profile_put_may_create: bool = False
    #: Largest accepted single attachment, in bytes.
    max_attachment_bytes: int = 20 * 1024 * 1024
    #: Most fields in a 1.0.3 alternate-syntax form (headers, parameters and content).
    max_form_fields: int = 100
    #: Largest accepted 1.0.3 alternate-syntax form, in bytes.
    max_form_bytes: int = 1024 * 1024
    #: Refuse an attachment whose ``length`` is not its part's byte count (off: the
    #: ADL conformance suite sends mismatched lengths and expects them accepted).
    strict_attachment_length: bool = False
    #: Most statements accepted in one POST.
    max_batch_size: int = 5000
    #: Largest file of a OneRoster roster ``lrs people import-oneroster`` reads, in bytes;
    #: in a zip, as inflated (a zip of a few KB can inflate to gigabytes).
    max_roster_file_bytes: int = 64 * 1024 * 1024
    #: Most statements returned on one page of a query (``limit=0`` means this).
    page_size: int = 100
    #: Create / upgrade the schema at start-up (handy for SQLite; run
    #: ``lrs db upgrade`` explicitly in production and set this to false).
    auto_migrate: bool = True
    #: Log level name for the ``lrs`` logger.
    log_level: str = "INFO"
    #: ``json`` for structured logs, ``text`` for humans.
    log_format: str = "json"
    #: Origins allowed by CORS for browser-based content (``*`` for any).
    cors_origins: str = "*"
    #: Comma-separated plugin names that are not loaded.
    disabled_plugins: str = ""
    #: Deliver post-commit events to plugins from a background thread of each
    #: server process. Set to false in production and run ``lrs worker`` instead.
    outbox_inline: bool = True
    #: Deliveries of one event to one plugin before it is dead-lettered
    #: (``lrs outbox replay`` redelivers it).
    outbox_max_attempts: int = 10
    #: Wait before the first retry of a failed delivery; doubles with each attempt.
    outbox_backoff_seconds: int = 30
    #: How often outbox processors look for due events when nothing woke them.
    outbox_poll_seconds: int = 1
    #: The longest outbox processors let events gather after a partial batch or a
    #: wake-up before claiming, while events keep coming (fewer, larger delivery
    #: batches under load; 0 claims at once).
    outbox_gather_ms: int = 1000
    #: Statement batches of concurrent requests one transaction (one commit) may take
    #: in a process (:mod:`lrs.services.group_commit`); 1 commits every batch alone.
    group_commit_max: int = 64
    #: While requests overlap, how long the next group may wait for the requests being
    #: handled to queue their batches before it is written (0: at once).
    group_commit_gather_ms: float = 2.0
    #: How far ``X-Experience-API-Consistent-Through`` stays behind the time of the
    #: answer: a write takes its ``stored`` time before it commits, so a concurrent
    #: reader may not see it yet (:func:`lrs.services.ingest.store_batch` logs a write
    #: that took longer).
    consistent_through_lag_ms: int = 1000
    #: How often, at most, a process looks whether any credential, OAuth client or
    #: token was revoked; in between it trusts the ``Authorization`` headers it has
    #: verified (:mod:`lrs.auth.verified`). 0 verifies every request in the database.
    auth_cache_seconds: float = 1.0
    #: How long a connector run may go without a checkpoint before another worker may
    #: take its instance over (the run is then presumed dead).
    connector_lease_seconds: int = 300
    #: Failed runs in a row after which a connector is paused until an operator
    #: resumes it (``lrs connectors resume``).
    connector_max_failures: int = 10
    #: Wait before retrying a failed connector run; doubles with each failure in a
    #: row, with jitter, up to ``LRS_CONNECTOR_BACKOFF_MAX_SECONDS``.
    connector_backoff_seconds: int = 30
    connector_backoff_max_seconds: int = 3600
    #: How often ``lrs worker`` looks for due connectors ("run now" waits at most this).
    connector_poll_seconds: int = 5
    #: Nice value ``lrs worker`` lowers itself to (0 to 19; 0 leaves it as
    #: started), so that requests get shared cores first (see :mod:`lrs.process.priority`).
    worker_nice: int = 10
    #: Lifetime of OAuth2 access tokens issued at ``/oauth/token``, in seconds.
    oauth_token_ttl_seconds: int = 3600
    #: ``iss`` claim of issued access tokens, checked when they come back. Set it to
    #: the LRS's public URL when other services verify tokens with ``/oauth/jwks``.
    oauth_issuer: str = "urn:weft"
    #: ``HOST:PORT`` that ``lrs serve`` and ``gunicorn.conf.py`` listen on.
    bind: str = "127.0.0.1:8000"
    #: gunicorn worker processes; 0 picks 1 on SQLite (one writer at a time) and
    #: the CPU count on PostgreSQL.
    workers: int = 0
    #: Threads per worker; 0 picks 16 on PostgreSQL and 8 on SQLite
    #: (:attr:`worker_threads`).
    threads: int = 0
    #: Seconds a client has to send a request's line and headers, and its body beyond
    #: a second for every :attr:`receive_min_bytes_per_second` bytes received
    #: (:mod:`lrs.process.receive_deadline`).
    receive_timeout_seconds: float = 30.0
    #: The slowest a request body may arrive, on average, once its grace is spent.
    receive_min_bytes_per_second: int = 500
    #: OpenID Connect discovery document of the company's identity provider
    #: (``https://idp.example.com/.well-known/openid-configuration``); empty turns
    #: web sign-in through OIDC off.
    oidc_metadata_url: str = ""
    #: Client id Weft is registered under at the identity provider.
    oidc_client_id: str = ""
    #: Client secret of that registration (never logged).
    oidc_client_secret: str = field(default="", repr=False)
    #: Scopes asked for at sign-in (``openid`` is required).
    oidc_scopes: str = "openid email profile"
    #: ID token / userinfo claim holding the person's groups (dotted for nested
    #: claims, e.g. ``realm_access.roles``).
    oidc_roles_claim: str = "groups"
    #: Which group gives which web UI role: ``GROUP=ROLE`` pairs separated by commas.
    oidc_role_mapping: str = ""
    #: Lifetime of a web UI sign-in, in seconds.
    session_lifetime_seconds: int = 8 * 3600
    #: Allow password sign-in of local admins (bootstrap of the first admin only).
    local_login: bool = False
    #: Requests one credential may make (a Bearer token counts as its OAuth client;
    #: requests without credentials count per client address), as a rate such as
    #: ``60000/minute`` or ``100/second;5000/hour``; ``off`` disables it.
    rate_limit: str = "60000/minute"
    #: Requests to ``/oauth/token`` and ``/oauth/revoke`` per ``client_id`` (per
    #: address when none is named): slows secret guessing; ``off`` disables it.
    rate_limit_token: str = "60/minute"
    #: Failed authentications (wrong secret, forged token, wrong local admin
    #: password) per name claimed (key, ``client_id`` or e-mail) *and* sender's
    #: address; requests naming it from there get 429 until the window passes. The
    #: real client at another address is not affected. ``off`` disables it.
    rate_limit_failures: str = "10/minute"
    #: Failed authentications per sender's address, whatever names they claim
    #: (higher: several clients may share an address); ``off`` disables it.
    rate_limit_failures_address: str = "100/minute"
    #: Reverse proxies in front of Weft whose ``X-Forwarded-For`` and
    #: ``X-Forwarded-Proto`` are trusted (the number of hops). 0 uses the peer
    #: address and ignores these headers, which any client can send.
    trusted_proxies: int = 0
    #: Where rate limit counters live. ``memory://`` counts in each worker process;
    #: ``redis://host:6379`` shares the counts between workers and hosts.
    rate_limit_storage_uri: str = "memory://"
    #: Most resources on one page of a SCIM list (``/scim/v2/Users``, ``/Groups``):
    #: the default ``count`` and its ceiling.
    scim_max_results: int = 200
    #: SMTP server that sends notifications by email (docs/notifications.md); empty
    #: turns email off (notifications are still kept and go to webhooks).
    smtp_host: str = ""
    smtp_port: int = 587
    #: ``starttls`` (upgrade the connection, port 587), ``ssl`` (TLS from the
    #: start, port 465) or ``none`` (plain; only for a relay on the same host).
    smtp_tls: str = "starttls"
    #: Login at the server; empty sends without authenticating.
    smtp_username: str = ""
    #: Its password (never logged).
    smtp_password: str = field(default="", repr=False)
    #: ``From`` address of notification emails; required with ``LRS_SMTP_HOST``.
    smtp_from: str = ""
    #: How long connecting and each SMTP command may take, in seconds.
    smtp_timeout_seconds: float = 10.0

    @property
    def index_bounds(self) -> IndexBounds:
        """The statement bounds :func:`lrs.xapi.validate.validate_statements` enforces."""
        return IndexBounds(self.max_iri_bytes, self.max_indexed_items)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``LRS_<FIELD>`` variables; ``overrides`` (tests, CLI) win over them."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f"LRS_{f.name.upper()}"
            if f.name in overrides:
                values[f.name] = overrides[f.name]
            elif name in environ:
                values[f.name] = _parse(name, environ[name], f.type)
        settings = cls(**values)
        settings.check()
        if not settings.secret_key:
            settings = _replace(settings, secret_key=_development_secret_key(settings))
        return settings

    def check(self) -> None:
        """Refuse configurations that would run but be wrong or unsafe."""
        if self.env not in {"development", "production"}:
            raise SettingsError("LRS_ENV must be 'development' or 'production'")
        if self.env == "production" and len(self.secret_key) < 32:
            raise SettingsError("LRS_SECRET_KEY must be set (32+ characters) in production")
        if self.log_format not in {"json", "text"}:
            raise SettingsError("LRS_LOG_FORMAT must be 'json' or 'text'")
        for name in ("max_body_bytes", "max_json_depth", "max_iri_bytes", "max_indexed_items",
                     "sqlite_busy_timeout_ms", "max_attachment_bytes",
                     "max_form_fields", "max_form_bytes",
                     "max_batch_size", "max_roster_file_bytes", "page_size", "outbox_max_attempts",
                     "outbox_backoff_seconds", "outbox_poll_seconds", "oauth_token_ttl_seconds",
                     "session_lifetime_seconds", "connector_lease_seconds", "group_commit_max",
                     "connector_max_failures", "connector_backoff_seconds",
                     "connector_backoff_max_seconds", "connector_poll_seconds",
                     "scim_max_results"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"LRS_{name.upper()} must be a positive integer")
        for name in ("workers", "threads"):
            if getattr(self, name) < 0:
                raise SettingsError(f"LRS_{name.upper()} must be 0 (automatic) or more")
        if self.auth_cache_seconds < 0:
            raise SettingsError("LRS_AUTH_CACHE_SECONDS must be 0 (off) or more")
        if self.consistent_through_lag_ms < 0:
            raise SettingsError("LRS_CONSISTENT_THROUGH_LAG_MS must be 0 (the time of the "
                                "answer) or more")
        if self.group_commit_gather_ms < 0:
            raise SettingsError("LRS_GROUP_COMMIT_GATHER_MS must be 0 (write at once) or more")
        if self.outbox_gather_ms < 0:
            raise SettingsError("LRS_OUTBOX_GATHER_MS must be 0 (claim at once) or more")
        if not 0 < self.max_document_id_bytes <= 800:
            raise SettingsError("LRS_MAX_DOCUMENT_ID_BYTES must be 1 to 800 (three such "
                                "parts fill a PostgreSQL index entry)")
        if not 0 <= self.worker_nice <= 19:
            raise SettingsError("LRS_WORKER_NICE must be 0 (as started) to 19 (lowest)")
        if self.trusted_proxies < 0:
            raise SettingsError("LRS_TRUSTED_PROXIES must be 0 (none) or more")
        for name in ("rate_limit", "rate_limit_token", "rate_limit_failures",
                     "rate_limit_failures_address"):
            _check_rate(f"LRS_{name.upper()}", getattr(self, name))
        self._check_oidc()
        self._check_smtp()

    def _check_smtp(self) -> None:
        """Email needs a sender and a TLS mode it knows; timeouts and ports are positive."""
        if self.smtp_tls not in {"starttls", "ssl", "none"}:
            raise SettingsError("LRS_SMTP_TLS must be 'starttls', 'ssl' or 'none'")
        if self.smtp_host and "@" not in self.smtp_from:
            raise SettingsError("LRS_SMTP_FROM must be an email address with LRS_SMTP_HOST")
        if not 0 < self.smtp_port < 65536:
            raise SettingsError("LRS_SMTP_PORT must be 1 to 65535")
        if self.receive_timeout_seconds < 1:
            raise SettingsError("LRS_RECEIVE_TIMEOUT_SECONDS must be 1 or more")
        if self.receive_min_bytes_per_second <= 0:
            raise SettingsError("LRS_RECEIVE_MIN_BYTES_PER_SECOND must be a positive integer")
        if self.smtp_timeout_seconds <= 0:
            raise SettingsError("LRS_SMTP_TIMEOUT_SECONDS must be positive")

    def _check_oidc(self) -> None:
        """OIDC settings come together, and the role mapping names known roles only."""
        if self.oidc_metadata_url and not self.oidc_client_id:
            raise SettingsError("LRS_OIDC_CLIENT_ID must be set with LRS_OIDC_METADATA_URL")
        if self.oidc_metadata_url and "openid" not in self.oidc_scopes.split():
            raise SettingsError("LRS_OIDC_SCOPES must include 'openid'")
        try:
            parse_role_mapping(self.oidc_role_mapping)
        except RoleMappingError as exc:
            raise SettingsError(f"LRS_OIDC_ROLE_MAPPING: {exc}") from None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def worker_threads(self) -> int:
        """Threads per server process: ``LRS_THREADS``, else 16 on PostgreSQL, 8 on SQLite.

        A worker keeps the keep-alive connections it accepted, and whichever worker
        wakes first accepts them: 16 clients split 12/4 or 3/13 between two workers,
        and 8 threads left the busier worker's extra clients waiting for a thread while
        its concurrent writes shared one INSERT and one commit. With 16 threads, single
        POSTs went x1.11 a second (bench/README.md, "Threads for the connections a
        worker keeps"). SQLite writes one transaction at a time whatever the threads.
        """
        return self.threads or (8 if self.is_sqlite else 16)

    @property
    def secret_key_file(self) -> Path | None:
        """Where the development secret key is kept: beside the data it protects.

        ``None`` for an in-memory SQLite database, whose credentials die with the
        process anyway.
        """
        url = make_url(self.database_url)
        if url.get_backend_name() != "sqlite":
            return DEFAULT_SQLITE_PATH.parent / "secret_key"
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            return None
        return Path(url.database).parent / "secret_key"


def _check_rate(name: str, value: str) -> None:
    """A rate limit is ``off`` or what :func:`limits.parse_many` reads (``100/minute``)."""
    from limits import parse_many

    if value.strip().lower() == "off":
        return
    try:
        parse_many(value)
    except ValueError:
        raise SettingsError(f"{name} must be 'off' or a rate such as '100/minute', "
                            f"got {value!r}") from None


def _development_secret_key(settings: Settings) -> str:
    """The key in :attr:`Settings.secret_key_file`, created there on first use.

    Every worker and every ``lrs`` command must hash secrets with the same key, or
    a credential created by one is refused by the others. Creation is atomic (a
    private temporary file hard-linked into place), so workers starting together
    agree on whichever key was linked first.
    """
    path = settings.secret_key_file
    if path is None:
        return secrets.token_hex(32)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won the race: use its key
        finally:
            temporary.unlink()
    key = path.read_text().strip()
    if len(key) < 32:
        raise SettingsError(f"{path} holds no usable secret key: delete it or set LRS_SECRET_KEY")
    return key


def _replace(settings: Settings, **changes: Any) -> Settings:
    return Settings(**{**{f.name: getattr(settings, f.name) for f in fields(settings)}, **changes})


def _parse(name: str, raw: str, type_name: Any) -> Any:
    type_name = str(type_name)
    if type_name == "int":
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if type_name == "float":
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if type_name == "bool":
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{name} must be true or false, got {raw!r}")
    return raw
