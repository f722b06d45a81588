"""The authorization request by reference: a request_uri naming a pushed request (RFC 9126 4) or a request
object at a URL (Core 6.2), and the rule that some clients must push their requests (RFC 9126 5)."""

from django.utils import timezone

from .. import client_auth, conf, errors, pushed_requests, request_objects, responses
from .pipeline import Authorization, use_params
from .resume import PUSHED_PARAM


def _outer_target(client, params: dict[str, str]) -> errors.Target | None:
    """Where an error about the request_uri may go: the redirect_uri sent beside it, if it is registered for
    this client (nothing else of the request is known yet)."""
    mode = responses.effective_mode(params.get("response_type", ""), params.get("response_mode"))
    return errors.Target.registered(
        client, params.get("redirect_uri", ""), state=params.get("state"), mode=mode
    )


def _without_pushed_marker(a: Authorization) -> None:
    """A request without request_uri is never a pushed one (a pushed request resumes after the login page
    under a request_uri of its own, oidc/authorize/resume.py): a marker in the query is dropped."""
    if not a.params.get(PUSHED_PARAM):
        return
    a.params = {name: value for name, value in a.params.items() if name != PUSHED_PARAM}
    use_params(a.http, a.params)


def _must_push(client) -> bool:
    return conf.require_pushed_authorization_requests() or client.require_pushed_authorization_requests


def resolve_request_uri(a: Authorization) -> None:
    """RFC 9126 4: a pushed request's parameters, exactly and once (the query's others are ignored); Core
    6.2: else the request object at the URL, then handled as one sent by value (Core 6.1)."""
    uri = a.params.get("request_uri")
    if not uri:
        _without_pushed_marker(a)
        return
    client = client_auth.active_client(a.params.get("client_id", ""))
    if client is None:
        raise errors.InvalidRequest(
            "request_uri needs the client_id parameter of a known client (RFC 9101 5).", redirectable=False
        )
    if a.params.get("request"):
        return  # refused by apply_request_object, which knows where the object's errors may go
    a.target = _outer_target(client, a.params)
    if pushed_requests.is_pushed(uri):
        pushed = pushed_requests.take(uri, client=client, now=timezone.now())
        if pushed is None:
            raise errors.InvalidRequestUri("request_uri is unknown, expired or already used (RFC 9126 4)")
        effective, a.pushed = {**pushed, PUSHED_PARAM: "1"}, True
    else:
        if _must_push(client):  # RFC 9126 5: refused before anything is fetched for it
            raise errors.InvalidRequest("authorization requests must be pushed first (RFC 9126 5)")
        token = request_objects.fetch_by_reference(uri, client=client)
        effective = {name: value for name, value in a.params.items() if name != "request_uri"}
        effective["request"] = token
    use_params(a.http, effective)
    a.params, a.target = effective, None  # validated from scratch by the next steps


def refuse_unpushed(a: Authorization) -> None:
    """RFC 9126 5 and 6: a client that must push its requests (or every client, by the server's setting)
    has any other request refused."""
    if a.pushed:
        return
    if _must_push(a.client):
        raise errors.InvalidRequest("authorization requests must be pushed first (RFC 9126 5)")
