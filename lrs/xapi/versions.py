"""The two xAPI versions Weft speaks, and how a request picks one.

xAPI 1.0.3 and 2.0.0 differ in a few validation rules (timestamps, context agents,
``version`` values), in alternate request syntax (1.0.3 only) and in headers
(``Last-Modified`` is 2.0). Code that must behave differently asks the request's
:class:`XapiVersion` rather than comparing strings.
"""

from __future__ import annotations

import re
from enum import Enum

from lrs.xapi.errors import BadRequest


class XapiVersion(Enum):
    V1_0_3 = "1.0.3"
    V2_0_0 = "2.0.0"

    @property
    def is_2(self) -> bool:
        return self is XapiVersion.V2_0_0


#: Value of ``X-Experience-API-Version`` that each accepted request header maps to.
_HEADER = re.compile(r"^(?P<major>1\.0|2\.0)(?:\.(?P<patch>\d+))?$", re.ASCII)

#: What ``/about`` reports as supported.
SUPPORTED = ("1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0")

#: Values accepted for a statement's own ``version`` property, by request version.
STATEMENT_VERSION = {
    XapiVersion.V1_0_3: re.compile(r"^1\.0(\.\d+)?$", re.ASCII),
    XapiVersion.V2_0_0: re.compile(r"^(1\.0|2\.0)(\.\d+)?$", re.ASCII),
}


def negotiate(header: str | None) -> XapiVersion:
    """Map an ``X-Experience-API-Version`` request header to the version to serve.

    :raises BadRequest: when the header is missing or names a version Weft does
        not speak (xAPI requires a 400 then).
    """
    if header is None or not header.strip():
        raise BadRequest("X-Experience-API-Version header is required")
    match = _HEADER.match(header.strip())
    if match is None:
        raise BadRequest(
            f"X-Experience-API-Version {header!r} is not supported; use 1.0.x or 2.0.x"
        )
    return XapiVersion.V2_0_0 if match["major"] == "2.0" else XapiVersion.V1_0_3
