"""Text from outside Weft, checked or made fit for a ``TEXT`` column.

Errors and messages that name what a remote system answered (a connector's failed
run, a failed delivery of an event or a notification) carry its text: PostgreSQL
refuses NUL in text and both databases' drivers refuse lone UTF-16 surrogates, so
recording such a failure failed in turn and the run stayed claimed. And an answer
may be megabytes long.
"""

from __future__ import annotations

import re

#: The most of such a text kept: the start says what went wrong.
MAX_RECORDED_CHARS = 4000
#: NUL and the UTF-16 surrogates.
_UNRECORDABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> bool:
    """Whether ``text`` can go into a text column of either database as it is."""
    return _UNRECORDABLE.search(text) is None


def recordable(text: str | None) -> str | None:
    """``text`` with NUL and lone surrogates replaced (U+FFFD) and cut to
    :data:`MAX_RECORDED_CHARS`; ``None`` stays ``None``."""
    if text is None:
        return None
    if len(text) > MAX_RECORDED_CHARS:
        text = text[:MAX_RECORDED_CHARS - 1] + "…"
    return _UNRECORDABLE.sub("\ufffd", text)
