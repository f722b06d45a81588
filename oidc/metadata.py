"""Client metadata (OpenID Connect Dynamic Client Registration 1.0 section 2, RFC 7591 2): the validation
every write goes through (admin, command line, registration API), and the mapping between the JSON metadata
and the Client model.

Errors name the field. At the registration endpoint, problems with redirect_uris become
`invalid_redirect_uri` and all others `invalid_client_metadata` (RFC 7591 3.2.2).
"""

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import conf, fetch

if TYPE_CHECKING:
    from .models import Client

# RFC 7591 2.1: which grant types each response type needs.
RESPONSE_TYPE_GRANTS = {
    "code": {"authorization_code"},
    "id_token": {"implicit"},
    "id_token token": {"implicit"},
    "code id_token": {"authorization_code", "implicit"},
    "code token": {"authorization_code", "implicit"},
    "code id_token token": {"authorization_code", "implicit"},
}
HTTPS_ONLY = (
    "logo_uri",
    "client_uri",
    "policy_uri",
    "tos_uri",
    "initiate_login_uri",
)
FETCHED = ("jwks_uri", "sector_identifier_uri")  # documents Portico fetches: oidc/fetch.py's scheme rule
PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_LOOPBACK_HOSTS = {"127.0.0.1", "::1"}


def is_loopback_redirect(uri: str) -> bool:
    """RFC 8252 7.3: http on a loopback IP literal ("localhost" is not recommended, 8.3)."""
    parts = urlsplit(uri)
    return parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK_HOSTS


def _production() -> bool:
    return conf.issuer().startswith("https://")


def _redirect_problems(uri: str, *, native: bool) -> list[str]:
    parts = urlsplit(uri)
    problems = []
    if "#" in uri:
        problems.append(f"{uri}: must not contain a fragment (RFC 6749 3.1.2)")
    if not parts.scheme:
        return problems + [f"{uri}: must be an absolute URI"]
    if parts.scheme in ("http", "https"):
        if not parts.hostname:
            problems.append(f"{uri}: has no host")
        elif native and parts.scheme == "http" and parts.hostname == "localhost":
            problems.append(f"{uri}: use 127.0.0.1 or [::1] rather than localhost (RFC 8252 8.3)")
        elif native and parts.scheme == "http" and not is_loopback_redirect(uri):
            problems.append(f"{uri}: native apps use http only on 127.0.0.1 or [::1] (RFC 8252 7.3)")
        elif parts.scheme == "http" and _production() and not native:
            problems.append(f"{uri}: must use https (http only for native apps on 127.0.0.1 or [::1])")
    elif not native:
        problems.append(f"{uri}: web applications must use https redirect URIs")
    elif parts.scheme in ("javascript", "data", "file", "vbscript", "about", "blob"):
        problems.append(f"{uri}: the {parts.scheme} scheme is not allowed")
    elif "." not in parts.scheme:
        problems.append(
            f"{uri}: private-use schemes must be reverse domain names, e.g. com.example.app (RFC 8252 7.1)"
        )
    return problems


def _https_problems(field: str, uri: str, *, schemes: tuple[str, ...] = ("https",)) -> list[str]:
    if not uri:
        return []
    parts = urlsplit(uri)
    if parts.scheme not in schemes or not parts.hostname:
        return [f"{field} must be an https URL"]
    return []


def _jwks_problems(jwks: Any) -> list[str]:
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        return ['must be a JWK Set: {"keys": [...]} with at least one key']
    problems = []
    for index, jwk in enumerate(jwks["keys"]):
        if not isinstance(jwk, dict) or "kty" not in jwk:
            problems.append(f"key {index} is not a JWK (no kty)")
        elif PRIVATE_JWK_MEMBERS & set(jwk):
            problems.append(
                f"key {index} contains private or symmetric key material; publish public keys only"
            )
    return problems


def _sector_problems(uri: str, redirect_uris: list[str]) -> list[str]:
    """OIDC Registration 5: the sector identifier document is a JSON array holding every redirect URI."""
    try:
        listed = fetch.fetch_json(uri, expect=list)
    except fetch.FetchError as exc:
        return [f"could not be used: {exc}"]
    missing = [r for r in redirect_uris if r not in listed]
    return [f"the document does not list these redirect URIs: {' '.join(missing)}"] if missing else []


def problems(client: "Client") -> dict[str, list[str]]:
    """Every rule on a client's metadata, keyed by field name (empty when the client is valid)."""
    from . import request_objects
    from .models import ASSERTION_ALGS, AUTH_METHODS, GRANT_TYPES

    found: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        found.setdefault(field, []).append(message)

    native = client.application_type == "native"
    redirect_uris = client.redirect_uris.split()
    for uri in redirect_uris:
        for message in _redirect_problems(uri, native=native):
            add("redirect_uris", message)
    for uri in client.post_logout_redirect_uris.split():
        for message in _redirect_problems(uri, native=native):
            add("post_logout_redirect_uris", message)

    grant_types = client.grant_types if isinstance(client.grant_types, list) else []
    response_types = client.response_types if isinstance(client.response_types, list) else []
    if not isinstance(client.grant_types, list) or not all(isinstance(g, str) for g in grant_types):
        add("grant_types", "must be a list of grant type names")
    if not isinstance(client.response_types, list) or not all(isinstance(r, str) for r in response_types):
        add("response_types", "must be a list of response type names")
    unknown = [g for g in grant_types if g not in GRANT_TYPES]
    if unknown:
        add("grant_types", f"unsupported grant types: {', '.join(map(str, unknown))}")
    unknown = [r for r in response_types if r not in RESPONSE_TYPE_GRANTS]
    if unknown:
        add("response_types", f"unsupported response types: {', '.join(map(str, unknown))}")
    for response_type in response_types:
        missing = RESPONSE_TYPE_GRANTS.get(response_type, set()) - set(grant_types)
        if missing:
            add(
                "grant_types",
                f"response type '{response_type}' needs grant types {', '.join(sorted(missing))}",
            )
    if {"authorization_code", "implicit"} & set(grant_types) and not redirect_uris:
        add("redirect_uris", "at least one redirect URI is required for browser-based grants")

    method = client.token_endpoint_auth_method
    if method not in AUTH_METHODS:
        add(
            "token_endpoint_auth_method", f"unsupported method {method}; supported: {', '.join(AUTH_METHODS)}"
        )
    if method == "none" and "client_credentials" in grant_types:
        add("grant_types", "client_credentials needs an authenticated (confidential) client")
    if client.can_manage and ("client_credentials" not in grant_types or method == "none"):
        add("can_manage", "a management API client needs the client_credentials grant and a credential")
    if method == "private_key_jwt":
        if not client.jwks and not client.jwks_uri:
            add("jwks", "private_key_jwt needs the client's public keys in jwks or jwks_uri")
    if client.jwks and client.jwks_uri:
        add("jwks", "jwks and jwks_uri must not both be present (RFC 7591 2)")
    if client.jwks:
        for message in _jwks_problems(client.jwks):
            add("jwks", message)
    for field in FETCHED:  # a document Portico fetches: at a URL it would fetch (http only in development)
        for message in _https_problems(field, getattr(client, field), schemes=fetch.fetchable_schemes()):
            add(field, message)
    signing_alg = client.token_endpoint_auth_signing_alg
    if signing_alg and signing_alg not in ASSERTION_ALGS.get(method, []):
        add(
            "token_endpoint_auth_signing_alg",
            f"{signing_alg} cannot be used with {method}"
            + (f"; use one of {', '.join(ASSERTION_ALGS[method])}" if method in ASSERTION_ALGS else ""),
        )

    for field in ("id_token_signed_response_alg", "userinfo_signed_response_alg"):
        alg = getattr(client, field)
        if alg and alg not in conf.signing_algs():
            add(field, f"{alg} is not supported here; supported: {', '.join(conf.signing_algs())}")
    # Registration 2: "none" (an unsigned request object) may be registered here, and only here.
    if client.request_object_signing_alg and client.request_object_signing_alg not in request_objects.ALGS:
        add("request_object_signing_alg", f"supported: {', '.join(request_objects.ALGS)}")

    for field in HTTPS_ONLY:
        for message in _https_problems(field, getattr(client, field)):
            add(field, message)
    for field in ("backchannel_logout_uri", "frontchannel_logout_uri"):
        uri = getattr(client, field)
        if uri:
            parts = urlsplit(uri)
            if "#" in uri:
                add(field, "must not contain a fragment")
            if parts.scheme != "https" and (_production() or parts.scheme != "http"):
                add(field, "must be an https URL")

    if client.subject_type not in ("public", "pairwise"):
        add("subject_type", "must be public or pairwise")
    if client.sector_identifier_uri and not found.get("sector_identifier_uri"):
        for message in _sector_problems(client.sector_identifier_uri, redirect_uris):
            add("sector_identifier_uri", message)
    elif client.subject_type == "pairwise" and len({urlsplit(u).hostname for u in redirect_uris}) > 1:
        add(
            "sector_identifier_uri",
            "pairwise clients with redirect URIs on several hosts must register a sector_identifier_uri "
            "(Core 8.1)",
        )
    if client.default_max_age is not None and client.default_max_age < 0:
        add("default_max_age", "must be a number of seconds, 0 or more")
    if not isinstance(client.default_acr_values, list) or not all(
        isinstance(v, str) and v for v in client.default_acr_values
    ):
        add("default_acr_values", "must be a list of strings")
    if not isinstance(client.contacts, list) or not all(isinstance(c, str) and c for c in client.contacts):
        add("contacts", "must be a list of strings (e-mail addresses)")
    names = client.client_name_localized
    if not isinstance(names, dict) or not all(
        isinstance(tag, str) and _LANGUAGE_TAG.match(tag) and isinstance(name, str) and name
        for tag, name in names.items()
    ):
        add("client_name_localized", 'must map BCP 47 language tags to names, e.g. {"fr": "Mon appli"}')
    return found


def web_url(uri: str) -> str:
    """The URL when it is safe to show as a link or image (http or https), else "" (never javascript:,
    data: and the like, even for rows written around validation)."""
    parts = urlsplit(uri or "")
    return uri if parts.scheme in ("https", "http") and parts.hostname else ""
