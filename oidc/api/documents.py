"""Client documents for the management API: RFC 7591 metadata (oidc/registration.py) plus the flags only an
administrator may set. Writes are validated by the same rules as dynamic registration."""

from typing import Any

from django.db import transaction

from .. import clients, errors, registration
from ..models import Client

# API member -> model field, with the value a client gets when the member is omitted on create or PUT.
FLAGS: dict[str, tuple[str, bool]] = {
    "active": ("is_active", True),
    "first_party": ("skip_authorization", False),
    "can_introspect": ("can_introspect", False),
    "can_manage": ("can_manage", False),
    "id_token_claims": ("id_token_claims", False),
}


def describe(client: Client, *, secret: str = "") -> dict[str, Any]:
    document = registration.describe(client)
    for member, (field, _default) in FLAGS.items():
        document[member] = getattr(client, field)
    if secret:
        document["client_secret"] = secret
    return document


def _apply_flags(client: Client, data: dict[str, Any]) -> None:
    for member, (field, default) in FLAGS.items():
        value = data.get(member, default)
        if not isinstance(value, bool):
            raise errors.InvalidClientMetadata(f"{member} must be true or false")
        setattr(client, field, value)


def _replace(client: Client, data: Any) -> str:
    """Replace the client's metadata and flags, validated and saved; returns a new secret if one was issued."""
    secret = registration.replace_metadata(client, data)  # rejects a body that is not an object
    _apply_flags(client, data)
    registration.validate_client(client)
    client.save()
    return secret


@transaction.atomic
def create(data: Any) -> tuple[Client, str]:
    client = Client()
    registration.apply_metadata(client, data)
    _apply_flags(client, data)
    secret = clients.issue_secret(client)
    registration.validate_client(client)
    client.save()
    return client, secret


def _check_id(client: Client, data: Any) -> None:
    if isinstance(data, dict) and "client_id" in data and data["client_id"] != client.client_id:
        raise errors.InvalidClientMetadata("client_id does not match the client being updated")


@transaction.atomic
def replace(client: Client, data: Any) -> str:
    """PUT: omitted members take their defaults (as RFC 7592 2.2 does)."""
    _check_id(client, data)
    return _replace(client, data)


@transaction.atomic
def patch(client: Client, data: Any) -> str:
    """PATCH: the members sent replace the current ones, the rest is kept."""
    if not isinstance(data, dict):
        raise errors.InvalidClientMetadata("the request body must be a JSON object")
    _check_id(client, data)
    return _replace(client, describe(client) | data)
