"""The base of every xAPI Struct, and how msgspec's errors become xAPI error details.

Statements are checked by converting the parsed JSON into msgspec Structs
(:mod:`lrs.xapi.schemas`): the JSON types, required and unknown properties and
lengths are checked in C; the rules of string leaf types (:mod:`lrs.xapi.fields`)
and those spanning several properties in a ``__post_init__`` generated for each
Struct. That is one description of the rules, and it is fast: about a fifth of
the cost of the marshmallow schemas it replaced (``bench/README.md``).

msgspec stops at the first problem and words it for programmers. Only when a
statement is refused, :func:`diagnose` converts it again property by property,
with the same Struct types, to name every problem, and :func:`explain` turns
each into a JSONPath and the message the type carries.

Three conventions make that possible:

* A rule in ``__post_init__`` raises :class:`Problem`, which says where below the
  Struct (msgspec adds the Struct's own path) and can name several places.
* A property whose type depends on its value (an actor is an Agent or a Group, a
  statement's object one of five kinds) is declared ``Any`` and listed in the
  Struct's ``dispatch``: a function of the value giving its Struct type, or
  raising :class:`Problem`. ``__post_init__`` converts it (:func:`load` words
  the problems).
* An object that must not be empty (Data 2.2: ``{}`` is not a value) but whose
  properties are all optional says ``refuse_empty = True``.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar, Literal, Union

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from lrs.xapi.errors import member_step

Steps = tuple[str | int, ...]
Found = list[tuple[Steps, str]]

EMPTY_OBJECT = "must not be an empty object"


class Problem(ValueError):
    """Rule violations found in ``__post_init__``: ``(steps below the Struct, message)``."""

    def __init__(self, *found: tuple[Steps, str]) -> None:
        super().__init__(found[0][1])
        self.found = list(found)


class XapiStruct(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """Base Struct: unknown properties are refused (Data 2.2); absent ones stay UNSET.

    Statements are trees, so their Structs are left out of the garbage collector's
    tracking (``gc=False``): a batch creates thousands of them.

    Each subclass gets a ``__post_init__`` written for its properties (see
    :func:`_post_init`): it applies the rules of their leaf types
    (``Meta.extra["check"]``, :mod:`lrs.xapi.fields`), converts the properties
    named in ``dispatch`` (a function of the value giving its Struct type) and then
    calls :meth:`check`; each step raises :class:`Problem` naming every place.
    """

    dispatch: ClassVar[dict[str, Callable[[Any], type]]] = {}
    #: Refuse ``{}`` (Data 2.2: an empty object is not a value). Objects with a
    #: required property are refused for lacking it; this is for the others.
    refuse_empty: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        post_init = _post_init(cls)
        if post_init is not None:
            cls.__post_init__ = post_init  # type: ignore[attr-defined]  # msgspec reads it now

    def check(self) -> None:
        """Rules spanning several properties; raise :class:`Problem`."""


def _post_init(struct: type[XapiStruct]) -> Callable[[XapiStruct], None] | None:
    """The ``__post_init__`` of ``struct``, written out property by property.

    It runs for every object of every statement, so it is generated as straight-line
    code (as :mod:`dataclasses` writes ``__init__``): a property whose check
    remembers the values it accepted costs one set look-up, in C, when it recurs.
    """
    # msgspec lists the fields (``__struct_fields__``) only after this runs
    hints = {
        name: kind
        for name, kind in typing.get_type_hints(struct, include_extras=True).items()
        if typing.get_origin(kind) is not ClassVar
    }
    names: dict[str, Any] = {
        "UNSET": UNSET,
        "Problem": Problem,
        "_load": load,
        "_convert": msgspec.convert,
        "ValidationError": msgspec.ValidationError,
        "_value": _value_problem,
        "_members": _member_problems,
    }
    lines: list[str] = []
    if struct.refuse_empty:
        names["EMPTY"] = ((), EMPTY_OBJECT)
        lines += [
            "if " + " and ".join(f"self.{name} is UNSET" for name in hints) + ":",
            "    raise Problem(EMPTY)",
        ]
    for name, kind in hints.items():
        rule = _leaf_rule(kind)
        if rule is None:
            continue
        shape, check, message = rule
        index = len(names)
        names[f"c{index}"], names[f"m{index}"] = check, message
        known = getattr(check, "known", None)
        names[f"k{index}"] = known
        lines += [f"v = self.{name}"]
        if shape == "value":
            test = (
                f"v not in k{index} and not c{index}(v)"
                if known is not None
                else f"not c{index}(v)"
            )
            lines += [
                f"if v is not UNSET and {test}:",
                f"    found = _value(found, {name!r}, m{index}, v)",
            ]
        else:
            test = f"not k{index}.issuperset(v) and " if known is not None else ""
            lines += [
                f"if v is not UNSET and {test}not all(map(c{index}, v)):",
                f"    found = _members(found, {name!r}, c{index}, m{index}, v, {shape == 'keys'})",
            ]
    for name, pick in struct.dispatch.items():
        names[f"p_{name}"] = pick
        lines += [
            f"v = self.{name}",
            "if v is not UNSET:",
            "    try:",
            f"        self.{name} = _convert(v, p_{name}(v))",
            "    except (Problem, ValidationError):",
            f"        try:\n                _load(v, p_{name}, {name!r})",
            "        except Problem as problem:",
            "            found = (found or []) + problem.found",
        ]
    rules = struct.check is not XapiStruct.check
    if not lines and not rules:
        return None
    body = ["found = None", *lines, "if found:", "    raise Problem(*found)"]
    if rules:
        body.append("self.check()")
    source = "def __post_init__(self):\n" + "\n".join("    " + line for line in body)
    exec(compile(source, f"<{struct.__qualname__}.__post_init__>", "exec"), names)
    return names["__post_init__"]


def _value_problem(found: Found | None, name: str, message: Any, value: Any) -> Found:
    return [*(found or ()), ((name,), message(value) if callable(message) else message)]


def _member_problems(
    found: Found | None,
    name: str,
    check: Callable[[Any], bool],
    message: Any,
    value: Any,
    keys: bool,
) -> Found:
    steps = value if keys else range(len(value))
    return [
        *(found or ()),
        *(
            ((name, step), message(member) if callable(message) else message)
            for step, member in zip(steps, value, strict=True)
            if not check(member)
        ),
    ]


Check = Callable[[Any], "Found | None"]


def _leaf_rule(kind: Any) -> tuple[str, Callable[[Any], bool], Any] | None:
    """``(shape, check, message)`` of a leaf type whose value, keys or items carry a
    ``check`` (shape ``"value"``, ``"keys"`` or ``"items"``), else None."""
    base, extra = _unwrap(kind)
    if "check" in extra:
        return "value", extra["check"], extra["message"]
    origin = typing.get_origin(base)
    if origin in (dict, list):
        _, inner = _unwrap(typing.get_args(base)[0])
        if "check" in inner:
            return "keys" if origin is dict else "items", inner["check"], inner["message"]
    return None


def leaf_check(kind: Any) -> Check | None:
    """The problems of a value already of ``kind``'s JSON shape, by its leaf rule."""
    rule = _leaf_rule(kind)
    if rule is None:
        return None
    shape, check, message = rule

    def problems(value: Any) -> Found | None:
        if shape == "value":
            found = [] if check(value) else _value_problem(None, "", message, value)
        else:
            found = _member_problems(None, "", check, message, value, shape == "keys")
        return [(steps[1:], text) for steps, text in found] or None

    return problems


def load(value: Any, pick: Callable[[Any], type], name: str | int) -> Any:
    """``value`` converted to the Struct type ``pick`` chooses; problems as :class:`Problem`."""
    try:
        kind = pick(value)
        return msgspec.convert(value, kind)
    except Problem as problem:
        raise Problem(*(((name, *steps), message) for steps, message in problem.found)) from None
    except msgspec.ValidationError as exc:
        raise Problem(
            *(((name, *steps), message) for steps, message in explain(exc, kind, value))
        ) from None


# -- errors ------------------------------------------------------------------------------

_AT = re.compile(r"(?s)(.*?)(?: - at `(\$[^`]*)`)?")
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\.\.\.\]")
_MISSING = re.compile(r"Object missing required field `(.*)`")
_UNKNOWN = re.compile(r"Object contains unknown field `(.*)`")


def diagnose(kind: Any, value: Any) -> Found:
    """Every problem of ``value`` as ``kind`` (empty if it converts), property by property."""
    try:
        msgspec.convert(value, kind)
    except msgspec.ValidationError as exc:
        first = explain(exc, kind, value)
    else:
        check = leaf_check(kind)
        return (check(value) or []) if check is not None else []
    base, _ = _unwrap(kind)
    struct = _struct_of(base, value)
    if isinstance(value, list) and (item := _list_item(base)) is not None:
        found = [
            ((index, *steps), message)
            for index, element in enumerate(value)
            for steps, message in diagnose(item, element)
        ]
        return found or first
    if struct is None or not isinstance(value, dict) or not value:
        return first
    hints = _hints(struct)
    found = []
    for name, element in value.items():
        if name not in hints:
            found.append(((name,), "unknown property"))
            continue
        pick = struct.dispatch.get(name)
        if pick is None:
            found += [
                ((name, *steps), message) for steps, message in diagnose(hints[name], element)
            ]
            continue
        try:
            found += [
                ((name, *steps), message) for steps, message in diagnose(pick(element), element)
            ]
        except Problem as problem:
            found += [((name, *steps), message) for steps, message in problem.found]
    found += [((name,), "is required") for name in _required(struct) if name not in value]
    return found or first


def explain(exc: msgspec.ValidationError, kind: Any, value: Any) -> Found:
    """Where (steps below ``value``) and why msgspec refused ``value`` as ``kind``."""
    match = _AT.fullmatch(str(exc))
    assert match is not None  # the pattern matches any text
    text, path = match.groups()
    steps: list[str | int] = []
    for step in _STEP.finditer((path or "$")[1:]):
        name, index = step.groups()
        kind, value, step_taken = _step(kind, value, name, index)
        steps.append(step_taken)
    if isinstance(exc.__cause__, Problem):
        return [((*steps, *more), message) for more, message in exc.__cause__.found]
    if (missing := _MISSING.fullmatch(text)) is not None:
        if value == {}:
            return [(tuple(steps), EMPTY_OBJECT)]
        return [((*steps, missing[1]), "is required")]
    if (unknown := _UNKNOWN.fullmatch(text)) is not None:
        return [((*steps, unknown[1]), "unknown property")]
    # null as a property is "not null"; as a member of a map or array, the wrong type
    member = bool(steps) and (isinstance(steps[-1], int) or str(path).endswith("]"))
    return [(tuple(steps), _message(kind, value, text, member=member))]


def to_path(root: str, steps: Steps) -> str:
    """The JSONPath of ``steps`` below ``root``."""
    return root + "".join(
        f"[{step}]" if isinstance(step, int) else member_step(step) for step in steps
    )


def _step(kind: Any, value: Any, name: str | None, index: str | None) -> tuple[Any, Any, Any]:
    """The type and value one step down msgspec's path (``[...]``: the first bad member)."""
    base, _ = _unwrap(kind)
    if name is not None:
        struct = _struct_of(base, value)
        assert struct is not None
        return _hints(struct)[name], value.get(name), name
    if index is not None:
        return _list_item(base), value[int(index)], int(index)
    item_kind = typing.get_args(base)[1]
    bad = next(key for key, item in value.items() if not _fits(item, item_kind))
    return item_kind, value[bad], bad


def _fits(value: Any, kind: Any) -> bool:
    try:
        msgspec.convert(value, kind)
    except msgspec.ValidationError:
        return False
    return True


def _message(kind: Any, value: Any, text: str, *, member: bool = False) -> str:
    """The message for ``value`` refused as ``kind`` (msgspec said ``text``)."""
    if value is None and not member:
        return "must not be null"
    base, extra = _unwrap(kind)
    expected = _json_type(base)
    if expected is not None and _json_type(type(value)) != expected:
        return extra.get("type_message") or _TYPE_MESSAGES[expected]
    if "of length >=" in text:
        return EMPTY_OBJECT if expected == "object" else "must not be an empty array"
    message = extra.get("message")
    if callable(message):
        return message(value)
    if message is not None:
        return message
    if typing.get_origin(base) is Literal:
        allowed = typing.get_args(base)
        if len(allowed) == 1:
            return f'must be "{allowed[0]}"'
        return "must be one of " + ", ".join(f'"{each}"' for each in allowed)
    return text  # not reached by the Structs of this package; msgspec's own words


_TYPE_MESSAGES = {
    "string": "must be a string",
    "boolean": "must be true or false",
    "number": "must be a number",
    "integer": "must be an integer",
    "array": "must be an array",
    "object": "must be an object",
}


def _json_type(kind: Any) -> str | None:
    """The JSON type a Python type (or a value's type) stands for."""
    if kind is bool:
        return "boolean"
    if kind is str or typing.get_origin(kind) is Literal:
        return "string"
    if kind is int:
        return "integer"
    if kind is float or kind == (int | float):
        return "number"
    if kind is list or typing.get_origin(kind) is list:
        return "array"
    if (
        kind is dict
        or typing.get_origin(kind) is dict
        or (isinstance(kind, type) and issubclass(kind, Struct))
        or _is_union(kind)
    ):
        return "object"
    return None


def _unwrap(kind: Any) -> tuple[Any, dict[str, Any]]:
    """``kind`` without ``Annotated`` and ``UnsetType``, and the ``extra`` of its Metas."""
    extra: dict[str, Any] = {}
    while True:
        if typing.get_origin(kind) is typing.Annotated:
            base, *metas = typing.get_args(kind)
            for meta in metas:
                if isinstance(meta, Meta) and meta.extra:
                    extra = {**meta.extra, **extra}
            kind = base
        elif _is_union(kind) and UnsetType in typing.get_args(kind):
            rest = tuple(arg for arg in typing.get_args(kind) if arg is not UnsetType)
            kind = rest[0] if len(rest) == 1 else Union[rest]  # noqa: UP007
        else:
            return kind, extra


def _is_union(kind: Any) -> bool:
    return typing.get_origin(kind) in (Union, types.UnionType) and kind != (int | float)


def _struct_of(base: Any, value: Any) -> type[XapiStruct] | None:
    """The Struct type of ``base`` (of its object member, for an object-or-array union)."""
    if isinstance(base, type) and issubclass(base, XapiStruct):
        return base
    if _is_union(base) and not isinstance(value, list):
        for arg in typing.get_args(base):
            if isinstance(arg, type) and issubclass(arg, XapiStruct):
                return arg
    return None


def _list_item(base: Any) -> Any:
    """The item type of an array type (of its array member, for a union), or None."""
    for kind in (base, *(typing.get_args(base) if _is_union(base) else ())):
        kind, _ = _unwrap(kind)
        if typing.get_origin(kind) is list:
            return typing.get_args(kind)[0]
    return None


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(struct: type[XapiStruct]) -> dict[str, Any]:
    """``{property: type}`` of a Struct (computed once; only refused statements need it)."""
    hints = _HINTS.get(struct)
    if hints is None:
        every = typing.get_type_hints(struct, include_extras=True)
        hints = _HINTS[struct] = {name: every[name] for name in struct.__struct_fields__}
    return hints


_REQUIRED: dict[type, tuple[str, ...]] = {}


def _required(struct: type[XapiStruct]) -> tuple[str, ...]:
    required = _REQUIRED.get(struct)
    if required is None:
        info = msgspec.inspect.type_info(struct)
        assert isinstance(info, msgspec.inspect.StructType)
        required = _REQUIRED[struct] = tuple(field.name for field in info.fields if field.required)
    return required
