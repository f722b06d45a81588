"""Encryption at rest for values Portico must be able to read back (signing keys, client_secret_jwt
secrets, authenticator-app seeds, queued account mail): Fernet under a key-encryption key derived from
PORTICO_KEY_ENCRYPTION_KEY, or SECRET_KEY. Shared by accounts and oidc, so it sits below both."""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

_UNDECRYPTABLE = (
    "A stored secret cannot be decrypted: PORTICO_KEY_ENCRYPTION_KEY (or SECRET_KEY) changed without "
    "keeping the old value in the fallbacks. See docs/operations.md."
)


def key_encryption_secrets() -> list[str]:
    """PORTICO_KEY_ENCRYPTION_KEY (and its fallbacks), else SECRET_KEY and SECRET_KEY_FALLBACKS."""
    if settings.PORTICO_KEY_ENCRYPTION_KEYS:
        return list(settings.PORTICO_KEY_ENCRYPTION_KEYS)
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _fernet() -> MultiFernet:
    """Key-encryption keys: the current one first, older ones after it so existing rows still decrypt."""
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"portico.keys\x00" + s.encode()).digest()))
            for s in key_encryption_secrets()
        ]
    )


def encrypt(data: bytes) -> str:
    return _fernet().encrypt(data).decode("ascii")


def decrypt(token: str) -> bytes:
    try:
        return _fernet().decrypt(token.encode("ascii"))
    except InvalidToken as exc:
        raise RuntimeError(_UNDECRYPTABLE) from exc


def reencrypt(token: str) -> str:
    """Decrypt with whichever key-encryption key works and encrypt again under the current one."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise RuntimeError(_UNDECRYPTABLE) from exc


def keyed_digests(value: str, *, purpose: str) -> list[str]:
    """HMAC-SHA256 of a credential under a key derived from each key-encryption secret, the current one first
    (older ones match rows written before a rotation). A copied database alone cannot test guesses against
    these, unlike a plain hash of a short value."""
    return [
        hmac.new(
            hashlib.sha256(b"portico.digest\x00" + purpose.encode() + b"\x00" + secret.encode()).digest(),
            value.encode(),
            hashlib.sha256,
        ).hexdigest()
        for secret in key_encryption_secrets()
    ]


def keyed_digest(value: str, *, purpose: str) -> str:
    return keyed_digests(value, purpose=purpose)[0]
