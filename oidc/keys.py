"""Signing keys: generation, encryption at rest, RFC 7638 key ids, the published JWKS.

One key per algorithm (RFC 8725 3.1: a key is used with one algorithm only; its JWK says which). Parsed keys
are cached in-process (keyed by kid); the set of keys is re-read from the database at most every KEYSET_TTL
seconds, so a rotation made by another process is seen within that window. The lifecycle (next -> active ->
retired -> removed) lives in oidc/rotation.py.
"""

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.db import IntegrityError, transaction
from django.utils import timezone
from jwt.algorithms import get_default_algorithms

from config import at_rest

from . import conf
from .models import SigningKey

KEYSET_TTL = 30.0

# A key generator for each algorithm Portico signs with (oidc/constants.SIGNING_ALGS).
_GENERATORS: dict[str, Any] = {
    "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "PS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "EdDSA": ed25519.Ed25519PrivateKey.generate,
}
_JWA = get_default_algorithms()
_PUBLIC_MEMBERS = {"RSA": ("kty", "n", "e"), "EC": ("kty", "crv", "x", "y"), "OKP": ("kty", "crv", "x")}


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


def public_jwk_for(private_key: Any, *, alg: str) -> dict:
    """The public JWK (RFC 7517 4): public members only, kid = RFC 7638 thumbprint, alg and use: sig."""
    jwk = _JWA[alg].to_jwk(private_key.public_key(), as_dict=True)
    public = {k: jwk[k] for k in _PUBLIC_MEMBERS[jwk["kty"]]}
    public.update({"kid": thumbprint(public), "alg": alg, "use": "sig"})
    return public


def create_signing_key(*, alg: str = "RS256", state: str = "active"):
    """Generate a key for `alg` (RSA 2048, P-256 or Ed25519) and store it encrypted."""
    if alg not in _GENERATORS:
        raise ValueError(f"unsupported signing algorithm: {alg}")
    private_key = _GENERATORS[alg]()
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
        private_key_encrypted=at_rest.encrypt(pem),
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
        rows = list(SigningKey.objects.all())
        # First start: every enabled algorithm gets its active key at once, so the first JWKS a client
        # caches already holds every key that may sign.
        missing = set(conf.signing_algs()) - {r.alg for r in rows if r.state == SigningKey.State.ACTIVE}
        for alg in sorted(missing):
            try:
                with transaction.atomic():
                    create_signing_key(alg=alg)
            except IntegrityError:
                pass  # Another worker generated it first (one_active_key_per_alg).
        if missing:
            rows = list(SigningKey.objects.all())
        loaded = []
        for row in rows:
            cached = self._parsed.get(row.kid)
            if cached is None or cached.state != row.state:
                private = (
                    cached.private_key
                    if cached
                    else serialization.load_pem_private_key(
                        at_rest.decrypt(row.private_key_encrypted), password=None
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


def published_key(kid: str) -> LoadedKey | None:
    """A key still in the JWKS (next, active or retired), to verify what this provider signed."""
    for key in _cache.keyset():
        if key.kid == kid:
            return key
    return None


_published: tuple[list[LoadedKey], dict] | None = None


def jwks() -> dict:
    """The published key set: public members only (RFC 7517 4), every state that may still verify. The same
    dict while the loaded key set is the same."""
    global _published
    keyset = _cache.keyset()
    published = _published
    if published is None or published[0] is not keyset:
        published = _published = (keyset, {"keys": [key.public_jwk for key in keyset]})
    return published[1]
