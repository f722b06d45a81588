"""Core 5.1 standard claims and the scope -> claims mapping of Core 5.4. Pure functions: no HTTP."""

from collections.abc import Iterable
from typing import Any

# Core 5.4: the claims each scope value requests.
SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "profile": (
        "name",
        "family_name",
        "given_name",
        "middle_name",
        "nickname",
        "preferred_username",
        "profile",
        "picture",
        "website",
        "gender",
        "birthdate",
        "zoneinfo",
        "locale",
        "updated_at",
    ),
    "email": ("email", "email_verified"),
    "address": ("address",),
    "phone": ("phone_number", "phone_number_verified"),
}

SUPPORTED_CLAIMS = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp"] + [
    claim for claims in SCOPE_CLAIMS.values() for claim in claims
]


def _address(user) -> dict[str, str]:
    """Core 5.1.1: the structured address; `formatted` is the lines joined with newlines."""
    parts = {
        "street_address": user.address_street_address,
        "locality": user.address_locality,
        "region": user.address_region,
        "postal_code": user.address_postal_code,
        "country": user.address_country,
    }
    parts = {k: v for k, v in parts.items() if v}
    if parts:
        region_line = " ".join(p for p in (user.address_postal_code, user.address_locality) if p)
        lines = [user.address_street_address, region_line, user.address_region, user.address_country]
        parts["formatted"] = "\n".join(line for line in lines if line)
    return parts


def user_claims(user) -> dict[str, Any]:
    """Every standard claim the user has a value for (Core 5.1), keyed by claim name."""
    name = " ".join(p for p in (user.first_name, user.middle_name, user.last_name) if p)
    values: dict[str, Any] = {
        "name": name,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "middle_name": user.middle_name,
        "nickname": user.nickname,
        "preferred_username": user.preferred_username or user.username,
        "profile": user.profile,
        "picture": user.picture,
        "website": user.website,
        "gender": user.gender,
        "birthdate": user.birthdate.isoformat() if user.birthdate else "",
        "zoneinfo": user.zoneinfo,
        "locale": user.locale,
        "updated_at": int(user.updated_at.timestamp()) if user.updated_at else None,
        "email": user.email,
        "email_verified": bool(user.email_verified) if user.email else None,
        "address": _address(user),
        "phone_number": user.phone_number,
        "phone_number_verified": bool(user.phone_number_verified) if user.phone_number else None,
    }
    # Core 5.3.2: claims without a value are omitted, never null or empty.
    return {k: v for k, v in values.items() if v not in (None, "", {})}


def claims_for_scopes(scopes: Iterable[str]) -> set[str]:
    """Core 5.4: the claim names the granted scopes release."""
    names: set[str] = set()
    for scope in scopes:
        names.update(SCOPE_CLAIMS.get(scope, ()))
    return names


def for_scopes(user, scopes: Iterable[str], *, sub: str) -> dict[str, Any]:
    """The claims released for the granted scopes, always including `sub`."""
    allowed = claims_for_scopes(scopes)
    released = {k: v for k, v in user_claims(user).items() if k in allowed}
    return {"sub": sub, **released}
