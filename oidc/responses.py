"""Authorization response modes (OAuth 2.0 Multiple Response Types 2 and 5, OAuth 2.0 Form Post Response
Mode): where the parameters of a response (or an error) travel."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.shortcuts import render

from . import redirect_uris
from .constants import RESPONSE_MODES
from .middleware import CSP

TOKEN_RESPONSE_PARTS = {"token", "id_token"}


def default_mode(response_type: str) -> str:
    """Multiple Response Types 5: code -> query; anything returning a token -> fragment."""
    return "fragment" if TOKEN_RESPONSE_PARTS & set(response_type.split()) else "query"


def mode_problem(response_type: str, requested: str | None) -> str:
    """Multiple Response Types 2.1: tokens never travel in a query string."""
    if requested in (None, ""):
        return ""
    if requested not in RESPONSE_MODES:
        return f"unsupported response_mode: {requested}"
    if requested == "query" and TOKEN_RESPONSE_PARTS & set(response_type.split()):
        return "response_mode=query cannot carry tokens; use fragment or form_post"
    return ""


def effective_mode(response_type: str, requested: str | None) -> str:
    return (
        requested
        if requested in RESPONSE_MODES and not mode_problem(response_type, requested)
        else default_mode(response_type)
    )


def add_response_params(redirect_uri: str, params: list[tuple[str, str]], *, mode: str) -> str:
    """The redirect URI with the response parameters in the query, or in the fragment (which form_post
    turns into a POST body)."""
    scheme, netloc, path, query, _fragment = urlsplit(redirect_uri)
    if mode in ("fragment", "form_post"):
        return urlunsplit((scheme, netloc, path, query, urlencode(params)))
    merged = parse_qsl(query, keep_blank_values=True) + params
    return urlunsplit((scheme, netloc, path, urlencode(merged), ""))


def host(uri: str) -> str:
    """What a person recognises of a URI: its host (or its scheme, for an app's private-use URI)."""
    parts = urlsplit(uri)
    return parts.hostname or f"{parts.scheme}:"


def form_post(request, uri: str, *, auto: bool = True, error=None):
    """Form Post Response Mode 2: the parameters oauthlib put in the fragment, POSTed to the redirect URI by
    an auto-submitting page (a button when scripts are off, or when `auto` is off: an error shown first).
    The page may submit to that origin only."""
    scheme, netloc, path, query, fragment = urlsplit(uri)
    action = urlunsplit((scheme, netloc, path, query, ""))
    fields = parse_qsl(fragment, keep_blank_values=True)
    context = {"action": action, "fields": fields, "auto": auto, "host": host(uri)}
    if error is not None:
        context.update(error=error.error, description=error.description)
    response = render(request, "oidc/form_post.html", context, status=200 if auto else 400)
    response["Cache-Control"] = "no-store"
    target = redirect_uris.origin(action) or f"{scheme}:"
    response["Content-Security-Policy"] = CSP.replace(
        "form-action 'self' http: https:", f"form-action {target}"
    )
    return response
