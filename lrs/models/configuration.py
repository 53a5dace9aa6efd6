"""The configuration the store last ran with, and every change to it
(:mod:`lrs.services.configuration`).

:class:`ConfigurationState` is one row for the whole store: every starting
process locks it, compares, and updates it only when its configuration differs,
so that workers starting together record a change once, and a change back
(A → B → A) is recorded again. :class:`ConfigurationChange` keeps the history
that ``lrs config history`` shows, whether or not an audit plugin is installed.
Neither holds a secret: secrets are stored as fingerprints (:mod:`lrs.masking`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lrs.models.base import Base
from lrs.models.types import BigId

#: The id of the one :class:`ConfigurationState` row.
CONFIGURATION_STATE_ID = 1


class ConfigurationState(Base):
    """The masked configuration last recorded for this store (a single row)."""

    __tablename__ = "configuration_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Random key of the secrets' fingerprints (:func:`lrs.masking.fingerprint`),
    #: made with the row and kept for good; it never leaves this table.
    salt: Mapped[str] = mapped_column(String(64))
    #: JSON ``{variable or "plugin:<name>": masked value}``; ``NULL`` until recorded.
    configuration: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: When it was recorded (µs since the epoch).
    recorded_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ConfigurationChange(Base):
    """One recorded configuration: the first (``configuration.recorded``) or a change."""

    __tablename__ = "configuration_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    recorded_us: Mapped[int] = mapped_column(BigInteger)
    #: ``configuration.recorded`` or ``configuration.changed``.
    action: Mapped[str] = mapped_column(String(40))
    #: Who acted, as in :class:`lrs.plugin.events.AdminActionTaken` (``system``).
    actor: Mapped[str] = mapped_column(String(200))
    #: JSON of the starting process: ``{"host", "pid", "user", "process"}``.
    source: Mapped[str] = mapped_column(Text)
    #: JSON of the changed keys' values before (``{}`` the first time) and after;
    #: a key absent on one side (a plugin removed or added) is ``null`` there.
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
