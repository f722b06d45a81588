"""Signing keys: generation, encryption at rest, RFC 7638 key ids, the published JWKS.

Parsed keys are cached in-process (keyed by kid); the set of keys is re-read from the database at most
every KEYSET_TTL seconds, so a rotation made by another process is seen within that window.
"""

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import IntegrityError, transaction
from django.utils import timezone
from jwt.algorithms import RSAAlgorithm

from . import conf

KEYSET_TTL = 30.0
SUPPORTED_ALGS = ["RS256"]


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    alg: str
    state: str
    private_key: Any
    public_jwk: dict


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def thumbprint(jwk: dict) -> str:
    """RFC 7638 3: SHA-256 over the required members, lexicographically ordered, no whitespace."""
    required = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}[
        jwk["kty"]
    ]
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def _fernet() -> MultiFernet:
    """Key-encryption keys: the current one first, older ones after it so existing rows still decrypt."""
    secrets = conf.key_encryption_secrets()
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"portico.keys\x00" + s.encode()).digest()))
            for s in secrets
        ]
    )


def encrypt_private_key(pem: bytes) -> str:
    return _fernet().encrypt(pem).decode("ascii")


def decrypt_private_key(token: str) -> bytes:
    try:
        return _fernet().decrypt(token.encode("ascii"))
    except InvalidToken as exc:
        raise RuntimeError(
            "A signing key cannot be decrypted: PORTICO_KEY_ENCRYPTION_KEY (or SECRET_KEY) changed without "
            "keeping the old value in the fallbacks. See docs/operations.md."
        ) from exc


def public_jwk_for(private_key: Any, *, alg: str) -> dict:
    jwk = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
    public = {k: jwk[k] for k in ("kty", "n", "e")}
    public.update({"kid": thumbprint(public), "alg": alg, "use": "sig"})
    return public


def create_signing_key(*, alg: str = "RS256", state: str = "active"):
    """Generate an RSA 2048 key and store it encrypted."""
    from .models import SigningKey

    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = public_jwk_for(private_key, alg=alg)
    now = timezone.now()
    return SigningKey.objects.create(
        kid=public["kid"],
        alg=alg,
        state=state,
        public_jwk=public,
        private_key_encrypted=encrypt_private_key(pem),
        activated_at=now if state == "active" else None,
    )


class _KeyCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parsed: dict[str, LoadedKey] = {}
        self._keyset: list[LoadedKey] = []
        self._loaded_at = 0.0

    def clear(self) -> None:
        with self._lock:
            self._parsed.clear()
            self._keyset = []
            self._loaded_at = 0.0

    def keyset(self) -> list[LoadedKey]:
        if self._keyset and time.monotonic() - self._loaded_at < KEYSET_TTL:
            return self._keyset
        with self._lock:
            self._keyset = self._load()
            self._loaded_at = time.monotonic()
            return self._keyset

    def _load(self) -> list[LoadedKey]:
        from .models import SigningKey

        rows = list(SigningKey.objects.all())
        if not any(row.state == SigningKey.State.ACTIVE for row in rows):
            try:
                with transaction.atomic():
                    create_signing_key()
            except IntegrityError:
                pass  # Another worker generated it first (one_active_key_per_alg).
            rows = list(SigningKey.objects.all())
        loaded = []
        for row in rows:
            cached = self._parsed.get(row.kid)
            if cached is None or cached.state != row.state:
                private = (
                    cached.private_key
                    if cached
                    else serialization.load_pem_private_key(
                        decrypt_private_key(row.private_key_encrypted), password=None
                    )
                )
                cached = LoadedKey(row.kid, row.alg, row.state, private, row.public_jwk)
                self._parsed[row.kid] = cached
            loaded.append(cached)
        return loaded


_cache = _KeyCache()


def clear_cache() -> None:
    _cache.clear()


def active_key(alg: str = "RS256") -> LoadedKey:
    keys = [k for k in _cache.keyset() if k.state == "active" and k.alg == alg]
    if not keys:
        raise LookupError(f"No active signing key for {alg}")
    return keys[0]


def public_key_for(kid: str) -> Any | None:
    for key in _cache.keyset():
        if key.kid == kid:
            return key.private_key.public_key()
    return None


def jwks() -> dict:
    """The published key set: public members only (RFC 7517 4), every state that may still verify."""
    return {"keys": [key.public_jwk for key in _cache.keyset()]}
