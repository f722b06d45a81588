"""The signed marker that brings the person back from the login or account-choice page to the request that
sent them there: proof that the interaction this request asked for has happened (Core 3.1.2.3)."""

import time
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse

RESUME_PARAM = "portico_resume"
RESUME_SALT = "portico.authorize.resume"
RESUME_MAX_AGE = 30 * 60


def _binding(params) -> str:
    """What a resume marker is bound to: the client, its redirect URI and its nonce/state."""
    return "|".join(params.get(k, "") for k in ("client_id", "redirect_uri", "nonce", "state"))


def resume_url(params, *, kind: str, sid: str = "") -> str:
    """/authorize again with the same parameters and a marker saying the person just did `kind`."""
    marker = signing.dumps(
        {"at": int(time.time()), "k": kind, "sid": sid, "b": _binding(params)}, salt=RESUME_SALT
    )
    query = [(k, v) for k, v in params.items() if k != RESUME_PARAM] + [(RESUME_PARAM, marker)]
    return reverse("oidc:authorize") + "?" + urlencode(query)


def resumed(params, sign_in) -> bool:
    """The person signed in (or chose this account) for this very request, after it asked them to."""
    value = params.get(RESUME_PARAM)
    if not value or sign_in is None:
        return False
    try:
        marker = signing.loads(value, salt=RESUME_SALT, max_age=RESUME_MAX_AGE)
    except signing.BadSignature:
        return False
    if marker.get("b") != _binding(params):
        return False
    if marker.get("k") == "selected":
        return marker.get("sid") == sign_in.sid
    return sign_in.auth_time.timestamp() >= marker.get("at", 0)
