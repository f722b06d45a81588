"""Rendering authorization-endpoint errors: a redirect to a registered redirect_uri, or a page for people
when the redirect_uri cannot be trusted (RFC 6749 4.1.2.1; never redirect to an unregistered URI)."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.shortcuts import render
from oauth2_provider.http import OAuth2ResponseRedirect

from . import conf

FRAGMENT_RESPONSE_TYPES = {"token", "id_token"}


def response_mode_for(response_type: str, requested: str | None) -> str:
    """OAuth 2.0 Multiple Response Types 2.1/5: code -> query; anything returning tokens -> fragment."""
    if requested in {"query", "fragment"}:
        if requested == "query" and FRAGMENT_RESPONSE_TYPES & set(response_type.split()):
            return "fragment"  # Tokens never travel in a query string.
        return requested
    return "fragment" if FRAGMENT_RESPONSE_TYPES & set((response_type or "").split()) else "query"


def add_response_params(redirect_uri: str, params: list[tuple[str, str]], *, mode: str) -> str:
    scheme, netloc, path, query, fragment = urlsplit(redirect_uri)
    if mode == "fragment":
        return urlunsplit((scheme, netloc, path, query, urlencode(params)))
    merged = parse_qsl(query, keep_blank_values=True) + params
    return urlunsplit((scheme, netloc, path, urlencode(merged), ""))


def error_redirect(
    redirect_uri: str,
    *,
    error: str,
    description: str,
    state: str | None,
    mode: str = "query",
    schemes=("http", "https"),
):
    params = [("error", error)]
    if description:
        params.append(("error_description", description))
    if state:
        params.append(("state", state))
    params.append(("iss", conf.issuer()))  # RFC 9207 2: errors carry iss too.
    return OAuth2ResponseRedirect(add_response_params(redirect_uri, params, mode=mode), list(schemes))


def error_page(request, *, error: str, description: str, status: int = 400):
    """Shown to the person when the client or redirect_uri cannot be trusted."""
    return render(request, "oidc/error.html", {"error": error, "description": description}, status=status)
