"""Token introspection (RFC 7662): what a resource server learns about a token presented to it.

One indexed lookup by digest. A client learns about its own tokens only; a client registered as a resource
server (can_introspect) about any. Anything else, and anything no longer usable, is {"active": false}
(RFC 7662 2.2), so the answer never reveals whether another client's token exists.
"""

import hashlib
from datetime import timedelta
from typing import Any

from django.utils import timezone

from . import bearer, conf, subjects
from .models import Client, RefreshToken


def _refresh_token(checksum: str) -> RefreshToken | None:
    token = (
        RefreshToken.objects.select_related("user", "application", "access_token")
        .filter(token_checksum=checksum, revoked__isnull=True)
        .first()
    )
    if token is None or token.access_token is None or not token.application.is_active:
        return None
    now = timezone.now()
    if token.access_token.expires + timedelta(seconds=conf.refresh_token_ttl()) <= now:
        return None
    if token.past_max_age():
        return None
    if token.user is not None and not token.user.is_active:
        return None
    return token


def _may_see(found: Any, kind: str, caller: Client) -> bool:
    """RFC 7662 4: a client sees its own tokens; a resource server (can_introspect) sees access tokens. A
    refresh token is never presented to a resource server (RFC 6749 1.5), so to any caller but its own
    client it is inactive, lest a resource server accept it as an access token."""
    if found.application_id == caller.pk:
        return True
    return caller.can_introspect and kind == "access_token"


def describe(token: str, hint: str | None, caller: Client | None) -> dict[str, Any] | None:
    if caller is None or caller.is_public:
        return None
    checksum = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
    found: Any = None
    kind = ""
    order = (
        ["refresh_token", "access_token"] if hint == "refresh_token" else ["access_token", "refresh_token"]
    )
    for candidate in order:
        found = bearer.lookup(token) if candidate == "access_token" else _refresh_token(checksum)
        if found is not None:
            kind = candidate
            break
    if found is None or not _may_see(found, kind, caller):
        return None
    client = found.application
    claims: dict[str, Any] = {
        "scope": found.scope if kind == "access_token" else found.access_token.scope,
        "client_id": client.client_id,
        "token_type": "Bearer" if kind == "access_token" else "refresh_token",
        "iat": int(found.created.timestamp()),
        "iss": conf.issuer(),
        "aud": client.client_id,
    }
    if kind == "access_token":
        claims["exp"] = int(found.expires.timestamp())
    if found.user is not None:
        claims["sub"] = subjects.sub_for(found.user, client)  # as the token's client knows the user
    return claims
