"""A small built-in relying party that signs in against this Portico and shows what it received.

It behaves like any outside client: it reads discovery over HTTP, uses the authorization code flow with
PKCE as a public client, calls the token and userinfo endpoints over HTTP, and verifies the id_token
against the published JWKS. Enabled by PORTICO_PLAYGROUND (on by default when DEBUG is on).
"""

import base64
import hashlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Any

import jwt
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache

from . import conf

app_name = "playground"
CLIENT_ID = "portico-playground"
SESSION_KEY = "portico_playground"
TIMEOUT = 5


class Unreachable(Exception):
    """The provider did not answer over HTTP (refused, timed out, not JSON): a bad gateway, not a crash."""


def _http_json(url: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310 (issuer URL from settings)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {"error": "http_error", "error_description": str(exc)}
    except urllib.error.URLError as exc:  # refused, unknown host, TLS
        raise Unreachable(f"{url} could not be reached ({exc.reason})") from exc
    except (OSError, ValueError) as exc:  # timed out mid-answer, or an answer that is not JSON
        raise Unreachable(f"{url} did not answer with JSON ({type(exc).__name__})") from exc


def _discovery() -> dict:
    """Discovery 4: the provider's metadata, read like any relying party reads it."""
    url = conf.issuer() + "/.well-known/openid-configuration"
    status, metadata = _http_json(url)
    if status != 200 or not isinstance(metadata, dict) or not isinstance(metadata.get("authorization_endpoint"), str):
        raise Unreachable(f"{url} answered {status} without OpenID Provider metadata")
    return metadata


def _unreachable_page(request, error: Unreachable):
    problem = f"The playground could not read this provider's discovery document: {error}"
    return render(request, "oidc/playground.html", {"problem": problem}, status=502)


def _redirect_uri() -> str:
    return conf.endpoint(reverse("playground:callback"))


# Core 2 and 5.1: NumericDate claims, shown with their ISO 8601 date.
TIME_CLAIMS = frozenset({"exp", "iat", "nbf", "auth_time", "updated_at"})


def _shown_value(name: str, value: Any) -> str:
    """A claim as JSON (true, {"street_address": ...}); strings as they are; times with their date."""
    if name in TIME_CLAIMS and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{datetime.fromtimestamp(value, tz=UTC).isoformat().replace('+00:00', 'Z')} ({value})"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _rows(claims: dict | None) -> list[tuple[str, str]]:
    return [(name, _shown_value(name, value)) for name, value in (claims or {}).items()]


def home(request):
    result = request.session.get(SESSION_KEY + "_result")
    shown = {}
    if result:
        shown = {
            "id_token_rows": _rows(result.get("id_token_claims")),
            "userinfo_rows": _rows(result.get("userinfo")),
            "userinfo_json": json.dumps(result.get("userinfo"), indent=2, ensure_ascii=False),
            "token_rows": _rows(result.get("token_response")),
        }
    return render(request, "oidc/playground.html", {"result": result, **shown})


@never_cache
def start(request):
    verifier = secrets.token_urlsafe(48)
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    request.session[SESSION_KEY] = {"verifier": verifier, "state": state, "nonce": nonce}
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": _redirect_uri(),
        "scope": "openid profile email address phone",
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    try:
        authorization_endpoint = _discovery()["authorization_endpoint"]
    except Unreachable as error:
        return _unreachable_page(request, error)
    return redirect(authorization_endpoint + "?" + urllib.parse.urlencode(params))


@never_cache
def callback(request):
    pending = request.session.pop(SESSION_KEY, None)
    result: dict = {"query": dict(request.GET.items())}
    if pending is None or not secrets.compare_digest(request.GET.get("state", ""), pending["state"]):
        result["problem"] = "The state does not match the request this playground sent."
    elif "error" in request.GET:
        result["problem"] = (
            f"The provider answered {request.GET['error']}: {request.GET.get('error_description', '')}"
        )
    else:
        try:
            result.update(_redeem(request.GET.get("code", ""), pending))
        except Unreachable as error:
            result["problem"] = f"The playground could not complete the sign-in: {error}"
    request.session[SESSION_KEY + "_result"] = result
    return redirect("playground:home")


def _verified_id_token(id_token: str, metadata: dict, pending: dict) -> dict:
    """What a relying party checks (Core 3.1.3.7): signature from the JWKS, iss, aud, exp and the nonce."""
    try:
        signing_key = jwt.PyJWKClient(metadata["jwks_uri"], timeout=TIMEOUT).get_signing_key_from_jwt(
            id_token
        )
        claims = jwt.decode(
            id_token,
            signing_key.key,
            algorithms=metadata["id_token_signing_alg_values_supported"],
            audience=CLIENT_ID,
            issuer=metadata["issuer"],
        )
        if claims.get("nonce") != pending["nonce"]:
            raise jwt.InvalidTokenError("nonce does not match")
    except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
        return {"problem": f"The id_token did not verify: {exc}"}
    header = json.dumps(jwt.get_unverified_header(id_token), indent=2)
    return {"id_token_header": header, "id_token_claims": claims, "id_token_verified": True}


def _redeem(code: str, pending: dict) -> dict:
    metadata = _discovery()
    status, token = _http_json(
        metadata["token_endpoint"],
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": _redirect_uri(),
            "client_id": CLIENT_ID,
            "code_verifier": pending["verifier"],
        },
    )
    if status != 200:
        return {"problem": f"Token endpoint answered {status}", "token_response": token}
    shown = {k: v for k, v in token.items() if k not in {"access_token", "refresh_token", "id_token"}}
    shown.update(
        {
            k: f"{token[k][:8]}… ({len(token[k])} characters)"
            for k in ("access_token", "refresh_token")
            if k in token
        }
    )
    out: dict = {"token_response": shown, **_verified_id_token(token["id_token"], metadata, pending)}
    _, out["userinfo"] = _http_json(
        metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    return out


def reset(request):
    request.session.pop(SESSION_KEY + "_result", None)
    return redirect("playground:home")


urlpatterns = [
    path("", home, name="home"),
    path("start", start, name="start"),
    path("callback", callback, name="callback"),
    path("reset", reset, name="reset"),
]
