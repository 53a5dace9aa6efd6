"""SCIM PATCH (RFC 7644 §3.5.2) applied to a resource's JSON, as Entra ID and Okta send it.

A PATCH is applied to the resource as a GET renders it; the result is then read
like a PUT body, so both go through one validation and one write. Besides the
RFC's forms this accepts what the providers actually send: ``"op": "Replace"``
in any case, ``"value": "False"`` for a boolean (Entra ID before its 2020 fixes),
a path-less value keyed by sub-attribute or URN-qualified names
(``{"name.givenName": ..., "urn:...:enterprise:2.0:User:department": ...}``),
``members`` removed by ``"value": [{"value": id}]``, and a filtered path that
matches nothing (``emails[type eq "work"].value``) adding the item it describes.
Attributes Weft does not keep are ignored, as in a POST.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from lrs.scim.errors import ScimError, invalid
from lrs.scim.filter import And, AttrPath, Compare, Filter, matches, parse_path
from lrs.scim.schemas import PATCH_OP, READ_ONLY, Attribute
from lrs.scim.values import canonical_value, known, normalize, sub_names

OPS = ("add", "replace", "remove")
#: A key of a path-less value that is an attribute name, not a path.
_PLAIN = re.compile(r"[A-Za-z][\w$-]*")


@dataclass(frozen=True)
class Operation:
    op: str
    path: AttrPath | None
    value: Any
    #: ``Operations[3]``: where in the body, for messages.
    where: str


def read_operations(body: Any) -> list[Operation]:
    """The operations of a PatchOp body.

    :raises ScimError: ``invalidSyntax``, ``invalidPath`` or ``invalidValue``.
    """
    if not isinstance(body, dict):
        raise invalid("invalidSyntax", "the body must be a JSON object")
    declared = body.get("schemas")
    if not isinstance(declared, list) or PATCH_OP.lower() not in {
        str(urn).lower() for urn in declared
    }:
        raise invalid("invalidSyntax", f"schemas: must list {PATCH_OP}")
    found = {key.lower(): value for key, value in body.items() if isinstance(key, str)}
    listed = found.get("operations")
    if not isinstance(listed, list) or not listed:
        raise invalid("invalidSyntax", "Operations: must be a non-empty list")
    operations = []
    for index, item in enumerate(listed):
        where = f"Operations[{index}]"
        if not isinstance(item, dict):
            raise invalid("invalidSyntax", f"{where}: must be a JSON object")
        item = {key.lower(): value for key, value in item.items() if isinstance(key, str)}
        op = str(item.get("op", "")).lower()
        if op not in OPS:
            raise invalid("invalidSyntax", f"{where}.op: must be add, replace or remove")
        path = item.get("path")
        if path is not None and not (isinstance(path, str) and path.strip()):
            raise invalid("invalidPath", f"{where}.path: must be a non-empty string")
        if op != "remove" and "value" not in item:
            raise invalid("invalidValue", f"{where}.value: is required for {op}")
        operations.append(
            Operation(op, parse_path(path.strip()) if path else None, item.get("value"), where)
        )
    return operations


def apply_patch(
    resource: dict[str, Any],
    operations: list[Operation],
    core: str,
    extensions: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``resource`` after ``operations``, in order (``resource`` is left unchanged).

    :raises ScimError: ``noTarget``, ``invalidPath``, ``invalidValue`` or ``mutability``.
    """
    patched = copy.deepcopy(resource)
    for operation in operations:
        _Apply(patched, operation, core, extensions).run()
    return patched


class _Apply:
    def __init__(
        self, resource: dict[str, Any], operation: Operation, core: str, extensions: tuple[str, ...]
    ) -> None:
        self.resource, self.operation, self.core = resource, operation, core
        self.extensions = {urn.lower(): urn for urn in extensions}

    def run(self) -> None:
        operation, path = self.operation, self.operation.path
        if path is None:
            if operation.op == "remove":
                raise invalid("noTarget", f"{operation.where}: remove needs a path")
            self.set_all(operation.value)
            return
        whole = f"{path.schema}:{path.name}".lower() if path.schema else ""
        if whole in self.extensions and path.sub is None and path.selector is None:
            if operation.op == "remove":
                self.resource.pop(self.extensions[whole], None)
            else:
                self.set_all({self.extensions[whole]: operation.value})
            return
        urn = (
            self.core
            if path.schema is None or path.schema.lower() == self.core.lower()
            else self.extensions.get(path.schema.lower())
        )
        if path.name in READ_ONLY or path.name.lower() in READ_ONLY:
            raise invalid("mutability", f"{operation.where}.path: {path.name} is read-only")
        spec = known(urn, path.name) if urn else None
        if spec is None:
            return  # not an attribute Weft keeps
        container = self.resource if urn == self.core else self.resource.setdefault(urn, {})
        if path.selector is not None:
            self.on_items(container, spec, path)
        elif path.sub is not None:
            self.on_sub(container, spec, path.sub)
        elif operation.op == "remove":
            self.remove(container, spec)
        else:
            put(container, spec, operation.value, operation.op)

    def set_all(self, value: Any) -> None:
        """A path-less add or replace: each attribute of ``value``."""
        if not isinstance(value, dict):
            raise invalid(
                "invalidValue",
                f"{self.operation.where}.value: must be a JSON object when there is no path",
            )
        attributes: dict[str, Any] = {}
        for key, given in value.items():
            if not isinstance(key, str):
                continue
            if key.lower() in self.extensions or _PLAIN.fullmatch(key):
                attributes[key] = given
            else:  # a path as Entra ID sends them: "name.givenName", "urn:...:User:department"
                where = f"{self.operation.where}.value[{key!r}]"
                operation = Operation(self.operation.op, _path(key, where), given, where)
                _Apply(self.resource, operation, self.core, tuple(self.extensions.values())).run()
        found = normalize(attributes, self.core, tuple(self.extensions.values()))
        for name, given in found.items():
            if name in self.extensions.values():
                container = self.resource.setdefault(name, {})
                for inner, inner_value in given.items():
                    put(container, known(name, inner), inner_value, self.operation.op)
            else:
                put(self.resource, known(self.core, name), given, self.operation.op)

    def remove(self, container: dict[str, Any], spec: Attribute) -> None:
        """Remove the attribute, or (multi-valued, with a value) the items listed."""
        given = self.operation.value
        if spec.multi and given not in (None, [], {}):
            listed = given if isinstance(given, list) else [given]
            gone = {_identity(item) for item in listed}
            container[spec.name] = [
                item for item in container.get(spec.name) or [] if _identity(item) not in gone
            ]
        else:
            container.pop(spec.name, None)

    def on_sub(self, container: dict[str, Any], spec: Attribute, sub: str) -> None:
        name = _sub_name(spec, sub)
        if name is None:
            return
        if spec.multi:
            if self.operation.op != "remove":
                raise invalid(
                    "invalidPath",
                    f"{self.operation.where}.path: choose the "
                    f'items with a filter, e.g. {spec.name}[type eq "work"].{name}',
                )
            for item in container.get(spec.name) or []:
                item.pop(name, None)
            return
        current = container.get(spec.name)
        target = dict(current) if isinstance(current, dict) else {}
        if self.operation.op == "remove":
            target.pop(name, None)
        else:
            target[name] = self.operation.value
        if target:
            container[spec.name] = target
        else:
            container.pop(spec.name, None)

    def on_items(self, container: dict[str, Any], spec: Attribute, path: AttrPath) -> None:
        """``emails[type eq "work"].value``, ``members[value eq "id"]``."""
        where = self.operation.where
        if not spec.multi:
            raise invalid(
                "invalidPath", f"{where}.path: [...] only chooses items of a multi-valued attribute"
            )
        assert path.selector is not None
        listed = [item for item in container.get(spec.name) or [] if isinstance(item, dict)]
        hit = [item for item in listed if matches(path.selector, item)]
        sub = _sub_name(spec, path.sub) if path.sub else None
        if self.operation.op == "remove":
            if path.sub is None:
                listed = [item for item in listed if not any(item is h for h in hit)]
            for item in hit if sub else ():
                item.pop(sub, None)
            container[spec.name] = listed
            return
        if path.sub is not None and sub is None:
            return
        if not hit:
            seed = _seed(path.selector)
            if seed is None:
                raise invalid("noTarget", f"{where}.path: no item of {spec.name} matches")
            listed.append(seed)
            hit = [seed]
        for item in hit:
            if sub:
                item[sub] = self.operation.value
            elif isinstance(self.operation.value, dict):
                item.update(sub_names(spec, self.operation.value))
            else:
                raise invalid("invalidValue", f"{where}.value: must be a JSON object")
        container[spec.name] = listed


def _path(text: str, where: str) -> AttrPath:
    try:
        return parse_path(text)
    except ScimError as exc:
        raise invalid("invalidPath", f"{where}: {exc.message}") from None


def put(container: dict[str, Any], spec: Attribute | None, value: Any, op: str) -> None:
    """Add or replace one attribute's value (multi-valued add appends, complex add merges)."""
    if spec is None:
        return
    value = canonical_value(spec, value)
    if value is None:
        container.pop(spec.name, None)
    elif spec.multi:
        new = value if isinstance(value, list) else [value]
        if op == "add":
            held = container.get(spec.name) or []
            seen = {_identity(item) for item in held}
            new = [*held, *(item for item in new if _identity(item) not in seen)]
        container[spec.name] = new
    elif (
        spec.sub
        and op == "add"
        and isinstance(value, dict)
        and isinstance(container.get(spec.name), dict)
    ):
        container[spec.name] = {**container[spec.name], **value}
    else:
        container[spec.name] = value


def _identity(item: Any) -> Any:
    """What tells two items of a multi-valued attribute apart: their ``value``."""
    if isinstance(item, dict):
        item = {key.lower(): value for key, value in item.items()}.get("value", repr(item))
    return item.lower() if isinstance(item, str) else repr(item)


def _sub_name(spec: Attribute, sub: str | None) -> str | None:
    return next((s.name for s in spec.sub if sub and s.name.lower() == sub.lower()), None)


def _seed(selector: Filter) -> dict[str, Any] | None:
    """The item a filter of ``eq`` clauses joined by ``and`` describes (``type eq "work"``)."""
    if isinstance(selector, Compare) and selector.op == "eq" and not selector.path.sub:
        return {selector.path.name: selector.value}
    if isinstance(selector, And):
        left, right = _seed(selector.left), _seed(selector.right)
        return {**left, **right} if left is not None and right is not None else None
    return None
