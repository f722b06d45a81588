"""Client authentication at the token, introspection and revocation endpoints (RFC 6749 2.3, OIDC Core 9,
RFC 7523 2.2 and 3).

Exactly one method per request (RFC 6749 2.3), and it must be the one the client registered
(token_endpoint_auth_method). Secrets are compared as keyed digests in constant time; JWT assertions are
verified with pyjwt against the client's secret (client_secret_jwt) or public keys (private_key_jwt), and
each assertion's jti is recorded under a unique constraint so it is accepted once.
"""

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus, urlsplit

import jwt
from django.db import IntegrityError, transaction
from django.urls import reverse

from . import clients, conf, fetch
from .constants import ASSERTION_ALGS
from .models import Client, ClientAssertion
from .prepared import PreparedLookup

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LEEWAY = 30
MAX_ASSERTION_LIFETIME = timedelta(hours=1, minutes=5)  # bounds how long a jti must be remembered


def _basic_credentials(request) -> tuple[str, str] | None:
    """RFC 6749 2.3.1: client_id:client_secret, each form-urlencoded, in HTTP Basic."""
    header = request.headers.get("Authorization", "") or request.headers.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except ValueError:  # not base64, non-ASCII, or not UTF-8
        return ("", "")
    client_id, sep, secret = decoded.partition(":")
    return (unquote_plus(client_id), unquote_plus(secret)) if sep else ("", "")


def _param(request, name: str) -> str | None:
    value = getattr(request, name, None)
    return value if isinstance(value, str) and value else None


def presents_credentials(request) -> bool:
    return bool(
        _basic_credentials(request) or _param(request, "client_secret") or _param(request, "client_assertion")
    )


_ACTIVE_CLIENT = PreparedLookup(
    lambda client_id: Client.objects.filter(client_id=client_id, is_active=True).order_by()[:1],
    reuse_unchanged=True,
)


def active_client(client_id: str) -> Client | None:
    """The active client with this client_id (the lookup compiled once per connection)."""
    if not client_id or "\x00" in client_id:
        return None
    return _ACTIVE_CLIENT.first(client_id)


def authenticate(request) -> Client | None:
    """The authenticated client, or None. `request` is oauthlib's (headers and body parameters)."""
    basic = _basic_credentials(request)
    body_secret = _param(request, "client_secret")
    assertion = _param(request, "client_assertion")
    if sum(bool(x) for x in (basic, body_secret, assertion)) != 1:
        return None  # none, or more than one method at once
    body_client_id = _param(request, "client_id")
    if basic:
        client_id, secret = basic
        if body_client_id and body_client_id != client_id:
            return None
        method = "client_secret_basic"
    elif body_secret:
        client_id, secret, method = body_client_id or "", body_secret, "client_secret_post"
    else:
        if _param(request, "client_assertion_type") != ASSERTION_TYPE:
            return None
        return verify_assertion(
            assertion or "", claimed_client_id=body_client_id, endpoint=_endpoint(request)
        )
    client = active_client(client_id)
    if client is None or client.token_endpoint_auth_method != method:
        return None
    return client if clients.secret_matches(client, secret) else None


def _endpoint(request) -> str:
    """The endpoint being called, as a URL under the issuer (never trusting the Host header)."""
    return conf.endpoint(urlsplit(getattr(request, "uri", "") or "").path)


def audiences(endpoint: str = "") -> list[str]:
    """RFC 7523 3 item 3: the audience identifies the server: its issuer or its token endpoint (also the
    endpoint being called, as some libraries send for introspection and revocation)."""
    found = [conf.issuer(), conf.endpoint(reverse("oidc:token"))]
    if endpoint and endpoint not in found:
        found.append(endpoint)
    return found


def _candidate_keys(client: Client, header: dict, *, refresh: bool) -> list:
    if client.token_endpoint_auth_method == "client_secret_jwt":
        return clients.hmac_secrets(client)
    return clients.public_keys(client, alg=header["alg"], kid=header.get("kid"), refresh=refresh)


def _verified_claims(assertion: str, client: Client, header: dict, endpoint: str) -> dict | None:
    """RFC 7523 3: signature, iss, sub, aud and exp checked with the client's keys; a jwks_uri is fetched
    again once (rate-limited) when no key verifies, since only a jwks_uri can have changed."""
    method = client.token_endpoint_auth_method
    for refresh in (False, True):
        try:
            candidates = _candidate_keys(client, header, refresh=refresh)
        except fetch.FetchError:
            return None
        for key in candidates:
            try:
                return jwt.decode(
                    assertion,
                    key,
                    algorithms=[header["alg"]],
                    audience=audiences(endpoint),
                    issuer=client.client_id,
                    leeway=LEEWAY,
                    options={"require": ["iss", "sub", "aud", "exp", "jti"]},
                )
            except jwt.InvalidTokenError:
                continue
        if method != "private_key_jwt" or not client.jwks_uri:
            break
    return None


def verify_assertion(assertion: str, *, claimed_client_id: str | None, endpoint: str = "") -> Client | None:
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None
    client_id = unverified.get("iss")
    # RFC 7523 3 items 1-2: iss and sub are both the client_id.
    if not isinstance(client_id, str) or unverified.get("sub") != client_id:
        return None
    if claimed_client_id and claimed_client_id != client_id:
        return None
    client = active_client(client_id)
    method = client.token_endpoint_auth_method if client else ""
    if client is None or method not in ASSERTION_ALGS:
        return None
    allowed = (
        [client.token_endpoint_auth_signing_alg]
        if client.token_endpoint_auth_signing_alg
        else ASSERTION_ALGS[method]
    )
    if header.get("alg") not in allowed:
        return None  # also refuses "none" and algorithm confusion between HMAC and public keys
    claims = _verified_claims(assertion, client, header, endpoint)
    if claims is None:
        return None
    expires = datetime.fromtimestamp(claims["exp"], tz=UTC)
    if expires - datetime.now(tz=UTC) > MAX_ASSERTION_LIFETIME:
        return None
    try:
        with transaction.atomic():
            ClientAssertion.objects.create(client=client, jti=str(claims["jti"])[:255], expires=expires)
    except IntegrityError:
        return None  # RFC 7523 3 item 7: a jti is used once
    return client
