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

DEFAULT_SQLITE_PATH = Path("instance") / "weft.sqlite3"


class SettingsError(ValueError):
    """A setting could not be parsed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Runtime configuration of one LRS application."""

    #: SQLAlchemy URL. SQLite file under ``./instance`` by default; production uses
    #: ``postgresql+psycopg://user:pass@host/db``.
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    #: Key used to HMAC credential secrets. Generated per process when unset, which
    #: is fine for development but invalidates credentials on restart: set it in
    #: production (``LRS_ENV=production`` refuses to start without it).
    secret_key: str = field(default="", repr=False)
    #: ``development`` or ``production``.
    env: str = "development"
    #: Largest accepted request body, in bytes.
    max_body_bytes: int = 50 * 1024 * 1024
    #: Deepest accepted JSON nesting.
    max_json_depth: int = 64
    #: Largest accepted single attachment, in bytes.
    max_attachment_bytes: int = 20 * 1024 * 1024
    #: Most statements accepted in one POST.
    max_batch_size: int = 5000
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
            settings = _replace(settings, secret_key=secrets.token_hex(32))
        return settings

    def check(self) -> None:
        """Refuse configurations that would run but be wrong or unsafe."""
        if self.env not in {"development", "production"}:
            raise SettingsError("LRS_ENV must be 'development' or 'production'")
        if self.env == "production" and len(self.secret_key) < 32:
            raise SettingsError("LRS_SECRET_KEY must be set (32+ characters) in production")
        if self.log_format not in {"json", "text"}:
            raise SettingsError("LRS_LOG_FORMAT must be 'json' or 'text'")
        for name in ("max_body_bytes", "max_json_depth", "max_attachment_bytes",
                     "max_batch_size", "page_size"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"LRS_{name.upper()} must be a positive integer")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _replace(settings: Settings, **changes: Any) -> Settings:
    return Settings(**{**{f.name: getattr(settings, f.name) for f in fields(settings)}, **changes})


def _parse(name: str, raw: str, type_name: Any) -> Any:
    type_name = str(type_name)
    if type_name == "int":
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if type_name == "bool":
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{name} must be true or false, got {raw!r}")
    return raw
