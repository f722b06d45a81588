"""The signed marker that brings the person back from the login or account-choice page to the request that
sent them there: proof that the interaction this request asked for has happened (Core 3.1.2.3)."""

import hashlib
import time
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .. import pushed_requests
from ..models import Client

RESUME_PARAM = "portico_resume"
RESUME_SALT = "portico.authorize.resume"
RESUME_MAX_AGE = 30 * 60
# Carried by a request whose parameters came from a pushed request (RFC 9126), so that its resumption after
# the login page still counts as pushed; it is believed only with a valid marker bound to every parameter.
PUSHED_PARAM = "portico_pushed"


def _binding(params) -> str:
    """What a resume marker is bound to: the client, its redirect URI and its nonce/state; for a pushed
    request, every parameter (its integrity is what pushing it was for, RFC 9126 1)."""
    if params.get(PUSHED_PARAM):
        every = sorted((k, v) for k, v in params.items() if k != RESUME_PARAM)
        return hashlib.sha256(repr(every).encode()).hexdigest()
    return "|".join(params.get(k, "") for k in ("client_id", "redirect_uri", "nonce", "state"))


def _marker(params) -> dict | None:
    try:
        marker = signing.loads(params.get(RESUME_PARAM, ""), salt=RESUME_SALT, max_age=RESUME_MAX_AGE)
    except signing.BadSignature:
        return None
    return marker if isinstance(marker, dict) and marker.get("b") == _binding(params) else None


def resumes_pushed(params) -> bool:
    """This request resumes one that was pushed: its marker is valid and bound to all of its parameters."""
    return bool(params.get(PUSHED_PARAM)) and _marker(params) is not None


def resume_url(params, *, kind: str, sid: str = "") -> str:
    """/authorize again with the same parameters and a marker saying the person just did `kind`. A pushed
    request stays on the server (RFC 9126 1: its parameters never travel through the browser): it is pushed
    again, under a new single-use request_uri that lives as long as the marker (RFC 9126 4)."""
    marker = signing.dumps(
        {"at": int(time.time()), "k": kind, "sid": sid, "b": _binding(params)}, salt=RESUME_SALT
    )
    query = [(k, v) for k, v in params.items() if k != RESUME_PARAM] + [(RESUME_PARAM, marker)]
    if params.get(PUSHED_PARAM):
        client = Client.objects.get(client_id=params["client_id"])
        request_uri, _ttl = pushed_requests.store(client, dict(query), now=timezone.now(), ttl=RESUME_MAX_AGE)
        query = [("client_id", client.client_id), ("request_uri", request_uri)]
    return reverse("oidc:authorize") + "?" + urlencode(query)


def resumed(params, sign_in) -> bool:
    """The person signed in (or chose this account) for this very request, after it asked them to."""
    if not params.get(RESUME_PARAM) or sign_in is None:
        return False
    marker = _marker(params)
    if marker is None:
        return False
    if marker.get("k") == "selected":
        return marker.get("sid") == sign_in.sid
    return sign_in.auth_time.timestamp() >= marker.get("at", 0)
