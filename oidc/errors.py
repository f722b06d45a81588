"""Rendering authorization-endpoint errors: a response to a registered redirect_uri (in the request's
response mode), or a page for people when the redirect_uri cannot be trusted (RFC 6749 4.1.2.1; never
redirect to an unregistered URI)."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.shortcuts import render
from oauth2_provider.http import OAuth2ResponseRedirect

from . import conf, responses


def add_response_params(redirect_uri: str, params: list[tuple[str, str]], *, mode: str) -> str:
    scheme, netloc, path, query, fragment = urlsplit(redirect_uri)
    if mode in ("fragment", "form_post"):
        return urlunsplit((scheme, netloc, path, query, urlencode(params)))
    merged = parse_qsl(query, keep_blank_values=True) + params
    return urlunsplit((scheme, netloc, path, urlencode(merged), ""))


def error_redirect(
    request,
    redirect_uri: str,
    *,
    error: str,
    description: str,
    state: str | None,
    mode: str = "query",
    schemes=("http", "https"),
):
    """Core 3.1.2.6: the error, its description, state and (RFC 9207 2) iss, delivered like a response."""
    params = [("error", error)]
    if description:
        params.append(("error_description", description))
    if state:
        params.append(("state", state))
    params.append(("iss", conf.issuer()))
    uri = add_response_params(redirect_uri, params, mode=mode)
    if mode == "form_post":
        return responses.form_post(request, uri)
    return OAuth2ResponseRedirect(uri, list(schemes))


def error_page(request, *, error: str, description: str, status: int = 400):
    """Shown to the person when the client or redirect_uri cannot be trusted."""
    return render(request, "oidc/error.html", {"error": error, "description": description}, status=status)
