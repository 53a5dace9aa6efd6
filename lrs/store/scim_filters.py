"""SCIM filters as SQL: each filterable attribute is a column (or an ``EXISTS``) of the store.

Filters run in the database, on indexed columns where providers filter most
(``userName eq``, ``externalId eq``, ``displayName eq``), so matching a user
before provisioning costs one indexed query whatever the directory's size.
Attributes not listed here cannot be filtered on: ``invalidFilter`` says which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select, true

from lrs.models import PeopleGroup, PeopleGroupMember, Person, PersonIdentity, ScimGroup, ScimUser
from lrs.scim.errors import invalid
from lrs.scim.filter import And, AttrPath, Compare, Filter, Not, Or, Present, ValuePath
from lrs.scim.schemas import ENTERPRISE, GROUP, USER

#: A filterable attribute: (operator, value) -> condition; ``op`` ``pr`` for present.
Field = Callable[[str, Any], ColumnElement[bool]]
_MAILTO = "mbox:mailto:"


def user_condition(tree: Filter) -> ColumnElement[bool]:
    """The ``WHERE`` of a Users filter (over ``scim_users`` joined with ``people``)."""
    return _compile(tree, _user_field)


def group_condition(tree: Filter) -> ColumnElement[bool]:
    """The ``WHERE`` of a Groups filter (over ``scim_groups`` joined with ``people_groups``)."""
    return _compile(tree, _group_field)


def _compile(tree: Filter, field: Callable[[AttrPath], Field]) -> ColumnElement[bool]:
    if isinstance(tree, And):
        return and_(_compile(tree.left, field), _compile(tree.right, field))
    if isinstance(tree, Or):
        return or_(_compile(tree.left, field), _compile(tree.right, field))
    if isinstance(tree, Not):
        return not_(_compile(tree.inner, field))
    if isinstance(tree, ValuePath):
        raise invalid(
            "invalidFilter",
            f"filter: {tree.path}[...] is not supported; filter on "
            f'{tree.path.name}.value or emails[type eq "work"].value',
        )
    if isinstance(tree, Present):
        return field(tree.path)("pr", None)
    assert isinstance(tree, Compare)
    return field(tree.path)(tree.op, tree.value)


def _user_field(path: AttrPath) -> Field:
    schema = (path.schema or USER).lower()
    name = path.dotted
    if schema == USER.lower():
        if path.selector is not None:
            if name == "emails.value" and _is_main_email(path.selector):
                return _text(Person.email, path, lowered=True)
        elif name == "id":
            return _text(ScimUser.scim_id, path)
        elif name == "username":
            return _text(ScimUser.user_name_key, path, lowered=True)
        elif name == "externalid":
            return _text(ScimUser.external_id, path)
        elif name in ("displayname", "name.formatted"):
            return _text(Person.display_name, path, lowered=True)
        elif name == "title":
            return _text(Person.job_title, path, lowered=True)
        elif name == "active":
            return _boolean(Person.active, path)
        elif name in ("emails", "emails.value"):
            return _email_identity(path)
    elif schema == ENTERPRISE.lower():
        if name == "employeenumber":
            return _text(Person.employee_id, path)
        if name == "department":
            return _text(Person.department, path, lowered=True)
    raise _not_filterable(path)


def _group_field(path: AttrPath) -> Field:
    name = path.dotted
    if (path.schema or GROUP).lower() == GROUP.lower() and path.selector is None:
        if name == "id":
            return _text(ScimGroup.scim_id, path)
        if name == "displayname":
            return _text(PeopleGroup.name, path, lowered=True)
        if name == "externalid":
            return _text(ScimGroup.external_id, path)
        if name in ("members", "members.value"):
            return _member(path)
    raise _not_filterable(path)


def _not_filterable(path: AttrPath) -> Exception:
    return invalid("invalidFilter", f"filter: {path} cannot be filtered on")


def _is_main_email(selector: Filter) -> bool:
    """``type eq "work"`` or ``primary eq true``: the directory's own email."""
    return (
        isinstance(selector, Compare)
        and selector.op == "eq"
        and (
            (selector.path.dotted == "type" and str(selector.value).lower() == "work")
            or (selector.path.dotted == "primary" and selector.value is True)
        )
    )


def _text(column: Any, path: AttrPath, *, lowered: bool = False) -> Field:
    """A string column; ``lowered`` ones compare without regard to case."""

    def condition(op: str, value: Any) -> ColumnElement[bool]:
        if op == "pr":
            return and_(column.is_not(None), column != "")
        if value is None and op in ("eq", "ne"):
            return column.is_(None) if op == "eq" else column.is_not(None)
        if not isinstance(value, str):
            raise invalid("invalidFilter", f"filter: compare {path} with a string")
        target = column
        if lowered:
            value = value.lower()
            target = column if column is ScimUser.user_name_key else func.lower(column)
        return _operate(target, op, value)

    return condition


def _operate(target: Any, op: str, value: str) -> ColumnElement[bool]:
    if op == "eq":
        return target == value
    if op == "ne":
        return or_(target != value, target.is_(None))
    if op in ("co", "sw", "ew"):
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = {"co": f"%{escaped}%", "sw": f"{escaped}%", "ew": f"%{escaped}"}[op]
        return target.like(pattern, escape="\\")
    return {
        "gt": target > value,
        "ge": target >= value,
        "lt": target < value,
        "le": target <= value,
    }[op]


def _boolean(column: Any, path: AttrPath) -> Field:
    def condition(op: str, value: Any) -> ColumnElement[bool]:
        if op == "pr":
            return true()
        if op not in ("eq", "ne") or not isinstance(value, bool):
            raise invalid("invalidFilter", f"filter: {path} takes eq or ne with true or false")
        return column.is_(value) if op == "eq" else column.is_not(value)

    return condition


def _email_identity(path: AttrPath) -> Field:
    """Any address of the person: every email is one of their identities (lowercased)."""

    def condition(op: str, value: Any) -> ColumnElement[bool]:
        held = select(PersonIdentity.agent_key).where(PersonIdentity.person_id == Person.id)
        if op == "pr":
            return exists(held.where(PersonIdentity.agent_key.like(f"{_MAILTO}%")))
        if not isinstance(value, str) or op not in ("eq", "ne", "co", "sw", "ew"):
            raise invalid(
                "invalidFilter", f"filter: {path} takes eq, ne, co, sw, ew or pr with a string"
            )
        value = value.lower()
        if op in ("eq", "ne"):
            found = exists(held.where(PersonIdentity.agent_key == _MAILTO + value))
            return found if op == "eq" else not_(found)
        address = func.substr(PersonIdentity.agent_key, len(_MAILTO) + 1)
        return exists(
            held.where(PersonIdentity.agent_key.like(f"{_MAILTO}%"), _operate(address, op, value))
        )

    return condition


def _member(path: AttrPath) -> Field:
    """``members eq "<user id>"``: Entra ID asks so whether someone is in a group."""

    def condition(op: str, value: Any) -> ColumnElement[bool]:
        members = (
            select(ScimUser.scim_id)
            .join(PeopleGroupMember, PeopleGroupMember.person_id == ScimUser.person_id)
            .where(PeopleGroupMember.group_id == PeopleGroup.id)
        )
        if op == "pr":
            return exists(members)
        if op not in ("eq", "ne") or not isinstance(value, str):
            raise invalid("invalidFilter", f"filter: {path} takes eq or ne with a user id")
        found = exists(members.where(ScimUser.scim_id == value))
        return found if op == "eq" else not_(found)

    return condition
