"""Cross-origin reads by browser-based clients (Fetch Standard, "CORS protocol"), decided per client.

django-cors-headers writes the headers; this module decides, through its check_request_enabled signal, which
origin may read which answer:
- the token, pushed authorization request, revocation, introspection and userinfo endpoints
  (CORS_URLS_REGEX in config/settings.py): an origin the client registered in allowed_origins; a public client that registered none is allowed the
  origins of its redirect URIs (a single-page app calls the token endpoint from the page it is redirected
  to). The client is the one the request names (client_id in the body or HTTP Basic; for userinfo, the
  access token's client, noted by the view). Naming a client is no authentication, and needs none: the
  origin only decides whether the browser lets a page read the answer, which the endpoint still refuses
  to anyone who does not authenticate.
- a preflight (OPTIONS) carries no credentials and no body, so no client: it is answered for an origin that
  some active client is allowed, and the answer to the real request is decided by its client.
- discovery and the JWKS are public documents: their views allow every origin themselves.

Origins are https; http only on a loopback host while the issuer itself is on http (development), the rule
redirect URIs follow (oidc/metadata.py). A stored http origin stops working when the issuer moves to https.
"""

import re
from urllib.parse import unquote_plus, urlsplit

from corsheaders.conf import conf as cors_conf
from corsheaders.middleware import CorsMiddleware as _CorsMiddleware
from corsheaders.signals import check_request_enabled
from django.dispatch import receiver
from django.utils.cache import patch_vary_headers

from . import conf, params
from .models import Client

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
# Set by a view on the Django request when the client is known only from a token (userinfo).
CLIENT_ATTRIBUTE = "portico_cors_client"


def _development() -> bool:
    return not conf.issuer().startswith("https://")


def origin_of(uri: str) -> str:
    """The serialized origin (scheme://host[:port]) of an http(s) URL, "" when it has none."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def origin_problem(value: str) -> str:
    """Why `value` cannot be registered as an allowed origin ("" when it can)."""
    if origin_of(value) != value:
        return f"{value}: must be an origin, scheme://host[:port] without path or trailing slash"
    parts = urlsplit(value)
    if parts.scheme == "https":
        return ""
    if parts.hostname not in LOOPBACK_HOSTS:
        return f"{value}: must use https (http only for 127.0.0.1, [::1] or localhost in development)"
    if not _development():
        return f"{value}: http origins are accepted only while the issuer is on http (development)"
    return ""


def client_origins(client: Client) -> set[str]:
    """The origins allowed to read the client's answers: those it registered, or for a public client that
    registered none, those of its redirect URIs."""
    registered = client.allowed_origins.split()
    if not registered and client.token_endpoint_auth_method == "none":
        registered = [origin_of(uri) for uri in client.redirect_uris.split()]
    return {origin for origin in registered if origin and not origin_problem(origin)}


def _any_client_allows(origin: str) -> bool:
    """Preflight: some active client may be called from `origin` (candidates by substring, then exactly; all
    of them, so clients whose URIs merely contain the origin cannot crowd out the one it belongs to)."""
    active = Client.objects.filter(is_active=True)
    candidates = active.filter(allowed_origins__contains=origin) | active.filter(
        allowed_origins="", token_endpoint_auth_method="none", redirect_uris__contains=origin
    )
    fields = ("allowed_origins", "redirect_uris", "token_endpoint_auth_method")
    return any(
        origin in client_origins(client) for client in candidates.only(*fields).iterator(chunk_size=100)
    )


def _named_client_id(request) -> str:
    """RFC 6749 2.3.1: the client_id of HTTP Basic credentials, else of the form body."""
    basic = params.basic_credentials(request.headers.get("Authorization", ""))
    if basic:
        return unquote_plus(basic.decode("utf-8", "replace").partition(":")[0])
    if request.method != "POST":
        return ""
    try:  # urlencoded or multipart: a browser sends either cross-origin without a preflight
        return request.POST.get("client_id", "")
    except Exception:  # an unparsable body was refused by the endpoint; nothing to read here
        return ""


def _request_client(request) -> Client | None:
    noted = getattr(request, CLIENT_ATTRIBUTE, None)
    if noted is not None:
        return noted
    client_id = _named_client_id(request)
    if not client_id or "\x00" in client_id:
        return None
    fields = ("allowed_origins", "redirect_uris", "token_endpoint_auth_method")
    return Client.objects.filter(client_id=client_id, is_active=True).only(*fields).first()


def note_client(request, client: Client | None) -> None:
    setattr(request, CLIENT_ATTRIBUTE, client)


def allows(request, origin: str) -> bool:
    """May `origin` read the answer to this request (or send the request a preflight asks about)?"""
    if origin_problem(origin):
        return False
    if request.method == "OPTIONS":
        return _any_client_allows(origin)
    client = _request_client(request)
    if client is None:  # no client named or known (e.g. a refused token): an error only, nothing to hide
        return _any_client_allows(origin)
    return origin in client_origins(client)


@receiver(check_request_enabled)
def _decide(sender, request, **kwargs) -> bool:
    """django-cors-headers asks for every request outside CORS_URLS_REGEX (answer: no) and for each
    cross-origin request inside it (answer: this module's rule)."""
    origin = request.headers.get("Origin")
    if not origin or not getattr(request, "_cors_enabled", False):
        return False
    return allows(request, origin)


class CorsMiddleware(_CorsMiddleware):
    """django-cors-headers' middleware, skipped for requests without an Origin header (servers, command-line
    clients, same-origin navigations: most of the token endpoints' traffic), which it would otherwise parse
    every header of to find none. Their answers still vary by Origin where CORS applies."""

    def __call__(self, request):
        if "HTTP_ORIGIN" in request.META:
            return super().__call__(request)
        response = self.get_response(request)
        if re.match(cors_conf.CORS_URLS_REGEX, request.path_info):
            patch_vary_headers(response, ("origin",))
        return response
