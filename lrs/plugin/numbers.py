"""Whole numbers from text: query parameters, path segments and plugins' settings.

Its own module so that :mod:`lrs.plugin.host` (plugins' settings) and
:mod:`lrs.plugin.request` (requests), which imports the host, both read numbers
one way. Plugins import both names from :mod:`lrs.plugin.request`.
"""

from __future__ import annotations

#: The largest value of a signed 64-bit database integer (BIGINT, SQLite's INTEGER):
#: the largest id a URL or parameter can name.
LARGEST_ID = 2**63 - 1


def parse_whole_number(text: str | None, *, low: int, high: int = LARGEST_ID) -> int | None:
    """``text`` (a query parameter, a path segment, a plugin's setting) as a whole number
    in ``[low, high]``, else ``None`` for the caller to refuse in its own words.

    ASCII digits only: ``str.isdigit`` also takes ``²`` (which ``int`` then refuses)
    and other scripts' digits; and no longer than ``high`` (``int`` refuses texts of
    more than 4,300 digits, and a database any number past :data:`LARGEST_ID`).
    """
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > len(str(high)):
        return None
    number = int(text)
    return number if low <= number <= high else None
