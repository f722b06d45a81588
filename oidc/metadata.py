"""Client metadata (OpenID Connect Dynamic Client Registration 1.0 section 2, RFC 7591 2): the validation
every write goes through (admin, command line, registration API), and the mapping between the JSON metadata
and the Client model.

Errors name the field. At the registration endpoint, problems with redirect_uris become
`invalid_redirect_uri` and all others `invalid_client_metadata` (RFC 7591 3.2.2).
"""

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from . import conf, constants, fetch, redirect_uris

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

Add = Callable[[str, str], None]


def _production() -> bool:
    return conf.issuer().startswith("https://")


def _redirect_problems(uri: str, *, native: bool) -> list[str]:
    if not redirect_uris.is_unambiguous(uri):
        return [f"{uri}: must not contain userinfo, backslashes, whitespace or control characters"]
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
        elif native and parts.scheme == "http" and not redirect_uris.is_loopback(uri):
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
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket: not a URL at all
        return [f"{field} must be an https URL"]
    if parts.scheme not in schemes or not host:
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


def _uri_rules(client: Any, add: Add) -> None:
    """RFC 6749 3.1.2, RFC 8252 7, Registration 2: redirect and post-logout URIs."""
    native = client.application_type == "native"
    for field in ("redirect_uris", "post_logout_redirect_uris"):
        for uri in getattr(client, field).split():
            for message in _redirect_problems(uri, native=native):
                add(field, message)


def _grant_rules(client: Any, add: Add) -> None:
    """RFC 7591 2 and 2.1: known grant and response types, each response type with the grants it needs."""
    grant_types = client.grant_types if isinstance(client.grant_types, list) else []
    response_types = client.response_types if isinstance(client.response_types, list) else []
    if not isinstance(client.grant_types, list) or not all(isinstance(g, str) for g in grant_types):
        add("grant_types", "must be a list of grant type names")
    if not isinstance(client.response_types, list) or not all(isinstance(r, str) for r in response_types):
        add("response_types", "must be a list of response type names")
    unknown = [g for g in grant_types if g not in constants.GRANT_TYPE_NAMES]
    if unknown:
        add("grant_types", f"unsupported grant types: {', '.join(map(str, unknown))}")
    unknown = [r for r in response_types if r not in constants.RESPONSE_TYPE_GRANTS]
    if unknown:
        add("response_types", f"unsupported response types: {', '.join(map(str, unknown))}")
    for response_type in response_types:
        missing = constants.RESPONSE_TYPE_GRANTS.get(response_type, set()) - set(grant_types)
        if missing:
            add(
                "grant_types",
                f"response type '{response_type}' needs grant types {', '.join(sorted(missing))}",
            )
    if {"authorization_code", "implicit"} & set(grant_types) and not client.redirect_uris.split():
        add("redirect_uris", "at least one redirect URI is required for browser-based grants")


def _auth_method_rules(client: Any, add: Add) -> None:
    """Core 9 / RFC 7591 2: the client's token endpoint authentication method and what it needs."""
    method = client.token_endpoint_auth_method
    grant_types = client.grant_types if isinstance(client.grant_types, list) else []
    if method not in constants.AUTH_METHODS:
        supported = ", ".join(constants.AUTH_METHODS)
        add("token_endpoint_auth_method", f"unsupported method {method}; supported: {supported}")
    if method == "none" and "client_credentials" in grant_types:
        add("grant_types", "client_credentials needs an authenticated (confidential) client")
    if client.can_manage and ("client_credentials" not in grant_types or method == "none"):
        add("can_manage", "a management API client needs the client_credentials grant and a credential")
    if method == "private_key_jwt" and not client.jwks and not client.jwks_uri:
        add("jwks", "private_key_jwt needs the client's public keys in jwks or jwks_uri")
    signing_alg = client.token_endpoint_auth_signing_alg
    allowed = constants.ASSERTION_ALGS.get(method, [])
    if signing_alg and signing_alg not in allowed:
        hint = f"; use one of {', '.join(allowed)}" if allowed else ""
        add("token_endpoint_auth_signing_alg", f"{signing_alg} cannot be used with {method}{hint}")


def _key_rules(client: Any, add: Add) -> None:
    """RFC 7591 2: jwks or jwks_uri, public keys only; the JWS algorithms the client registered."""
    if client.jwks and client.jwks_uri:
        add("jwks", "jwks and jwks_uri must not both be present (RFC 7591 2)")
    if client.jwks:
        for message in _jwks_problems(client.jwks):
            add("jwks", message)
    for field in FETCHED:  # a document Portico fetches: at a URL it would fetch (http only in development)
        for message in _https_problems(field, getattr(client, field), schemes=fetch.fetchable_schemes()):
            add(field, message)
    for field in ("id_token_signed_response_alg", "userinfo_signed_response_alg"):
        alg = getattr(client, field)
        if alg and alg not in conf.signing_algs():
            add(field, f"{alg} is not supported here; supported: {', '.join(conf.signing_algs())}")
    for uri in client.request_uris.split():  # Registration 2, Core 6.2: URLs Portico fetches
        for message in _https_problems("request_uris", uri, schemes=fetch.fetchable_schemes()):
            add("request_uris", f"{uri}: {message}")
    # Registration 2: "none" (an unsigned request object) may be registered here, and only here.
    alg = client.request_object_signing_alg
    if alg and alg not in constants.REQUEST_OBJECT_ALGS:
        add("request_object_signing_alg", f"supported: {', '.join(constants.REQUEST_OBJECT_ALGS)}")


def _web_page_rules(client: Any, add: Add) -> None:
    """Registration 2: the URLs shown to people, and the logout URIs (Front-/Back-Channel Logout 2)."""
    for field in HTTPS_ONLY:
        for message in _https_problems(field, getattr(client, field)):
            add(field, message)
    for field in ("backchannel_logout_uri", "frontchannel_logout_uri"):
        uri = getattr(client, field)
        if uri and "#" in uri:
            add(field, "must not contain a fragment")
        if uri and urlsplit(uri).scheme not in fetch.fetchable_schemes():
            add(field, "must be an https URL")


def _subject_rules(client: Any, add: Add, found: dict[str, list[str]]) -> None:
    """Core 8 and 8.1: subject type, and the sector of a pairwise client."""
    redirect_uris_ = client.redirect_uris.split()
    if client.subject_type not in constants.SUBJECT_TYPES:
        add("subject_type", "must be public or pairwise")
    if client.sector_identifier_uri and not found.get("sector_identifier_uri"):
        for message in _sector_problems(client.sector_identifier_uri, redirect_uris_):
            add("sector_identifier_uri", message)
    elif client.subject_type == "pairwise" and len({urlsplit(u).hostname for u in redirect_uris_}) > 1:
        add(
            "sector_identifier_uri",
            "pairwise clients with redirect URIs on several hosts must register a sector_identifier_uri "
            "(Core 8.1)",
        )


def _value_rules(client: Any, add: Add) -> None:
    """Registration 2: the JSON types of the remaining members."""
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


def problems(client: Any) -> dict[str, list[str]]:
    """Every rule on a client's metadata, keyed by field name (empty when the client is valid)."""
    found: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        found.setdefault(field, []).append(message)

    for rules in (_uri_rules, _grant_rules, _auth_method_rules, _key_rules, _web_page_rules, _value_rules):
        rules(client, add)
    _subject_rules(client, add, found)  # last: it fetches, so only when nothing else is wrong with the URI
    return found


def web_url(uri: str) -> str:
    """The URL when it is safe to show as a link or image (http or https), else "" (never javascript:,
    data: and the like, even for rows written around validation)."""
    parts = urlsplit(uri or "")
    return uri if parts.scheme in ("https", "http") and parts.hostname else ""
