"""Reading the CSV files of a directory import, and naming what is wrong in them.

A people CSV and the files of a OneRoster roster are read the same way: the
header row names the columns (a byte order mark and spaces around names are
ignored), every row is checked before anything is written, and each problem is
reported with its file, line and column, so that the person who exported the
file can fix it at the source.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowError:
    """What is wrong with one row of an import: its line in the file and the column."""

    line: int
    column: str
    message: str
    #: The file of a multi-file import (``users.csv``); ``None`` for a single file.
    file: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}, {self.column}: {self.message}"
        return f"{self.file}: {where}" if self.file else where


@dataclass
class CsvTable:
    """The rows of one CSV file, each with its line number, values stripped of spaces."""

    file: str | None
    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def read_csv(text: str, errors: list[RowError], file: str | None = None) -> CsvTable:
    """The header and rows of ``text``; a row with more fields than the header is
    reported in ``errors`` and left out (missing trailing fields read as empty)."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    table = CsvTable(file, header)
    for line, row in enumerate(reader, start=2):
        if None in row:
            errors.append(RowError(line, "row", "more fields than the header has", file))
            continue
        table.rows.append((line, {k: (v or "").strip() for k, v in row.items()}))
    return table


def first_seen(seen: dict[str, int], key: str, line: int) -> int | None:
    """The line ``key`` was first seen on, or ``None`` (and ``line`` is remembered):
    how an import tells that a row repeats an earlier one's key."""
    if key in seen:
        return seen[key]
    seen[key] = line
    return None
