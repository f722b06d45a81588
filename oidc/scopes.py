"""Scopes beyond OpenID Connect's: the management API scope, which no user can grant."""

from typing import Any

ADMIN = "portico:admin"


def admin_requested(scopes: list[str]) -> bool:
    return ADMIN in scopes


def may_request_admin(client: Any, grant_type: str | None) -> bool:
    """portico:admin is obtained by a management client for itself (RFC 6749 4.4), never through a user's
    authorization or a refresh token, so no sign-in or consent screen can hand it out."""
    return bool(getattr(client, "can_manage", False)) and grant_type == "client_credentials"
