"""Minting and checking JWTs with the database signing keys (pyjwt). Never `alg: none` (RFC 8725 3.2)."""

import hashlib
from typing import Any

import jwt

from . import conf, constants, keys


def sign_jwt(claims: dict[str, Any], *, alg: str = "RS256", typ: str = "JWT") -> str:
    """Sign with the active key for `alg`; the header names that key (kid) and its algorithm only."""
    if alg not in constants.SIGNING_ALGS:
        raise ValueError(f"unsupported signing algorithm: {alg}")
    key = keys.active_key(alg)
    return jwt.encode(claims, key.private_key, algorithm=key.alg, headers={"kid": key.kid, "typ": typ})


def half_hash(value: str, alg: str) -> str:
    """Core 3.1.3.6 / 3.3.2.11 at_hash and c_hash: the left half of the hash the JWS algorithm uses.

    SHA-256 for RS256, PS256 and ES256; SHA-512 for EdDSA with Ed25519 (as the OpenID conformance suite
    and certified implementations use)."""
    hash_function = hashlib.sha512 if alg == "EdDSA" else hashlib.sha256
    digest = hash_function(value.encode("ascii")).digest()
    return jwt.utils.base64url_encode(digest[: len(digest) // 2]).decode("ascii")


def issue_id_token(
    base: dict[str, Any],
    *,
    issuer: str,
    sub: str,
    now: int,
    ttl: int,
    auth_time: int | None,
    alg: str = "RS256",
    hashed: dict[str, str] | None = None,
    extra: dict | None = None,
) -> tuple[str, dict[str, Any]]:
    """Core 2: complete the claims oauthlib started (aud, nonce) and sign them with the client's algorithm.

    `hashed` maps at_hash/c_hash to the values they cover; they are computed here for `alg`, replacing any
    SHA-256 values oauthlib put in."""
    claims = {k: v for k, v in base.items() if k not in ("at_hash", "c_hash")}
    claims.update({"iss": issuer, "sub": sub, "iat": now, "exp": now + ttl})
    if auth_time is not None:
        claims["auth_time"] = auth_time
    for claim, value in (hashed or {}).items():
        claims[claim] = half_hash(value, alg)
    if extra:
        claims.update({k: v for k, v in extra.items() if v not in (None, "", [], {})})
    return sign_jwt(claims, alg=alg), claims


def verify_own_jwt(token: str, *, verify_exp: bool = True) -> dict[str, Any] | None:
    """Verify a JWT this provider signed: the kid must be a published key and the algorithm that key's
    own (RFC 8725 3.1, never the header's choice); issuer checked. None when it is not one of ours."""
    try:
        header = jwt.get_unverified_header(token)
        key = keys.published_key(str(header.get("kid", "")))
        if key is None:
            return None
        return jwt.decode(
            token,
            key.private_key.public_key(),
            algorithms=[key.alg],
            issuer=conf.issuer(),
            options={"verify_aud": False, "verify_exp": verify_exp},
        )
    except (jwt.InvalidTokenError, KeyError, TypeError, ValueError):
        return None
