"""Request objects passed by value (Core 6.1, RFC 9101): a JWT holding the authorization request parameters,
signed with one of the client's registered keys, or unsigned ("none") unless the client registered a
signing algorithm.

The claims are checked here with `now` as a parameter, before any key is fetched (the request is not
authenticated yet: a malformed or stale object must not make Portico fetch a jwks_uri); then the signature
is verified with pyjwt against the client's jwks or jwks_uri (fetched as for private_key_jwt). The
parameters inside win over those outside (Core 6.3.3).

By reference (Core 6.2), the object is fetched from the request_uri with oidc/fetch.py (https, public
addresses only, no redirects, bounded in size and time, failures remembered), from one of the client's
registered request_uris when it registered any, and then handled exactly like one sent by value.
"""

import json
import logging
from typing import Any
from urllib.parse import urlsplit

import jwt

from . import clients, fetch
from .constants import REQUEST_OBJECT_ALGS
from .errors import InvalidRequest, InvalidRequestObject, InvalidRequestUri

log = logging.getLogger(__name__)

# JWT claims (RFC 7519 4.1) that describe the object itself rather than being authorization parameters.
JWT_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})
LEEWAY = 30


def algorithms_for(client) -> list[str]:
    """Registration 2: a registered request_object_signing_alg is the only one accepted (so a client that
    registered a signing algorithm never has "none" accepted: RFC 8725 3.2); without one, "any algorithm
    supported by the OP", including "none" (Core 6.1): an unsigned object carries no more authority than the
    same parameters in the query."""
    registered = client.request_object_signing_alg
    if not registered:
        return list(REQUEST_OBJECT_ALGS)
    return [registered] if registered in REQUEST_OBJECT_ALGS else []


def unverified_claims(token: str) -> dict[str, Any]:
    """The object's claims without any check, only to find where an error may be sent (a registered
    redirect_uri, never trusted otherwise)."""
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return {}


def _payload(token: str, *, alg: str) -> dict[str, Any]:
    """The claims, not yet verified. RFC 7515 A.5: an unsecured JWS has an empty signature."""
    if alg == "none" and (not token.endswith(".") or token.count(".") != 2):
        raise InvalidRequestObject('a request object with alg "none" must have an empty signature')
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise InvalidRequestObject("the request object is not a valid JWT") from exc


def _signed(token: str, client, *, alg: str, kid: str | None) -> dict[str, Any]:
    # The claims were checked by check_claims (with `now`); pyjwt checks the signature only.
    for refresh in (False, True):
        try:
            candidates = clients.public_keys(client, alg=alg, kid=kid, refresh=refresh)
        except fetch.FetchError as exc:
            raise InvalidRequestObject(f"the client's keys could not be fetched: {exc}") from exc
        for key in candidates:
            try:
                return jwt.decode(
                    token,
                    key,
                    algorithms=[alg],
                    options={
                        "verify_exp": False,
                        "verify_nbf": False,
                        "verify_iat": False,
                        "verify_aud": False,
                        "verify_iss": False,
                        "verify_sub": False,
                        "verify_jti": False,
                    },
                )
            except jwt.InvalidTokenError:
                continue
        if not client.jwks_uri:
            break  # only a jwks_uri can have changed: refetch once (rate-limited) on failure
    raise InvalidRequestObject("the request object's signature does not verify with the client's keys")


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_claims(claims: dict[str, Any], *, client_id: str, issuer: str, now: float) -> None:
    """RFC 9101 4, 5 and 6.3: who made the object, for whom, and when."""
    if "request" in claims or "request_uri" in claims:
        raise InvalidRequestObject("a request object must not contain request or request_uri (RFC 9101 4)")
    if "client_id" in claims and claims["client_id"] != client_id:
        raise InvalidRequestObject(
            "client_id in the request object is not the client_id parameter (RFC 9101 5)"
        )
    if "iss" in claims and claims["iss"] != client_id:
        raise InvalidRequestObject("iss of the request object must be the client_id (RFC 9101 4)")
    if "aud" in claims:
        audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if issuer not in audience:
            raise InvalidRequestObject("aud of the request object must be this issuer (RFC 9101 4)")
    for name in ("exp", "nbf", "iat"):
        if name in claims and not _numeric(claims[name]):
            raise InvalidRequestObject(f"{name} of the request object must be a NumericDate (RFC 7519 2)")
    if "exp" in claims and now >= claims["exp"] + LEEWAY:
        raise InvalidRequestObject("the request object has expired (RFC 7519 4.1.4)")
    if "nbf" in claims and now < claims["nbf"] - LEEWAY:
        raise InvalidRequestObject("the request object is not valid yet (RFC 7519 4.1.5)")
    if "iat" in claims and claims["iat"] > now + LEEWAY:
        raise InvalidRequestObject("the request object was issued in the future (RFC 7519 4.1.6)")


def check_outer(params: dict[str, str], claims: dict[str, Any]) -> None:
    """Core 6.1: response_type and client_id are also sent as parameters, and the values must match; an
    OpenID request also sends scope with openid as a parameter, so OAuth logic knows what it is."""
    inner = claims.get("response_type")
    if inner is not None and params.get("response_type") and inner != params["response_type"]:
        raise InvalidRequestObject(
            "response_type in the request object is not the response_type parameter (Core 6.1)"
        )
    scope = claims.get("scope", params.get("scope", ""))
    if isinstance(scope, str) and "openid" in scope.split():
        if not params.get("response_type"):
            raise InvalidRequest("response_type must also be sent as a parameter (Core 6.1)")
        if "openid" not in params.get("scope", "").split():
            raise InvalidRequest("scope with openid must also be sent as a parameter (Core 6.1)")


def effective_params(params: dict[str, str], claims: dict[str, Any]) -> dict[str, str]:
    """Core 6.3.3: the parameters inside the object win over the same ones outside; the others outside are
    kept. Non-string members (claims, max_age) become their JSON text, as they would be sent outside."""
    merged = {name: value for name, value in params.items() if name not in ("request", "request_uri")}
    for name, value in claims.items():
        if name in JWT_CLAIMS or value is None:
            continue
        merged[name] = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return merged


def verify(token: str, *, client, issuer: str, now: float) -> dict[str, Any]:
    """The verified claims of a request object sent by `client` (Core 6.3.2), or InvalidRequestObject."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise InvalidRequestObject(
            "the request object is not a signed JWT (JWS compact serialization)"
        ) from exc
    alg = header.get("alg")
    allowed = algorithms_for(client)
    if alg not in allowed:
        expected = " or ".join(allowed) or "an algorithm this server supports"
        raise InvalidRequestObject(
            f"request objects from this client must be signed with {expected} (Registration 2)"
        )
    claims = _payload(token, alg=alg)
    check_claims(claims, client_id=client.client_id, issuer=issuer, now=now)  # before any key is fetched
    if alg != "none":
        kid = header.get("kid") if isinstance(header.get("kid"), str) else None
        _signed(token, client, alg=alg, kid=kid)
    return claims


def _without_fragment(uri: str) -> str:
    return uri.partition("#")[0]


def check_request_uri(uri: str, *, client) -> None:
    """Core 6.2 and Registration 2: an absolute URL Portico may fetch (https; http only in development, as
    for jwks_uri) and, when the client registered request_uris, one of them (the fragment is ignored)."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        host = None
    if not host or parts.scheme not in fetch.fetchable_schemes() or len(uri) > 512:
        raise InvalidRequestUri(
            "request_uri must be an https URL of at most 512 characters (Core 6.2, RFC 9101 5.2)"
        )
    registered = [_without_fragment(u) for u in client.request_uris.split()]
    if registered and _without_fragment(uri) not in registered:
        raise InvalidRequestUri(
            "request_uri is not one of the client's registered request_uris (Registration 2)"
        )


def fetch_by_reference(uri: str, *, client) -> str:
    """The request object at `uri` (Core 6.2), not yet verified (verify() does that as for one by value)."""
    check_request_uri(uri, client=client)
    try:
        return fetch.fetch_request_object(uri)
    except fetch.HostRefused as exc:
        # Which names resolve, and to what kind of address, stays in the log: saying it would let anyone probe
        # the server's network through any client (Core 6.2 fetches on an unauthenticated request).
        log.info("request_uri of client %s not fetched: %s", client.client_id, exc)
        raise InvalidRequestUri("the request_uri could not be fetched: its host cannot be reached") from exc
    except fetch.FetchError as exc:
        raise InvalidRequestUri(f"the request_uri could not be fetched: {exc}") from exc
