"""``python -m lrs.cli``: the ``lrs`` command, for environments without its script."""

from lrs.cli import main

main()
