"""Pushed authorization requests (RFC 9126): a client sends its authorization request to /par, authenticated
as at the token endpoint, and gets a short-lived, single-use request_uri to send the person's browser to
/authorize with.

The request_uri is a bearer reference to the request: 256 random bits, stored only as a digest and looked
up by it. It is deleted when used, before anything is issued, so two uses racing each other cannot both
succeed (RFC 9126 4: one-time use), and it is refused after `expires` (valid at the TTL, not a second
later). The request is validated when pushed (oidc/views/par.py runs the authorization endpoint's
validation steps); /authorize then uses exactly the pushed parameters.
"""

import secrets
from datetime import datetime, timedelta
from typing import Any

from . import conf, errors, request_objects
from .models import PushedAuthorizationRequest
from .secrets import digest

PREFIX = "urn:ietf:params:oauth:request_uri:"  # RFC 9126 2.2
# Parameters of client authentication (RFC 6749 2.3.1, RFC 7523 2.2): not part of the authorization request.
# What one pushed request may hold (its parameters, a request object included), stored until used or purged.
MAX_PUSHED_CHARACTERS = 16_384
CLIENT_AUTHENTICATION = frozenset({"client_secret", "client_assertion", "client_assertion_type"})


def is_pushed(request_uri: str) -> bool:
    return request_uri.startswith(PREFIX)


def authorization_params(form: dict[str, str], *, client, now: float) -> dict[str, str]:
    """The authorization request a client pushed (RFC 9126 2.1), as /authorize would receive it: the form
    without client authentication, or, when it holds a `request` object, only that object's claims (RFC 9126
    3: "all other request parameters ... MUST appear as claims"). The client_id is the authenticated one."""
    if "request_uri" in form:
        raise errors.InvalidRequest("request_uri must not be pushed (RFC 9126 2.1)")
    if form.get("client_id", client.client_id) != client.client_id:
        raise errors.InvalidRequest("client_id is not the authenticated client (RFC 9126 2.1)")
    token = form.get("request")
    if token:
        claims = request_objects.verify(token, client=client, issuer=conf.issuer(), now=now)
        params = request_objects.effective_params({}, claims)
    else:
        params = {name: value for name, value in form.items() if name not in CLIENT_AUTHENTICATION}
    if any("\x00" in name or "\x00" in value for name, value in params.items()):
        raise errors.InvalidRequest("Malformed request.")
    if sum(len(name) + len(value) for name, value in params.items()) > MAX_PUSHED_CHARACTERS:
        raise errors.InvalidRequest(f"A pushed request is limited to {MAX_PUSHED_CHARACTERS} characters.")
    return params | {"client_id": client.client_id}


def store(client, params: dict[str, str], *, now: datetime, ttl: int | None = None) -> tuple[str, int]:
    """RFC 9126 2.2: a new request_uri for the validated request, and its lifetime in seconds (the
    configured one unless `ttl`: a pushed request waiting for the person to sign in lives that long)."""
    value = PREFIX + secrets.token_urlsafe(32)
    ttl = conf.par_ttl() if ttl is None else ttl
    PushedAuthorizationRequest.objects.create(
        client=client, digest=digest(value), parameters=params, expires=now + timedelta(seconds=ttl)
    )
    return value, ttl


def take(request_uri: str, *, client, now: datetime) -> dict[str, Any] | None:
    """The pushed request's parameters, consumed; None when the request_uri is unknown, is another client's,
    has expired or was used already (RFC 9126 4). The DELETE decides: of two concurrent uses, one deletes."""
    row = PushedAuthorizationRequest.objects.filter(digest=digest(request_uri), client=client).first()
    if row is None:
        return None
    deleted, _ = PushedAuthorizationRequest.objects.filter(pk=row.pk).delete()
    if not deleted or row.expires < now:
        return None
    return row.parameters
