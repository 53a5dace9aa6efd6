"""Long-running processes keep the garbage collector off their start-up objects."""

from __future__ import annotations

import subprocess
import sys

FROZEN_AFTER_HOOK = """
import gc
from lrs.process.gunicorn import gunicorn_options
from lrs.settings import Settings

assert gc.get_freeze_count() == 0
gunicorn_options(Settings.from_env({}))["post_worker_init"](object())  # gunicorn passes the worker
print(gc.get_freeze_count())
"""


def test_each_gunicorn_worker_freezes_what_start_up_left() -> None:
    # In a process of its own: frozen objects are never collected, not in this one either.
    frozen = subprocess.run([sys.executable, "-c", FROZEN_AFTER_HOOK], check=True,
                            capture_output=True, text=True).stdout
    assert int(frozen) > 10_000  # the modules, Flask, SQLAlchemy...
