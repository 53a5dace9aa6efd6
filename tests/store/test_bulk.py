"""``bulk_insert`` (COPY on PostgreSQL) stores values exactly as given, whatever the column."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    Text,
    create_engine,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lrs.store.bulk import any_of, bulk_insert

METADATA = MetaData()
PLAIN = Table("bulk_plain", METADATA, Column("id", BigInteger, primary_key=True),
              Column("small", Integer), Column("name", Text), Column("flag", Boolean))
WITH_JSON = Table("bulk_json", METADATA, Column("id", BigInteger, primary_key=True),
                  Column("document", JSON))


def _tables(url: str) -> Iterator[Engine]:
    engine = create_engine(url)
    METADATA.create_all(engine)
    yield engine
    METADATA.drop_all(engine)
    engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    yield from _tables(database_url)


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    yield from _tables(postgres_url)


def test_bulk_insert_keeps_integers_strings_booleans_and_nulls_as_given(engine: Engine) -> None:
    rows = [(1, 7, "tab\there, newline\nthere, back\\slash, ünïcode", True),
            (2**40, None, None, False), (3, -1, "", None)]
    with Session(engine) as session, session.begin():
        bulk_insert(session, PLAIN, ("id", "small", "name", "flag"), rows)
    with engine.connect() as connection:
        assert connection.execute(select(PLAIN).order_by(PLAIN.c.id)).all() == sorted(rows)


def test_copy_takes_json_text_for_a_json_column_as_json(postgres_engine: Engine) -> None:
    """COPY picks each column's dumper once only for plain columns: JSON text sent to
    a JSON column is the document it spells, not a JSON string of that text."""
    with Session(postgres_engine) as session, session.begin():
        bulk_insert(session, WITH_JSON, ("id", "document"), [(1, '{"a": [1, "two"]}')])
    with postgres_engine.connect() as connection:
        assert connection.execute(select(WITH_JSON.c.document)).scalar() == {"a": [1, "two"]}


def test_any_of_finds_exactly_the_rows_whose_value_is_listed(engine: Engine) -> None:
    """Values that text arrays must quote (commas, braces, quotes, "NULL") match as they are."""
    names = ["a,b", "{braced}", 'say "hi"', "NULL", "back\\slash", "plain", "ünï"]
    with Session(engine) as session, session.begin():
        bulk_insert(session, PLAIN, ("id", "name"), list(enumerate(names)))
    wanted = ["a,b", "{braced}", 'say "hi"', "NULL", "back\\slash", "absent"]
    with Session(engine) as session:
        found = session.scalars(select(PLAIN.c.name).where(any_of(session, PLAIN.c.name, wanted)))
        assert sorted(found) == sorted(wanted[:-1])


def test_bulk_insert_of_a_duplicate_key_raises_integrity_error_and_keeps_nothing(
    engine: Engine,
) -> None:
    with pytest.raises(IntegrityError), Session(engine) as session, session.begin():
        bulk_insert(session, PLAIN, ("id", "name"), [(1, "first"), (2, "second"), (1, "again")])
    with engine.connect() as connection:
        assert connection.execute(select(PLAIN.c.id)).all() == []
