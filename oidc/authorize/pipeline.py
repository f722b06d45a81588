"""Running an authorization request through its steps (oidc/authorize/steps.py).

Each step applies one rule to the `Authorization` being built: it returns None to go on, returns a response
to stop there (a login page, a consent page, the authorization response), or raises an OAuthError. The
loop is the one place those errors are caught: they go to the client's registered redirect URI once the
request has established one (`Authorization.target`), and to an error page for the person before that or
when the error may not be redirected (RFC 6749 4.1.2.1).
"""

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict

from .. import errors
from ..authrequest import AuthRequest


@dataclass
class Authorization:
    """One authorization request as the steps have established it so far."""

    view: Any  # the view, django-oauth-toolkit's bridge to oauthlib
    http: HttpRequest
    params: dict[str, str]
    client: Any = None
    scopes: list[str] = field(default_factory=list)
    credentials: dict[str, Any] = field(default_factory=dict)
    target: errors.Target | None = None  # a registered redirect URI, once there is one
    request: AuthRequest | None = None
    extra_claims: list[str] = field(default_factory=list)
    pushed: bool = False  # the parameters are a pushed request's (RFC 9126)


def run(authorization: Authorization, steps) -> HttpResponse:
    try:
        for step in steps:
            response = step(authorization)
            if response is not None:
                return response
    except errors.OAuthError as error:
        return errors.respond(authorization.http, error, authorization.target)
    raise AssertionError("the last step always answers")


def validate(authorization: Authorization, steps) -> None:
    """Run validation-only steps (the pushed authorization request endpoint, RFC 9126 2.1); their errors
    reach the caller."""
    for step in steps:
        if step(authorization) is not None:
            raise AssertionError(f"{step.__name__} answered during validation")


def use_params(http, params: dict[str, str]) -> None:
    """Make the request carry the effective parameters as a GET query, so django-oauth-toolkit, oauthlib and
    the later steps act on one request. Changed in place: middleware reads what views record on it."""
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query[name] = value
    http.GET, http.POST = query, QueryDict()
    http.method = http.META["REQUEST_METHOD"] = "GET"
    http.META["QUERY_STRING"] = query.urlencode()
