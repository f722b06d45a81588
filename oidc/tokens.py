"""Minting JWTs with the database signing keys (pyjwt). Never `alg: none` (RFC 8725 3.1)."""

from typing import Any

import jwt

from . import keys


def sign_jwt(claims: dict[str, Any], *, alg: str = "RS256", typ: str = "JWT") -> str:
    key = keys.active_key(alg)
    return jwt.encode(claims, key.private_key, algorithm=key.alg, headers={"kid": key.kid, "typ": typ})


def issue_id_token(
    base: dict[str, Any],
    *,
    issuer: str,
    sub: str,
    now: int,
    ttl: int,
    auth_time: int | None,
    extra: dict | None = None,
) -> tuple[str, dict[str, Any]]:
    """Core 2: complete the claims oauthlib started (aud, iat, nonce, at_hash, c_hash) and sign them."""
    claims = dict(base)
    claims.update({"iss": issuer, "sub": sub, "iat": now, "exp": now + ttl})
    if auth_time is not None:
        claims["auth_time"] = auth_time
    if extra:
        claims.update({k: v for k, v in extra.items() if v not in (None, "", [], {})})
    return sign_jwt(claims), claims


def verify_own_jwt(token: str, *, verify_exp: bool = True) -> dict[str, Any] | None:
    """Verify a JWT this provider signed (signature by kid, issuer). None when it is not one of ours."""
    from . import conf

    try:
        header = jwt.get_unverified_header(token)
        public_key = keys.public_key_for(header.get("kid", ""))
        if public_key is None:
            return None
        return jwt.decode(
            token,
            public_key,
            algorithms=[header["alg"]] if header.get("alg") in keys.SUPPORTED_ALGS else [],
            issuer=conf.issuer(),
            options={"verify_aud": False, "verify_exp": verify_exp},
        )
    except (jwt.InvalidTokenError, KeyError):
        return None
