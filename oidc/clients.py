"""Creating clients and handling their secrets.

Secrets are generated (>= 256 bits, oauth2_provider's generator at 64 characters gives ~380) and stored as
a keyed SHA-256 digest (oidc/secrets.py). client_secret_jwt clients also keep the secret encrypted, since
it is the HMAC key their assertions are checked with. Rotation keeps the previous secret valid for an
overlap so a deployment can switch without downtime.
"""

from dataclasses import dataclass
from datetime import timedelta

import jwt
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import revoke_access_token

from config import at_rest

from . import conf, constants, events, fetch
from .models import AccessToken, Client, Consent, Grant, RefreshToken


def _apply_secret(client: Client, secret: str) -> None:
    client.client_secret = secret  # hashed by the field on save
    uses_hmac = client.token_endpoint_auth_method == "client_secret_jwt"
    client.client_secret_encrypted = at_rest.encrypt(secret.encode()) if secret and uses_hmac else ""


@transaction.atomic
def create_client(
    *,
    name: str,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str] | None = None,
    grant_types: list[str] | None = None,
    token_endpoint_auth_method: str = "client_secret_basic",
    skip_consent: bool = False,
    client_id: str | None = None,
    **metadata,
) -> tuple[Client, str]:
    """Validate and store a client. Returns it with its plaintext secret ("" when it has none)."""
    grant_types = grant_types or ["authorization_code", "refresh_token"]
    # RFC 7591 2: response_types defaults to ["code"], which only means something with authorization_code.
    metadata.setdefault("response_types", ["code"] if "authorization_code" in grant_types else [])
    client = Client(
        name=name,
        redirect_uris=" ".join(redirect_uris),
        post_logout_redirect_uris=" ".join(post_logout_redirect_uris or []),
        grant_types=grant_types,
        token_endpoint_auth_method=token_endpoint_auth_method,
        skip_authorization=skip_consent,
        **metadata,
    )
    if client_id:
        client.client_id = client_id
    secret = issue_secret(client)
    client.full_clean(exclude=["client_type", "authorization_grant_type", "user", "client_secret"])
    client.save()
    return client, secret


def needs_secret(client: Client) -> bool:
    return client.token_endpoint_auth_method in constants.SECRET_AUTH_METHODS


def issue_secret(client: Client) -> str:
    """Give the (unsaved) client a fresh secret if its method uses one; returns the plaintext."""
    secret = generate_client_secret() if needs_secret(client) else ""
    _apply_secret(client, secret)
    return secret


@transaction.atomic
def rotate_secret(client: Client, *, overlap: timedelta = timedelta(0)) -> str:
    """A new secret; the current one keeps working for `overlap` (none by default)."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    if overlap > timedelta(0) and client.client_secret:
        client.previous_client_secret = client.client_secret
        client.previous_client_secret_encrypted = client.client_secret_encrypted
        client.previous_secret_expires = timezone.now() + overlap
    else:
        client.previous_client_secret = client.previous_client_secret_encrypted = ""
        client.previous_secret_expires = None
    secret = issue_secret(client)
    client.save()
    return secret


def _previous_valid(client: Client) -> bool:
    return bool(client.previous_secret_expires and client.previous_secret_expires > timezone.now())


def secret_matches(client: Client, provided: str) -> bool:
    """Constant-time check against the current secret and, during an overlap, the previous one."""
    if not provided or not client.client_secret:
        return False
    current = check_password(provided, client.client_secret)
    previous = _previous_valid(client) and check_password(provided, client.previous_client_secret)
    return current or previous


def hmac_secrets(client: Client) -> list[bytes]:
    """The secrets a client_secret_jwt assertion may be signed with (current, then previous in overlap)."""
    found = [at_rest.decrypt(client.client_secret_encrypted)] if client.client_secret_encrypted else []
    if _previous_valid(client) and client.previous_client_secret_encrypted:
        found.append(at_rest.decrypt(client.previous_client_secret_encrypted))
    return found


def public_keys(client: Client, *, alg: str, kid: str | None, refresh: bool = False) -> list:
    """The client's registered public keys (jwks, or the document at jwks_uri through the SSRF-safe fetcher)
    that may verify a JWS with `alg` (and `kid`, when the header names one). A key whose JWK names another
    algorithm, or that is not a signing key, is never used (RFC 8725 3.1). Raises fetch.FetchError."""
    if client.jwks:
        document = client.jwks
    elif client.jwks_uri:
        document = fetch.cached_json(client.jwks_uri, refresh=refresh)
    else:
        return []
    found = []
    for entry in document.get("keys", []) if isinstance(document, dict) else []:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        if kid and entry.get("kid") != kid:
            continue
        if entry.get("alg", alg) != alg:
            continue
        try:
            found.append(jwt.PyJWK(entry, algorithm=alg).key)
        except (jwt.PyJWKError, jwt.InvalidKeyError, KeyError, ValueError, TypeError):
            continue
    return found


@dataclass(frozen=True)
class Revoked:
    access_tokens: int
    refresh_tokens: int
    codes: int
    consents: int

    def __str__(self) -> str:
        return (
            f"{self.access_tokens} access tokens, {self.refresh_tokens} refresh tokens, "
            f"{self.codes} codes, {self.consents} consents"
        )


@transaction.atomic
def revoke_grants(client: Client, *, user=None) -> Revoked:
    """Everything the client holds (for one user, or for all): refresh tokens revoked, access tokens and
    pending codes deleted, consents forgotten (users are asked again)."""
    mine = {"application": client} if user is None else {"application": client, "user": user}
    live_refresh = RefreshToken.objects.filter(revoked__isnull=True, **mine)
    refresh = live_refresh.count()
    access = 0
    for token in AccessToken.objects.filter(**mine):
        revoke_access_token(token)  # also revokes its refresh token
        access += 1
    live_refresh.update(revoked=timezone.now())
    codes, _ = Grant.objects.filter(**mine).delete()
    consents, _ = Consent.objects.filter(client=client, **({} if user is None else {"user": user})).delete()
    revoked = Revoked(access, refresh, codes, consents)
    events.tokens_revoked.send(sender=Client, client=client, user=user, revoked=revoked)
    return revoked


def quickstart(client: Client) -> str:
    """A configuration any OpenID Connect library understands (discovery + credentials)."""
    redirect = (client.redirect_uris.split() or ["https://app.example.com/callback"])[0]
    secret = (
        "<shown once at creation; rotate to get a new one>"
        if needs_secret(client)
        else "(none: public client, use PKCE)"
    )
    return "\n".join(
        [
            f"OIDC_ISSUER={conf.issuer()}",
            f"OIDC_DISCOVERY_URL={conf.endpoint(reverse('oidc:configuration'))}",
            f"OIDC_CLIENT_ID={client.client_id}",
            f"OIDC_CLIENT_SECRET={secret}",
            f"OIDC_TOKEN_ENDPOINT_AUTH_METHOD={client.token_endpoint_auth_method}",
            f"OIDC_REDIRECT_URI={redirect}",
            "OIDC_SCOPES=openid profile email",
            "OIDC_RESPONSE_TYPE=code  # with PKCE S256",
        ]
    )
