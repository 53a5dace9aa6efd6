"""SCIM filters and attribute paths (RFC 7644 §3.4.2.2, §3.5.2): parsed into a small tree.

``userName eq "ada@example.com"``, ``emails[type eq "work"].value co "@example"``,
``displayName sw "Sa" and not (active eq false)``, ``members eq "2819c223-..."``:
what Entra ID and Okta send, and the rest of the grammar. PATCH paths
(``members[value eq "id"]``, ``urn:...:enterprise:2.0:User:manager``) are the same
attribute paths. The store compiles a tree to SQL; :func:`matches` evaluates one
against a multi-valued attribute's item (a PATCH path's ``[...]``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Union

from lrs.scim.errors import ScimError, invalid
from lrs.xapi.json_values import find_unstorable

#: Comparison operators (case-insensitive, RFC 7644 table 3).
OPERATORS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})
#: Longest filter read, and deepest nesting of parentheses and ``not``.
MAX_LENGTH = 4096
MAX_DEPTH = 32

_PATH = re.compile(r"[A-Za-z][\w:.$-]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?", re.ASCII)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


@dataclass(frozen=True)
class AttrPath:
    """``[schema:]name[.sub]``, possibly with a ``[filter]`` choosing items of ``name``."""

    schema: str | None
    name: str
    sub: str | None = None
    selector: Filter | None = None

    @property
    def dotted(self) -> str:
        """``name`` or ``name.sub``, lowercased: what attribute maps are keyed by."""
        return (f"{self.name}.{self.sub}" if self.sub else self.name).lower()

    def __str__(self) -> str:
        prefix = f"{self.schema}:" if self.schema else ""
        selector = "[...]" if self.selector else ""
        return f"{prefix}{self.name}{selector}{'.' + self.sub if self.sub else ''}"


@dataclass(frozen=True)
class Compare:
    path: AttrPath
    op: str
    value: Any


@dataclass(frozen=True)
class Present:
    path: AttrPath


@dataclass(frozen=True)
class ValuePath:
    """``emails[type eq "work" and value co "@x"]``: some item of ``path`` matches."""

    path: AttrPath
    filter: Filter


@dataclass(frozen=True)
class And:
    left: Filter
    right: Filter


@dataclass(frozen=True)
class Or:
    left: Filter
    right: Filter


@dataclass(frozen=True)
class Not:
    inner: Filter


Filter = Union[Compare, Present, ValuePath, And, Or, Not]  # noqa: UP007 (a runtime alias)


def parse_filter(text: str) -> Filter:
    """The tree of a ``filter`` parameter.

    :raises ScimError: ``invalidFilter``, saying where reading stopped.
    """
    if len(text) > MAX_LENGTH:
        raise invalid("invalidFilter", f"filter: longer than {MAX_LENGTH} characters")
    parser = _Parser(text, "invalidFilter", "filter")
    tree = parser.disjunction(0)
    parser.end()
    return tree


def parse_path(text: str) -> AttrPath:
    """The attribute path of a PATCH operation.

    :raises ScimError: ``invalidPath``.
    """
    parser = _Parser(text, "invalidPath", "path")
    path = parser.attr_path(0)
    parser.end()
    return path


def split_path(token: str) -> tuple[str | None, str, str | None]:
    """``(schema, name, sub)`` of ``urn:...:User:manager.value``, ``name.givenName``..."""
    schema = None
    if token.lower().startswith("urn:"):
        schema, _, token = token.rpartition(":")
    name, _, sub = token.partition(".")
    return schema, name, sub or None


def matches(tree: Filter, item: Any) -> bool:
    """Whether a multi-valued attribute's ``item`` (``{"type": "work", "value": ...}``)
    satisfies ``tree``; string comparisons ignore case."""
    if isinstance(tree, And):
        return matches(tree.left, item) and matches(tree.right, item)
    if isinstance(tree, Or):
        return matches(tree.left, item) or matches(tree.right, item)
    if isinstance(tree, Not):
        return not matches(tree.inner, item)
    if isinstance(tree, ValuePath):
        raise invalid("invalidFilter", f"filter: {tree.path} cannot be nested in [...]")
    value = _member(item, tree.path)
    if isinstance(tree, Present):
        return value not in (None, "", [], {})
    return compare(value, tree.op, tree.value)


def compare(actual: Any, op: str, expected: Any) -> bool:
    """``actual op expected`` as SCIM means it (strings without regard to case)."""
    if isinstance(actual, str) and isinstance(expected, str):
        actual, expected = actual.lower(), expected.lower()
    if op == "eq":
        return actual == expected
    if op == "ne":
        return actual != expected
    if actual is None:
        return False
    if op in ("co", "sw", "ew"):
        if not (isinstance(actual, str) and isinstance(expected, str)):
            return False
        return {
            "co": expected in actual,
            "sw": actual.startswith(expected),
            "ew": actual.endswith(expected),
        }[op]
    try:
        return {
            "gt": actual > expected,
            "ge": actual >= expected,
            "lt": actual < expected,
            "le": actual <= expected,
        }[op]
    except TypeError:
        return False


def _member(item: Any, path: AttrPath) -> Any:
    if not isinstance(item, dict):
        return item if path.name.lower() == "value" and not path.sub else None
    found = {key.lower(): value for key, value in item.items()}.get(path.name.lower())
    if path.sub is not None:
        found = (
            {key.lower(): v for key, v in found.items()}.get(path.sub.lower())
            if isinstance(found, dict)
            else None
        )
    return found


class _Parser:
    """Recursive descent over the text; every failure names the offset."""

    def __init__(self, text: str, scim_type: str, what: str) -> None:
        self.text, self.pos, self.scim_type, self.what = text, 0, scim_type, what
        if "\x00" in text:  # nothing stored has one (PostgreSQL refuses them)
            self.pos = text.index("\x00")
            raise self.fail("a NUL character")

    def fail(self, message: str) -> ScimError:
        return invalid(
            self.scim_type, f"{self.what}: {message} at character {self.pos + 1} of {self.text!r}"
        )

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def word(self) -> str:
        """The next bare word, lowercased, without consuming it."""
        self.skip()
        found = re.compile(r"[A-Za-z]+").match(self.text, self.pos)
        return found.group().lower() if found else ""

    def take(self, literal: str) -> bool:
        self.skip()
        if self.text.startswith(literal, self.pos):
            self.pos += len(literal)
            return True
        return False

    def keyword(self, *words: str) -> str | None:
        word = self.word()
        after = self.pos + len(word)
        if word in words and (after == len(self.text) or self.text[after] in ' ()[]"'):
            self.pos = after
            return word
        return None

    def end(self) -> None:
        self.skip()
        if self.pos != len(self.text):
            raise self.fail("unexpected text")

    def disjunction(self, depth: int) -> Filter:
        tree = self.conjunction(depth)
        while self.keyword("or"):
            tree = Or(tree, self.conjunction(depth))
        return tree

    def conjunction(self, depth: int) -> Filter:
        tree = self.unary(depth)
        while self.keyword("and"):
            tree = And(tree, self.unary(depth))
        return tree

    def unary(self, depth: int) -> Filter:
        if depth > MAX_DEPTH:
            raise self.fail(f"nested deeper than {MAX_DEPTH}")
        start = self.pos
        if self.keyword("not"):
            if self.take("("):
                return Not(self.group(depth + 1))
            self.pos = start  # an attribute named "not"
        if self.take("("):
            return self.group(depth + 1)
        return self.expression(depth)

    def group(self, depth: int) -> Filter:
        tree = self.disjunction(depth)
        if not self.take(")"):
            raise self.fail("expected ')'")
        return tree

    def expression(self, depth: int) -> Filter:
        path = self.attr_path(depth)
        if self.keyword("pr"):
            return Present(path)
        op = self.keyword(*OPERATORS)
        if op is not None:
            return Compare(path, op, self.value())
        if path.selector is not None and path.sub is None:
            return ValuePath(AttrPath(path.schema, path.name), path.selector)
        raise self.fail("expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)")

    def attr_path(self, depth: int) -> AttrPath:
        self.skip()
        found = _PATH.match(self.text, self.pos)
        if found is None:
            raise self.fail("expected an attribute name")
        self.pos = found.end()
        schema, name, sub = split_path(found.group())
        if not name:
            raise self.fail("expected an attribute name")
        selector = None
        if sub is None and self.text.startswith("[", self.pos):
            self.pos += 1
            selector = self.disjunction(depth + 1)
            if not self.take("]"):
                raise self.fail("expected ']'")
            if self.text.startswith(".", self.pos):
                tail = re.compile(r"\.([A-Za-z][\w$-]*)").match(self.text, self.pos)
                if tail is None:
                    raise self.fail("expected a sub-attribute after '.'")
                self.pos, sub = tail.end(), tail.group(1)
        return AttrPath(schema, name, sub, selector)

    def value(self) -> Any:
        self.skip()
        for literal, value in (("true", True), ("false", False), ("null", None)):
            if self.keyword(literal):
                return value
        string = _STRING.match(self.text, self.pos)
        if string is not None:
            try:
                decoded = json.loads(string.group())
            except ValueError:
                raise self.fail("malformed string") from None
            if "\x00" in decoded:  # escaped (\u0000): stored values have none either
                raise self.fail("a NUL character")
            if find_unstorable(decoded) is not None:  # "\ud800": not Unicode, no match
                raise self.fail("a lone UTF-16 surrogate")
            self.pos = string.end()
            return decoded
        number = _NUMBER.match(self.text, self.pos)
        if number is not None:
            self.pos = number.end()
            return json.loads(number.group())
        raise self.fail('expected a value (a "string", a number, true, false or null)')
