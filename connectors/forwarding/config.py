"""What an administrator configures for a forwarding instance, validated on save."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

VERSIONS = ("1.0.3", "2.0.0")
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def _iri(description: str) -> fields.String:
    """An IRI as xAPI compares it: exactly, with a scheme (``http://...``, ``urn:...``)."""
    return fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", error="Not an absolute IRI."),
        metadata={"description": description},
    )


class ForwardingConfig(Schema):
    endpoint = fields.Url(
        required=True,
        require_tld=False,
        schemes={"http", "https"},
        metadata={
            "description": "The receiving LRS's xAPI base URL (its /statements "
            "is under it), e.g. https://lrs.example.com/xapi/"
        },
    )
    version = fields.String(
        load_default="2.0.0",
        validate=validate.OneOf(VERSIONS),
        metadata={"description": "X-Experience-API-Version sent: 1.0.3 or 2.0.0."},
    )
    auth = fields.String(
        load_default="basic",
        validate=validate.OneOf(("basic", "oauth2")),
        metadata={
            "description": "basic (username, password) or oauth2 (client "
            "credentials: token_url, client_id, client_secret)."
        },
    )
    username = fields.String(metadata={"description": "Basic: the receiver's key."})
    password = fields.String(
        metadata={"secret": True, "description": "Basic: the receiver's secret."}
    )
    token_url = fields.Url(
        require_tld=False,
        schemes={"http", "https"},
        metadata={"description": "OAuth2: the token endpoint."},
    )
    client_id = fields.String(metadata={"description": "OAuth2: the client id."})
    client_secret = fields.String(
        metadata={"secret": True, "description": "OAuth2: the client secret."}
    )
    scope = fields.String(
        metadata={
            "description": "OAuth2: scopes to ask for (space-separated), if the receiver wants any."
        }
    )
    verbs = fields.List(
        _iri("A verb id."),
        load_default=list,
        metadata={"description": "Forward only these verbs (any if empty)."},
    )
    activities = fields.List(
        _iri("An activity id."),
        load_default=list,
        metadata={
            "description": "Forward only statements about these activities, the "
            "object's id (any if empty)."
        },
    )
    actors = fields.List(
        fields.Dict(),
        load_default=list,
        metadata={
            "description": "Forward only statements by these agents, each an xAPI "
            'Agent with one identifier, e.g. {"mbox": '
            '"mailto:ada@example.com"} (anyone if empty).'
        },
    )
    backfill = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Also forward what the store held before the instance "
            "was created (its first runs send it, oldest first)."
        },
    )
    batch_size = fields.Integer(
        load_default=500,
        validate=validate.Range(1, 5000),
        metadata={"description": "Statements per POST."},
    )
    concurrency = fields.Integer(
        load_default=4,
        validate=validate.Range(1, 8),
        metadata={
            "description": "Batches on the wire at once (the receiver may store two "
            "in either order; a voiding statement still never overtakes its target)."
        },
    )
    timeout_seconds = fields.Float(
        load_default=30.0,
        validate=validate.Range(1, 600),
        metadata={"description": "How long to wait for the receiver's answer."},
    )

    @validates_schema(skip_on_field_errors=False)
    def _credentials(self, data: dict[str, Any], **_: Any) -> None:
        needed = (
            ("username", "password")
            if data.get("auth", "basic") == "basic"
            else ("token_url", "client_id", "client_secret")
        )
        missing = {
            name: [f"required with auth={data.get('auth', 'basic')}"]
            for name in needed
            if not data.get(name)
        }
        for index, actor in enumerate(data.get("actors") or ()):
            found = [key for key in IFIS if key in actor]
            if len(found) != 1:
                missing.setdefault("actors", {})
                missing["actors"][index] = [  # type: ignore[call-overload]
                    "give an Agent with exactly one of " + ", ".join(IFIS)
                ]
        if missing:
            raise ValidationError(missing)
