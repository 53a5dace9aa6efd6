"""The Ed25519 key that signs checkpoints, the head and export manifests.

Someone with write access to the database can rewrite entries and recompute
every hash, but cannot sign: the private key lives outside the database. It
comes from ``LRS_PLUGIN_AUDIT_PRIVATE_KEY`` (PEM text) or the file named by
``LRS_PLUGIN_AUDIT_KEY_FILE``; in development, when neither is set, one is
generated on first use beside the SQLite database (``./instance`` for other
databases), like core's secret key. Production refuses to generate one.

The key is loaded on first use, when something is signed or verified: commands
that sign nothing (``lrs db upgrade``, ``lrs credentials``...) run without it.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy.engine import make_url

from lrs.plugin.host import PluginError

if TYPE_CHECKING:
    from lrs.plugin.host import Settings

KEY_FILE_NAME = "audit_ed25519.pem"


#: What a request that needs the signing key is told when it is missing.
KEY_MISSING = ("the audit trail's signing key is not available on this server: {reason}. "
               "Set LRS_PLUGIN_AUDIT_KEY_FILE for it (docs/audit.md) and restart")


class AuditKeyError(PluginError):
    """The signing key is missing or unreadable (the message says which setting to fix).

    A :class:`~lrs.plugin.host.PluginError`, so that an ``lrs`` command that needs the
    key prints it as one ``Error:`` line.
    """

    def __init__(self, message: str) -> None:
        super().__init__(f"plugin 'audit': {message}")


@dataclass(frozen=True)
class Signer:
    """Signs and checks with one key pair."""

    private_key: Ed25519PrivateKey

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private_key.sign(message)).decode()

    def verifies(self, message: bytes, signature: str | None) -> bool:
        return signature_verifies(self.private_key.public_key(), message, signature)

    def public_pem(self) -> str:
        return public_pem(self.private_key.public_key())


def signature_verifies(public_key: Ed25519PublicKey, message: bytes,
                       signature: str | None) -> bool:
    """Whether ``signature`` (base64) is ``public_key``'s over ``message``."""
    if not signature:
        return False
    try:
        public_key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(pem: str) -> Ed25519PublicKey:
    """:raises AuditKeyError: ``pem`` is no PEM public key, or not an Ed25519 one."""
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise AuditKeyError("the public key is not a PEM public key (-----BEGIN PUBLIC "
                            "KEY-----), as `lrs audit public-key` prints it") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError("the public key is not an Ed25519 key")
    return key


def default_key_path(settings: Settings) -> Path:
    """Beside the SQLite database file, else ``./instance``: where development keys go."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).parent / KEY_FILE_NAME
    return Path("instance") / KEY_FILE_NAME


def load_signer(config: dict[str, str], settings: Settings) -> Signer:
    """The configured key, or (development only) the generated one.

    :raises AuditKeyError: production without a configured key, or an unreadable key.
    """
    if config.get("private_key"):
        return Signer(_parse_private(config["private_key"].encode(),
                                     "LRS_PLUGIN_AUDIT_PRIVATE_KEY"))
    if config.get("key_file"):
        path = Path(config["key_file"])
        if not path.exists():
            raise AuditKeyError(f"LRS_PLUGIN_AUDIT_KEY_FILE={path} does not exist")
        return Signer(_parse_private(path.read_bytes(), str(path)))
    if settings.env == "production":
        raise AuditKeyError("set LRS_PLUGIN_AUDIT_KEY_FILE (an Ed25519 private key in PEM): "
                            "production never generates the audit signing key")
    path = default_key_path(settings)
    if not path.exists():
        _generate(path)
    return Signer(_parse_private(path.read_bytes(), str(path)))


def _generate(path: Path) -> None:
    """Write a new key with mode 0600; a concurrent generator's file wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)


def _parse_private(pem: bytes, where: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except ValueError as exc:
        raise AuditKeyError(f"{where}: not a PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError(f"{where}: not an Ed25519 key")
    return key
