"""SQLAlchemy models of the core; importing this package registers every table."""

from lrs.models.assignments import Assignment
from lrs.models.auth import DEFAULT_TENANT_ID, Credential, LocalAdmin, RevokedWebSession, Tenant
from lrs.models.base import Base
from lrs.models.configuration import ConfigurationChange, ConfigurationState
from lrs.models.connectors import ConnectorInstance, ConnectorRun
from lrs.models.documents import Document
from lrs.models.notifications import (
    Notification,
    NotificationDelivery,
    NotificationSubscription,
)
from lrs.models.oauth import OAuthClient, OAuthRevokedToken, OAuthSigningKey
from lrs.models.outbox import OutboxDelivery, OutboxEvent
from lrs.models.people import (
    IdentityChange,
    PeopleGroup,
    PeopleGroupMember,
    Person,
    PersonIdentity,
)
from lrs.models.scim import ScimGroup, ScimUser
from lrs.models.statements import (
    Activity,
    Attachment,
    Statement,
    StatementActivity,
    StatementAgent,
    StatementTargetKey,
)

__all__ = [
    "DEFAULT_TENANT_ID",
    "Activity",
    "Assignment",
    "Attachment",
    "Base",
    "ConfigurationChange",
    "ConfigurationState",
    "ConnectorInstance",
    "ConnectorRun",
    "Credential",
    "Document",
    "IdentityChange",
    "LocalAdmin",
    "Notification",
    "NotificationDelivery",
    "NotificationSubscription",
    "OAuthClient",
    "OAuthRevokedToken",
    "OAuthSigningKey",
    "OutboxDelivery",
    "OutboxEvent",
    "PeopleGroup",
    "PeopleGroupMember",
    "Person",
    "PersonIdentity",
    "RevokedWebSession",
    "ScimGroup",
    "ScimUser",
    "Statement",
    "StatementActivity",
    "StatementAgent",
    "StatementTargetKey",
    "Tenant",
]
