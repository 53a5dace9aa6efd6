"""Attribute rules of people groups: ``department = Sales AND hire_date >= 2026-01-01``.

A rule is clauses ``field operator value`` joined by ``AND`` and ``OR`` (``AND``
binds tighter: ``a AND b OR c`` is ``(a AND b) OR c``). Fields are the directory's
(``employee_id``, ``display_name``, ``email``, ``department``, ``manager``,
``location``, ``job_title``, ``hire_date``, ``active``) or a custom attribute's
name; operators are ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``; a value is a word or a
"quoted string". Values compare as numbers when both sides are numbers and as text
otherwise, which orders ISO dates (``2026-01-01``) correctly. A person without the
attribute matches no clause about it. Matching is case-sensitive, as HR data is.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from lrs.plugin.host import Person

_TOKEN = re.compile(r'\s*(?:(?P<op><=|>=|!=|=|<|>)|"(?P<quoted>[^"]*)"|(?P<word>[^\s<>=!"]+))')
_OPERATORS: dict[str, Callable[[object, object], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


class GroupRuleError(ValueError):
    """A rule that cannot be read; the message says where."""


@dataclass(frozen=True)
class Clause:
    field: str
    operator: str
    value: str

    def matches(self, person: Person) -> bool:
        have = value_of(person, self.field)
        if have is None:
            return False
        left, right = _comparable(have, self.value)
        return _OPERATORS[self.operator](left, right)


@dataclass(frozen=True)
class GroupRule:
    """Alternatives (``OR``) of conjunctions (``AND``) of clauses."""

    alternatives: tuple[tuple[Clause, ...], ...]

    def matches(self, person: Person) -> bool:
        return any(all(clause.matches(person) for clause in conjunction)
                   for conjunction in self.alternatives)


def parse_rule(text: str) -> GroupRule:
    """The rule ``text`` spells.

    :raises GroupRuleError: naming the position and what was expected there.
    """
    tokens = _tokens(text)
    alternatives: list[tuple[Clause, ...]] = []
    conjunction: list[Clause] = []
    index = 0
    while True:
        if index + 3 > len(tokens):
            where = tokens[index][0] if index < len(tokens) else len(text)
            raise GroupRuleError(f"at character {where + 1}: expected `field operator value`")
        (at, field, kind), (op_at, op, op_kind), (_, value, value_kind) = tokens[index:index + 3]
        if kind != "word" or not _FIELD.fullmatch(field):
            raise GroupRuleError(f"at character {at + 1}: {field!r} is not a field name")
        if op_kind != "op":
            raise GroupRuleError(f"at character {op_at + 1}: expected one of "
                                 f"{', '.join(_OPERATORS)} after {field!r}")
        if value_kind == "op":
            raise GroupRuleError(f"at character {op_at + 1}: {field} {op} needs a value")
        conjunction.append(Clause(field, op, value))
        index += 3
        if index == len(tokens):
            alternatives.append(tuple(conjunction))
            return GroupRule(tuple(alternatives))
        joiner_at, joiner, _ = tokens[index]
        if joiner.upper() == "OR":
            alternatives.append(tuple(conjunction))
            conjunction = []
        elif joiner.upper() != "AND":
            raise GroupRuleError(f"at character {joiner_at + 1}: expected AND or OR, "
                                 f"got {joiner!r}")
        index += 1


def value_of(person: Person, field: str) -> str | None:
    """A person's value of a rule field (``None`` when they have none)."""
    if field == "employee_id":
        return person.id
    if field in ("display_name", "name"):
        return person.name
    return person.attributes.get(field)


def _tokens(text: str) -> list[tuple[int, str, str]]:
    tokens, position = [], 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            rest = text[position:].lstrip()
            where = len(text) - len(rest)
            raise GroupRuleError(f"at character {where + 1}: cannot read {rest!r}")
        kind = match.lastgroup or "word"
        tokens.append((match.start(kind), match.group(kind), "word" if kind == "quoted"
                       else kind))
        position = match.end()
    if not tokens:
        raise GroupRuleError("the rule is empty")
    return tokens


def _comparable(have: str, want: str) -> tuple[object, object]:
    try:
        return float(have), float(want)
    except ValueError:
        return have, want
