"""Core 5.1 standard claims and the scope -> claims mapping of Core 5.4. Pure functions: no HTTP."""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

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

SUPPORTED_CLAIMS = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "sid",
    "at_hash",
    "c_hash",
] + [claim for claims in SCOPE_CLAIMS.values() for claim in claims]


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


def requested(claims_request: dict | None, target: str) -> set[str]:
    """Core 5.5: the claim names a claims request asks for in the id_token or at userinfo."""
    members = (claims_request or {}).get(target)
    return set(members) if isinstance(members, dict) else set()


def beyond_scopes(claims_request: dict | None, scopes: Iterable[str]) -> set[str]:
    """User claims asked for individually that the scopes do not already release (they need consent)."""
    user_claim_names = {name for names in SCOPE_CLAIMS.values() for name in names}
    wanted = requested(claims_request, "id_token") | requested(claims_request, "userinfo")
    return (wanted & user_claim_names) - claims_for_scopes(scopes)


def _release(user, names: set[str], sub: str) -> dict[str, Any]:
    released = {k: v for k, v in user_claims(user).items() if k in names}
    return {"sub": sub, **released}


def for_id_token(
    user,
    *,
    sub: str,
    scopes: Iterable[str],
    claims_request: dict | None,
    with_access_token: bool,
    scope_claims: bool = False,
):
    """Core 5.4: scope claims go to the id_token when no access token is issued (response_type id_token);
    otherwise they are fetched from userinfo, unless the client was registered for them in the id_token too
    (`scope_claims`, Client.id_token_claims: Core 5.4 lets the OP return them either way). Claims requested
    for the id_token (Core 5.5) are always included."""
    names = claims_for_scopes(scopes) if scope_claims or not with_access_token else set()
    return _release(user, names | requested(claims_request, "id_token"), sub)


def for_userinfo(user, *, sub: str, scopes: Iterable[str], claims_request: dict | None) -> dict[str, Any]:
    """Core 5.3.2 / 5.5: the granted scopes' claims plus those requested for userinfo."""
    return _release(user, claims_for_scopes(scopes) | requested(claims_request, "userinfo"), sub)


CLAIM_LABELS = {
    "name": _("Your full name"),
    "given_name": _("Your first name"),
    "family_name": _("Your last name"),
    "middle_name": _("Your middle name"),
    "nickname": _("Your nickname"),
    "preferred_username": _("Your username"),
    "profile": _("Your profile page address"),
    "picture": _("Your profile picture"),
    "website": _("Your website"),
    "gender": _("Your gender"),
    "birthdate": _("Your date of birth"),
    "zoneinfo": _("Your time zone"),
    "locale": _("Your language and region"),
    "updated_at": _("When your profile last changed"),
    "email": _("Your email address"),
    "email_verified": _("Whether your email address is verified"),
    "address": _("Your postal address"),
    "phone_number": _("Your phone number"),
    "phone_number_verified": _("Whether your phone number is verified"),
}


def describe(name: str) -> str:
    """A person-readable label for a claim shown on the consent page."""
    return str(CLAIM_LABELS.get(name, name))
