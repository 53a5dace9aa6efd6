"""The ``hris`` connector's configuration: where the report is, how to sign in, the mapping."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

#: Directory fields a report field may be mapped to (docs/people.md); a custom
#: attribute is ``attributes.<name>``.
DIRECTORY_FIELDS = (
    "employee_id",
    "display_name",
    "email",
    "aliases",
    "accounts",
    "department",
    "manager",
    "location",
    "job_title",
    "hire_date",
    "active",
)
#: Directory fields several report fields may fill: names are joined with a space
#: (first and last name), addresses and accounts make a list.
MANY = ("display_name", "aliases", "accounts")
ATTRIBUTE = "attributes."

#: What each ``auth`` needs besides it.
AUTH_NEEDS = {
    "none": (),
    "basic": ("username", "password"),
    "bearer": ("token",),
    "api_key": ("token", "api_key_header"),
    "basic_token": ("token",),
}


class HrisConfig(Schema):
    """Settings of an ``hris`` connector instance (docs/connectors.md)."""

    url = fields.Url(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        metadata={
            "description": "The report's URL (Workday RaaS, BambooHR custom report, "
            "any CSV or JSON list of records)."
        },
    )
    format = fields.String(
        load_default="auto",
        validate=validate.OneOf(["auto", "json", "csv"]),
        metadata={"description": "auto (by Content-Type), json or csv."},
    )
    auth = fields.String(
        load_default="none",
        validate=validate.OneOf(list(AUTH_NEEDS)),
        metadata={
            "description": "none; basic (username, password); bearer (token); api_key "
            "(token in the api_key_header header); basic_token (token "
            "as Basic user name: a BambooHR API key)."
        },
    )
    username = fields.String(metadata={"description": "User name for basic."})
    password = fields.String(metadata={"secret": True, "description": "Password for basic."})
    token = fields.String(
        metadata={
            "secret": True,
            "description": "Token or API key for bearer, api_key, basic_token.",
        }
    )
    api_key_header = fields.String(
        validate=validate.Regexp(r"^[A-Za-z0-9-]+$"),
        metadata={"description": "Header carrying the token for api_key (X-API-Key)."},
    )
    mapping = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1)),
        values=fields.String(),
        required=True,
        metadata={
            "description": 'Report field -> directory field, as JSON: {"Employee_ID": '
            '"employee_id", "Worker": "display_name", "Cost_Center": '
            '"attributes.cost_center"} (docs/connectors.md).'
        },
    )
    inactive_values = fields.List(
        fields.String(),
        load_default=list,
        metadata={
            "description": 'Values of the active field meaning inactive, as JSON: ["Terminated"].'
        },
    )
    deactivate_missing = fields.Boolean(
        load_default=False,
        metadata={
            "description": "The report is the whole workforce: mark inactive the "
            "people it no longer lists."
        },
    )
    timeout_seconds = fields.Float(
        load_default=60.0,
        validate=validate.Range(min=1, max=600),
        metadata={"description": "How long to wait for the report."},
    )

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        missing = [name for name in AUTH_NEEDS[data["auth"]] if not data.get(name)]
        if missing:
            raise ValidationError(f"auth {data['auth']!r} needs {', '.join(missing)}", "auth")
        problems = mapping_problems(data["mapping"])
        if problems:
            raise ValidationError(problems, "mapping")


def mapping_problems(mapping: dict[str, str]) -> list[str]:
    """What is wrong with a report field -> directory field mapping."""
    problems, targets = [], list(mapping.values())
    for source, target in mapping.items():
        name = target.removeprefix(ATTRIBUTE)
        if target.startswith(ATTRIBUTE) and (not name or name in DIRECTORY_FIELDS):
            problems.append(f"{source!r}: {target!r} is not a custom attribute name")
        elif not target.startswith(ATTRIBUTE) and target not in DIRECTORY_FIELDS:
            problems.append(
                f"{source!r}: {target!r} is not a directory field (one of "
                f"{', '.join(DIRECTORY_FIELDS)}, or attributes.<name>)"
            )
    if "employee_id" not in targets:
        problems.append("no report field is mapped to employee_id")
    problems += [
        f"only one report field may be mapped to {target}"
        for target in sorted(set(targets))
        if target not in MANY and targets.count(target) > 1
    ]
    return problems
