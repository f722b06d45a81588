"""Client authentication at the token, introspection and revocation endpoints (RFC 6749 2.3, OIDC Core 9,
RFC 7523 2.2 and 3).

Exactly one method per request (RFC 6749 2.3), and it must be the one the client registered
(token_endpoint_auth_method). Secrets are compared as keyed digests in constant time; JWT assertions are
verified with pyjwt against the client's secret (client_secret_jwt) or public keys (private_key_jwt), and
each assertion's jti is recorded under a unique constraint so it is accepted once.

A client_assertion arrives before anything is authenticated, and verifying it may fetch the client's
jwks_uri. So every check that needs no key (well-formed JWT, iss = sub = a known active client using a JWT
method, an acceptable aud, a numeric exp that has not passed and is not far off, an allowed alg) is made
first, and a refused assertion is answered invalid_client with the reason (never a fetch, never a 500).
"""

import base64
import math
import time
from datetime import UTC, datetime, timedelta
from typing import TypeGuard
from urllib.parse import unquote_plus, urlsplit

import jwt
from django.db import IntegrityError, transaction
from django.urls import reverse
from oauthlib.common import Request as OAuthlibRequest
from oauthlib.oauth2.rfc6749.errors import InvalidClientError

from . import clients, conf, errors, fetch
from .constants import ASSERTION_ALGS
from .models import Client, ClientAssertion
from .prepared import PreparedLookup

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LEEWAY = 30
MAX_ASSERTION_LIFETIME = timedelta(hours=1, minutes=5)  # bounds how long a jti must be remembered


class AssertionRejected(Exception):
    """A client_assertion that does not authenticate its client; the message says why (invalid_client's
    error_description, RFC 6749 5.2)."""


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
        try:
            return verify_assertion(
                assertion or "", claimed_client_id=body_client_id, endpoint=_endpoint(request)
            )
        except AssertionRejected as exc:
            raise InvalidClientError(description=str(exc), request=request) from exc
    client = active_client(client_id)
    if client is None or client.token_endpoint_auth_method != method:
        return None
    return client if clients.secret_matches(client, secret) else None


def authenticate_form(http) -> Client:
    """The client of a form POST to an endpoint that authenticates clients as the token endpoint does (RFC
    9126 2: the pushed authorization request endpoint): the registered method, or for a public client
    ("none") its client_id alone. `http` is Django's request; anything else is InvalidClient."""
    request = OAuthlibRequest(
        conf.endpoint(http.path), http_method="POST", body=dict(http.POST.items()), headers=dict(http.headers)
    )
    if presents_credentials(request):
        try:
            client = authenticate(request)
        except InvalidClientError as exc:
            raise errors.InvalidClient(exc.description) from None
    else:
        client = active_client(http.POST.get("client_id", ""))
        client = client if client is not None and client.token_endpoint_auth_method == "none" else None
    if client is None:
        raise errors.InvalidClient("Client authentication failed.")
    return client


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


def _parse(assertion: str) -> tuple[dict, dict]:
    """The header and claims, unverified."""
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise AssertionRejected("client_assertion is not a signed JWT (RFC 7523 2.2)") from exc
    return header, claims


def _numeric_date(value: object) -> TypeGuard[int | float]:
    """RFC 7519 2: a number of seconds (not a string, not a boolean, not infinite)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_claims(claims: dict, *, endpoint: str, now: float) -> str:
    """RFC 7523 3 items 1-4 and 7, without the signature: returns the client_id the assertion names."""
    client_id = claims.get("iss")
    if not isinstance(client_id, str) or not client_id or claims.get("sub") != client_id:
        raise AssertionRejected("iss and sub of client_assertion must both be the client_id (RFC 7523 3)")
    aud = claims.get("aud")
    named = aud if isinstance(aud, list) else [aud]
    if not set(audiences(endpoint)) & {aud for aud in named if isinstance(aud, str)}:
        raise AssertionRejected(
            "aud of client_assertion must be this issuer or its token endpoint (RFC 7523 3)"
        )
    exp = claims.get("exp")
    if not _numeric_date(exp):
        raise AssertionRejected(
            "client_assertion needs exp, a number of seconds (RFC 7523 3, RFC 7519 4.1.4)"
        )
    if now >= exp + LEEWAY:
        raise AssertionRejected("client_assertion has expired (RFC 7519 4.1.4)")
    if exp - now > MAX_ASSERTION_LIFETIME.total_seconds():
        raise AssertionRejected("client_assertion expires too far in the future (at most an hour)")
    if any(name in claims and not _numeric_date(claims[name]) for name in ("nbf", "iat")):
        raise AssertionRejected("nbf and iat of client_assertion must be numbers of seconds (RFC 7519 2)")
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        raise AssertionRejected("client_assertion needs jti, a string (RFC 7523 3)")
    return client_id


def _assertion_client(client_id: str, *, claimed_client_id: str | None, alg) -> Client:
    """The active client the assertion names, registered for a JWT method that allows `alg`."""
    if claimed_client_id and claimed_client_id != client_id:
        raise AssertionRejected("client_id is not the iss of client_assertion (RFC 7523 3)")
    client = active_client(client_id)
    method = client.token_endpoint_auth_method if client else ""
    if client is None or method not in ASSERTION_ALGS:
        raise AssertionRejected(
            "client_assertion does not name an active client that authenticates with JWTs"
        )
    registered = client.token_endpoint_auth_signing_alg
    allowed = [registered] if registered else ASSERTION_ALGS[method]
    if alg not in allowed:  # also refuses "none" and algorithm confusion between HMAC and public keys
        raise AssertionRejected(
            f"client_assertion must be signed with {' or '.join(allowed)} (Registration 2)"
        )
    return client


def _verified(assertion: str, client: Client, header: dict, *, endpoint: str) -> dict:
    """The claims once the signature verifies with one of the client's keys (a jwks_uri is refetched once,
    rate-limited, when none does: the client may have rotated its keys)."""
    for refresh in (False, True):
        try:
            candidates = _candidate_keys(client, header, refresh=refresh)
        except fetch.FetchError as exc:
            raise AssertionRejected(f"the client's keys could not be fetched: {exc}") from exc
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
        if client.token_endpoint_auth_method != "private_key_jwt" or not client.jwks_uri:
            break
    raise AssertionRejected("client_assertion does not verify with the client's keys")


def verify_assertion(
    assertion: str, *, claimed_client_id: str | None, endpoint: str = "", now: float | None = None
) -> Client:
    """The client a client_assertion authenticates (RFC 7523 3), or AssertionRejected."""
    header, unverified = _parse(assertion)
    client_id = _check_claims(unverified, endpoint=endpoint, now=time.time() if now is None else now)
    client = _assertion_client(client_id, claimed_client_id=claimed_client_id, alg=header.get("alg"))
    claims = _verified(assertion, client, header, endpoint=endpoint)
    expires = datetime.fromtimestamp(claims["exp"], tz=UTC)
    try:
        with transaction.atomic():
            ClientAssertion.objects.create(client=client, jti=claims["jti"][:255], expires=expires)
    except IntegrityError:
        raise AssertionRejected("client_assertion was already used (RFC 7523 3)") from None
    return client
