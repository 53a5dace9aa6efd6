"""Who runs this process: named in audit records of what a command or a server did."""

from __future__ import annotations

import getpass
import os


def os_user() -> str:
    """The login name of this process's user (``uid<n>`` when it has none)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return f"uid{os.getuid()}"
