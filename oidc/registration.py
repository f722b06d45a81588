"""Dynamic client registration: RFC 7591, RFC 7592 and OpenID Connect Dynamic Client Registration 1.0.

This module maps registration JSON to the Client model and back; the rules themselves are the ones every
client write goes through (oidc/metadata.py via Client.clean). Registered clients are always third-party:
their users see the consent page, and they cannot introspect other clients' tokens.
"""

import secrets
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from . import clients, conf, errors, redirect_uris
from .models import Client, InitialAccessToken
from .secrets import digest

MODES = ("off", "token", "open")
LISTS = ("redirect_uris", "post_logout_redirect_uris", "request_uris")  # space-separated in the model
STRINGS = (
    "application_type",
    "logo_uri",
    "client_uri",
    "policy_uri",
    "tos_uri",
    "token_endpoint_auth_method",
    "token_endpoint_auth_signing_alg",
    "jwks_uri",
    "id_token_signed_response_alg",
    "userinfo_signed_response_alg",
    "request_object_signing_alg",
    "subject_type",
    "sector_identifier_uri",
    "initiate_login_uri",
    "backchannel_logout_uri",
    "frontchannel_logout_uri",
)
ARRAYS = ("response_types", "grant_types", "contacts", "default_acr_values")
BOOLEANS = (
    "require_auth_time",
    "backchannel_logout_session_required",
    "frontchannel_logout_session_required",
    "require_pushed_authorization_requests",  # RFC 9126 6
)
DEFAULTS: dict[str, Any] = {
    "application_type": "web",
    "token_endpoint_auth_method": "client_secret_basic",
    "id_token_signed_response_alg": "RS256",
    "subject_type": "public",
    "response_types": ["code"],
    "grant_types": ["authorization_code"],
}


def mode() -> str:
    return conf.registration_mode()


def _invalid(description: str, field: str = "") -> errors.OAuthError:
    """RFC 7591 3.2.2: problems with redirect_uris are invalid_redirect_uri, all others invalid_client_metadata."""
    if field == "redirect_uris":
        return errors.InvalidRedirectUri(description)
    return errors.InvalidClientMetadata(description)


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_contains_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    return False


def apply_metadata(client: Client, data: Any) -> None:
    """Copy registration metadata onto the client, checking JSON types; unknown members are ignored
    (RFC 7591 2). Missing members take their defaults, so PUT replaces the whole registration (RFC 7592 2.2)."""
    if not isinstance(data, dict):
        raise _invalid("the request body must be a JSON object")
    if _contains_nul(data):
        raise _invalid("metadata must not contain NUL characters")
    _apply_typed_members(client, data)
    max_age = data.get("default_max_age")
    if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0):
        raise _invalid("default_max_age must be a number of seconds, 0 or more")
    client.default_max_age = max_age
    jwks = data.get("jwks")
    if jwks is not None and not isinstance(jwks, dict):
        raise _invalid("jwks must be a JWK Set object")
    client.jwks = jwks
    name = data.get("client_name", "")
    if not isinstance(name, str) or len(name) > 255:
        raise _invalid("client_name must be a string of at most 255 characters")
    client.name = name
    # OIDC Registration 2.1: human-readable members may carry a language tag, e.g. client_name#fr.
    localized = {}
    for key, value in data.items():
        if isinstance(key, str) and key.startswith("client_name#"):
            if not isinstance(value, str) or not value:
                raise _invalid(f"{key} must be a non-empty string")
            localized[key.split("#", 1)[1]] = value
    client.client_name_localized = localized


def _apply_typed_members(client: Client, data: dict) -> None:
    """RFC 7591 2: URI lists, strings, string arrays and booleans, each checked for its JSON type."""
    for field in LISTS:
        value = data.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v and " " not in v for v in value):
            raise _invalid(f"{field} must be an array of URIs", field)
        setattr(client, field, " ".join(value))
    for field in STRINGS:
        value = data.get(field, DEFAULTS.get(field, ""))
        if not isinstance(value, str):
            raise _invalid(f"{field} must be a string", field)
        setattr(client, field, value)
    for field in ARRAYS:
        value = data.get(field, DEFAULTS.get(field, []))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _invalid(f"{field} must be an array of strings", field)
        setattr(client, field, value)
    for field in BOOLEANS:
        value = data.get(field, False)
        if not isinstance(value, bool):
            raise _invalid(f"{field} must be true or false", field)
        setattr(client, field, value)


def validate_client(client: Client) -> None:
    try:
        client.full_clean(exclude=["client_type", "authorization_grant_type", "user", "client_secret"])
    except ValidationError as exc:
        problems = exc.message_dict
        field = "redirect_uris" if "redirect_uris" in problems else next(iter(problems))
        text = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in problems.items())
        raise _invalid(text, field) from exc


def describe(client: Client) -> dict[str, Any]:
    """The client's registered metadata as RFC 7591 3.2.1 returns it (no secrets)."""
    document: dict[str, Any] = {
        "client_id": client.client_id,
        "client_id_issued_at": int(client.created.timestamp()),
        "client_name": client.name,
        "redirect_uris": client.redirect_uris.split(),
        "post_logout_redirect_uris": client.post_logout_redirect_uris.split(),
        "request_uris": client.request_uris.split(),
        "default_max_age": client.default_max_age,
        "jwks": client.jwks,
    }
    for field in STRINGS + ARRAYS + BOOLEANS:
        document[field] = getattr(client, field)
    for tag, name in client.client_name_localized.items():
        document[f"client_name#{tag}"] = name
    if clients.needs_secret(client):
        document["client_secret_expires_at"] = 0
    # Empty members are omitted, except where omission would mean the default (RFC 7591 2: ["code"]).
    return {k: v for k, v in document.items() if v not in (None, "", []) or k in DEFAULTS}


def _check_open_hosts(client: Client) -> None:
    """With PORTICO_REGISTRATION_TRUSTED_HOSTS set, open registration accepts only redirect URIs there."""
    if not client.registered_openly or not conf.registration_trusted_hosts():
        return
    for field in ("redirect_uris", "post_logout_redirect_uris"):  # where a browser is sent
        for uri in getattr(client, field).split():
            if not redirect_uris.on_hosts(uri, conf.registration_trusted_hosts()):
                raise errors.InvalidRedirectUri(
                    f"{field}: {uri} is not on a host this server accepts for open registration"
                )


def configuration_uri(client: Client) -> str:
    return conf.endpoint(reverse("oidc:client-configuration", args=[client.client_id]))


def _registration_token(client: Client) -> str:
    token = secrets.token_urlsafe(32)
    client.registration_access_token = digest(token)
    return token


@transaction.atomic
def register(data: Any) -> dict[str, Any]:
    client = Client(skip_authorization=False, can_introspect=False, registered_openly=mode() == "open")
    apply_metadata(client, data)
    secret = clients.issue_secret(client)
    validate_client(client)
    _check_open_hosts(client)
    token = _registration_token(client)
    client.save()
    document = describe(client)
    if secret:
        document["client_secret"] = secret
    document.update(registration_access_token=token, registration_client_uri=configuration_uri(client))
    return document


def client_for(client_id: str, token: str | None) -> Client | None:
    """RFC 7592 3: the registration access token authorizes access to its own client only."""
    if not token:
        return None
    client = Client.objects.filter(registration_access_token=digest(token)).first()
    return client if client is not None and client.client_id == client_id else None


def replace_metadata(client: Client, data: Any) -> str:
    """Replace the client's registration (RFC 7592 2.2: omitted members take their defaults) and validate
    it, unsaved. Returns a new plaintext secret when the new auth method needs one the client lacks."""
    had_secret = clients.needs_secret(client)
    had_encrypted = bool(client.client_secret_encrypted)
    apply_metadata(client, data)
    needs_secret = clients.needs_secret(client)
    secret = ""
    if needs_secret and (
        not had_secret or (client.token_endpoint_auth_method == "client_secret_jwt" and not had_encrypted)
    ):
        secret = clients.issue_secret(client)  # a secret the new method needs and the client never had
    elif not needs_secret:
        clients.issue_secret(client)  # clears it
    validate_client(client)
    _check_open_hosts(client)
    return secret


@transaction.atomic
def update(client: Client, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _invalid("the request body must be a JSON object")
    if data.get("client_id") != client.client_id:
        raise _invalid("client_id must be included and match the client being updated (RFC 7592 2.2)")
    if "client_secret" in data and not clients.secret_matches(client, str(data["client_secret"])):
        raise _invalid("client_secret does not match (RFC 7592 2.2)")
    secret = replace_metadata(client, data)
    client.save()
    document = describe(client)
    if secret:
        document["client_secret"] = secret
    document["registration_client_uri"] = configuration_uri(client)
    return document


# ---- initial access tokens (RFC 7591 3: PORTICO_REGISTRATION=token) ------------------------------------


def create_initial_token(
    label: str, *, expires: datetime | None = None, max_uses: int | None = None
) -> tuple[InitialAccessToken, str]:
    value = secrets.token_urlsafe(32)
    token = InitialAccessToken.objects.create(
        label=label, token=digest(value), expires=expires, max_uses=max_uses
    )
    return token, value


def consume_initial_token(value: str | None) -> bool:
    """One use of a live initial access token; the conditional UPDATE keeps max_uses exact under concurrency."""
    if not value:
        return False
    now = timezone.now()
    usable = (
        Q(token=digest(value), revoked__isnull=True)
        & (Q(expires__isnull=True) | Q(expires__gt=now))
        & (Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")))
    )
    return InitialAccessToken.objects.filter(usable).update(uses=F("uses") + 1) == 1
