"""A framework as read from a CASE CFPackage (1EdTech CASE 1.0 / 1.1), checked before storing.

The CFPackage is ``{"CFDocument": {...}, "CFItems": [...], "CFAssociations": [...],
"CFDefinitions": {...}}``. The fields the spec requires are required here (CFDocument:
identifier, uri, creator, title, lastChangeDateTime; CFItem: identifier, uri,
fullStatement, lastChangeDateTime; CFAssociation: identifier, uri, associationType,
originNodeURI, destinationNodeURI, lastChangeDateTime); every problem is reported by
its JSON path, and a package with any problem is refused as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from plugins.competency.errors import CompetencyError

#: CASE 1.0's associationType vocabulary; CASE 1.1 adds extensions written ``ext:...``.
ASSOCIATION_TYPES = frozenset(
    {
        "isChildOf",
        "isPeerOf",
        "isPartOf",
        "exactMatchOf",
        "precedes",
        "isRelatedTo",
        "replacedBy",
        "exemplar",
        "hasSkillLevel",
        "isTranslationOf",
    }
)
#: Problems reported at most, so that a wholly wrong file gives a readable answer.
MAX_ERRORS = 50
#: The sequence numbers an association may have: those its column (a 32-bit database
#: integer) holds; past them PostgreSQL refuses the row and SQLite's driver the value.
SEQUENCE_NUMBERS = range(-(2**31), 2**31)


@dataclass(frozen=True)
class Document:
    identifier: str
    uri: str
    title: str
    creator: str
    version: str | None
    last_change: str


@dataclass(frozen=True)
class ItemSpec:
    identifier: str
    uri: str
    full_statement: str
    human_coding_scheme: str | None
    item_type: str | None
    last_change: str


@dataclass(frozen=True)
class AssociationSpec:
    identifier: str
    uri: str
    association_type: str
    origin_uri: str
    destination_uri: str
    sequence_number: int | None
    last_change: str


@dataclass(frozen=True)
class Package:
    """A checked framework, whatever it was read from (``1.0``, ``1.1`` or ``csv``)."""

    source_format: str
    document: Document
    items: tuple[ItemSpec, ...]
    associations: tuple[AssociationSpec, ...]


def timestamp(value: str) -> str:
    """``lastChangeDateTime`` as ISO 8601 UTC, so that stored values compare as strings."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="microseconds")


class _Reader:
    """Reads fields while collecting every problem with its path."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def problem(self, path: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"path": path, "message": message})

    def text(
        self, node: dict[str, Any], key: str, path: str, *, required: bool, limit: int = 0
    ) -> str | None:
        value = node.get(key)
        if value is None or value == "":
            if required:
                self.problem(f"{path}.{key}", "missing")
            return None
        if not isinstance(value, str):
            self.problem(f"{path}.{key}", "not a string")
            return None
        if limit and len(value) > limit:
            self.problem(f"{path}.{key}", f"longer than {limit} characters")
            return None
        return value

    def when(self, node: dict[str, Any], path: str) -> str:
        value = self.text(node, "lastChangeDateTime", path, required=True)
        if value is None:
            return ""
        try:
            return timestamp(value)
        except ValueError:
            self.problem(f"{path}.lastChangeDateTime", f"{value!r} is not an ISO 8601 date-time")
            return ""

    def link(self, node: dict[str, Any], key: str, path: str) -> str:
        """A LinkURI (``{"title", "identifier", "uri"}``): its ``uri``."""
        value = node.get(key)
        if value is None:
            self.problem(f"{path}.{key}", "missing")
            return ""
        if not isinstance(value, dict):
            self.problem(f"{path}.{key}", "not a LinkURI object")
            return ""
        return self.text(value, "uri", f"{path}.{key}", required=True) or ""

    def objects(self, data: dict[str, Any], key: str) -> list[tuple[str, dict[str, Any]]]:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.problem(f"$.{key}", "not an array")
            return []
        found = []
        for index, node in enumerate(value):
            path = f"$.{key}[{index}]"
            if isinstance(node, dict):
                found.append((path, node))
            else:
                self.problem(path, "not an object")
        return found


def read_package(data: Any) -> Package:
    """The framework of a parsed CFPackage, or :class:`CompetencyError` listing every problem."""
    reader = _Reader()
    if not isinstance(data, dict):
        raise CompetencyError("not a CASE CFPackage", [{"path": "$", "message": "not an object"}])
    raw_document = data.get("CFDocument")
    if not isinstance(raw_document, dict):
        reader.problem("$.CFDocument", "missing" if raw_document is None else "not an object")
        raw_document = {}
    path = "$.CFDocument"
    document = Document(
        identifier=reader.text(raw_document, "identifier", path, required=True, limit=200) or "",
        uri=reader.text(raw_document, "uri", path, required=True) or "",
        title=reader.text(raw_document, "title", path, required=True) or "",
        creator=reader.text(raw_document, "creator", path, required=True) or "",
        version=reader.text(raw_document, "version", path, required=False),
        last_change=reader.when(raw_document, path) if raw_document else "",
    )
    items = []
    seen: dict[str, str] = {}
    for path, node in reader.objects(data, "CFItems"):
        item = ItemSpec(
            identifier=reader.text(node, "identifier", path, required=True, limit=200) or "",
            uri=reader.text(node, "uri", path, required=True, limit=900) or "",
            full_statement=reader.text(node, "fullStatement", path, required=True) or "",
            human_coding_scheme=reader.text(node, "humanCodingScheme", path, required=False),
            item_type=reader.text(node, "CFItemType", path, required=False),
            last_change=reader.when(node, path),
        )
        for key, value in (("uri", item.uri), ("identifier", item.identifier)):
            if value and f"{key}:{value}" in seen:
                reader.problem(f"{path}.{key}", f"{value!r} repeats {seen[f'{key}:{value}']}")
            seen.setdefault(f"{key}:{value}", path)
        items.append(item)
    associations = []
    for path, node in reader.objects(data, "CFAssociations"):
        kind = reader.text(node, "associationType", path, required=True, limit=100) or ""
        if kind and kind not in ASSOCIATION_TYPES and not kind.startswith("ext:"):
            reader.problem(f"{path}.associationType", f"{kind!r} is not a CASE association type")
        sequence = node.get("sequenceNumber")
        if sequence is not None and (
            not isinstance(sequence, int)
            or isinstance(sequence, bool)
            or sequence not in SEQUENCE_NUMBERS
        ):
            reader.problem(
                f"{path}.sequenceNumber",
                f"not an integer from {SEQUENCE_NUMBERS.start} to {SEQUENCE_NUMBERS.stop - 1}",
            )
            sequence = None
        identifier = reader.text(node, "identifier", path, required=True, limit=200) or ""
        if identifier and f"association:{identifier}" in seen:
            reader.problem(f"{path}.identifier", f"{identifier!r} repeats an earlier one")
        seen[f"association:{identifier}"] = path
        associations.append(
            AssociationSpec(
                identifier=identifier,
                uri=reader.text(node, "uri", path, required=True) or "",
                association_type=kind,
                origin_uri=reader.link(node, "originNodeURI", path),
                destination_uri=reader.link(node, "destinationNodeURI", path),
                sequence_number=sequence,
                last_change=reader.when(node, path),
            )
        )
    if reader.errors:
        raise CompetencyError("the CASE package is not valid; nothing was imported", reader.errors)
    # CASE 1.1 documents state ``caseVersion``; 1.0 has no such field.
    case_version = "1.1" if raw_document.get("caseVersion") == "1.1" else "1.0"
    return Package(case_version, document, tuple(items), tuple(associations))
