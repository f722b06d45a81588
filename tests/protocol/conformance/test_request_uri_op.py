"""Request objects by reference (Core 6.2), the OpenID Foundation's oidcc-request-uri-unsigned and
oidcc-request-uri-signed modules and the fetch's limits, over real HTTP: the relying party publishes its
request object on a loopback server of its own, and the test verifies the id_token itself."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from .agent import REDIRECT, client_key, public_jwks, request_object, verify_id_token

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rp_server():
    """The relying party's web server: publish(path, body, status=..., headers=...) returns the URL;
    publish.seen lists the paths requested."""
    routes: dict[str, tuple[int, bytes, dict]] = {}
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            status, body, headers = routes.get(self.path, (404, b"not here", {}))
            self.send_response(status)
            for name, value in {"Content-Type": "application/oauth-authz-req+jwt", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def publish(path: str, body: str | bytes, *, status: int = 200, headers: dict | None = None) -> str:
        routes[path] = (status, body.encode() if isinstance(body, str) else body, headers or {})
        return base + path

    publish.seen = seen  # type: ignore[attr-defined]
    publish.base = base  # type: ignore[attr-defined]
    yield publish
    server.shutdown()
    server.server_close()


def _claims(rp, op, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "iss": rp.client_id,
        "aud": op,
        "client_id": rp.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "openid email",
        "state": f"ref-{now}",
        "nonce": f"n-{now}",
        "exp": now + 300,
    }
    return {**claims, **overrides}


def _outer(rp, request_uri: str, **extra) -> dict:
    """Core 6.2: response_type, client_id and scope (with openid) travel beside the request_uri."""
    return {
        "response_type": "code",
        "client_id": rp.client_id,
        "scope": "openid",
        "request_uri": request_uri,
        **extra,
    }


def _code_flow(op, browser, person, redeem, rp, uri: str, claims: dict) -> dict:
    """The object's state comes back, and its nonce is in the verified id_token: the tokens."""
    outcome = browser.authorize(_outer(rp, uri), user=person)
    assert outcome.mode == "query" and outcome.params["state"] == claims["state"], outcome
    assert outcome.params["iss"] == op
    response = redeem(rp, rp.secret, outcome.params["code"])
    assert response.status_code == 200, response.text
    tokens = response.json()
    verify_id_token(op, tokens["id_token"], client_id=rp.client_id, nonce=claims["nonce"])
    return tokens


def _error(outcome, op, *, error: str, description: str, state: str) -> None:
    assert outcome.mode == "query" and outcome.location.startswith(REDIRECT), outcome
    assert outcome.params == {"error": error, "error_description": description, "state": state, "iss": op}


def test_oidcc_request_uri_signed_core_6_2(op, browser, register, person, redeem, rp_server):
    key = client_key("RS256")
    rp = register(jwks=public_jwks(key), request_object_signing_alg="RS256")
    claims = _claims(rp, op)
    uri = rp_server("/requests/signed.jwt", request_object(claims, key))
    tokens = _code_flow(op, browser, person, redeem, rp, uri, claims)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    userinfo = requests.get(op + "/userinfo", headers=bearer, timeout=10).json()
    assert userinfo["email"] == "ada@example.org"  # the object's scope, not the outer one
    assert rp_server.seen == ["/requests/signed.jwt"]


def test_oidcc_request_uri_unsigned_core_6_2(op, browser, register, person, redeem, rp_server):
    rp = register()  # no request_object_signing_alg: unsigned objects are accepted (Core 6.1)
    claims = _claims(rp, op)
    uri = rp_server("/requests/unsigned.jwt", request_object(claims))
    _code_flow(op, browser, person, redeem, rp, uri, claims)


def test_request_uri_follows_the_algorithm_rules_of_request_by_value_registration_2(
    op, browser, register, rp_server
):
    rp = register(jwks=public_jwks(client_key("RS256")), request_object_signing_alg="RS256")
    claims = _claims(rp, op)
    uri = rp_server("/requests/unsigned.jwt", request_object(claims))
    _error(
        browser.authorize(_outer(rp, uri)),
        op,
        error="invalid_request_object",
        description="request objects from this client must be signed with RS256 (Registration 2)",
        state=claims["state"],
    )


def test_registered_request_uris_are_the_only_ones_fetched_fragment_ignored_registration_2(
    op, browser, register, person, redeem, rp_server
):
    claims_path = "/requests/registered.jwt"
    registered = rp_server.base + claims_path
    rp = register(request_uris=[registered])
    claims = _claims(rp, op)
    rp_server(claims_path, request_object(claims))
    _code_flow(op, browser, person, redeem, rp, registered + "#sha256-of-the-object", claims)

    other = rp_server("/requests/other.jwt", request_object(claims))
    _error(
        browser.authorize(_outer(rp, other, redirect_uri=REDIRECT, state="outer")),
        op,
        error="invalid_request_uri",
        description="request_uri is not one of the client's registered request_uris (Registration 2)",
        state="outer",
    )
    assert "/requests/other.jwt" not in rp_server.seen


@pytest.mark.parametrize(
    "case",
    ["not found", "redirect", "oversized"],
)
def test_request_uri_fetch_failures_are_invalid_request_uri_core_6_2(op, browser, register, rp_server, case):
    rp = register()
    claims = _claims(rp, op)
    if case == "not found":
        uri = rp_server.base + "/requests/missing.jwt"
        reason = f"fetching {uri} failed (404)"
    elif case == "redirect":
        target = rp_server("/requests/elsewhere.jwt", request_object(claims))
        uri = rp_server("/requests/moved.jwt", "", status=302, headers={"Location": target})
        reason = "redirects are not followed (302)"
    else:
        uri = rp_server("/requests/huge.jwt", "a" * (64 * 1024 + 1))
        reason = f"the document at {uri} is larger than 65536 bytes"
    outcome = browser.authorize(_outer(rp, uri, redirect_uri=REDIRECT, state="outer"))
    _error(
        outcome,
        op,
        error="invalid_request_uri",
        description=f"the request_uri could not be fetched: {reason}",
        state="outer",
    )
    assert "/requests/elsewhere.jwt" not in rp_server.seen  # a redirect is never followed


def test_a_slow_request_uri_is_cut_off_at_the_fetch_deadline(op, browser, register, drip_server, settings):
    settings.PORTICO_FETCH_DEADLINE = 1
    server = drip_server(drip_headers=True, interval=0.5)
    rp = register()
    outcome = browser.authorize(_outer(rp, server.url, redirect_uri=REDIRECT, state="outer"))
    _error(
        outcome,
        op,
        error="invalid_request_uri",
        description=f"the request_uri could not be fetched: fetching {server.url} took longer than 1 s",
        state="outer",
    )
    assert server.done.wait(10) and server.outcomes == ["client hung up"]


def test_an_unknown_request_uri_without_a_registered_redirect_uri_is_a_page(op, browser, register):
    rp = register()
    outcome = browser.authorize(
        _outer(rp, "https://rp.example.org/r.jwt", redirect_uri="https://evil.example/cb")
    )
    assert outcome.mode == "page" and outcome.status == 400
    assert "invalid_request_uri" in outcome.text


def test_a_request_uri_with_an_unknown_client_is_a_page(op, browser):
    outcome = browser.authorize(
        {
            "response_type": "code",
            "client_id": "nobody",
            "scope": "openid",
            "request_uri": "https://x.example/r",
        }
    )
    assert outcome.mode == "page" and outcome.status == 400


@pytest.mark.parametrize(
    "response_type,response_mode,delivered",
    [
        ("id_token", None, "fragment"),
        ("code id_token", None, "fragment"),
        ("code", "form_post", "form_post"),
        ("code id_token", "form_post", "form_post"),
    ],
    ids=["implicit", "hybrid", "code form_post", "hybrid form_post"],
)
def test_oidcc_request_uri_in_the_implicit_hybrid_and_form_post_plans(
    op, browser, register, person, rp_server, response_type, response_mode, delivered
):
    rp = register(
        grant_types=["authorization_code", "implicit"],
        response_types=["code", "id_token", "code id_token"],
    )
    claims = _claims(rp, op, response_type=response_type, response_mode=response_mode)
    uri = rp_server("/requests/plan.jwt", request_object({k: v for k, v in claims.items() if v is not None}))
    outcome = browser.authorize({**_outer(rp, uri), "response_type": response_type}, user=person)
    assert outcome.mode == delivered and outcome.params["state"] == claims["state"], outcome
    if "id_token" in response_type:
        verify_id_token(op, outcome.params["id_token"], client_id=rp.client_id, nonce=claims["nonce"])
    assert ("code" in outcome.params) is ("code" in response_type.split())


def test_a_request_uri_host_that_is_not_fetched_is_not_named_core_6_2(op, browser, register, settings):
    """Which names resolve, and to which kind of address, is not told to whoever sends a request_uri: the
    error says only that the host cannot be reached (the reason is in the server's log)."""
    settings.PORTICO_ALLOW_PRIVATE_FETCH = False
    rp = register()
    for uri in ("https://localhost/r.jwt", "https://no-such-name.invalid/r.jwt"):
        outcome = browser.authorize(_outer(rp, uri, redirect_uri=REDIRECT, state="outer"))
        _error(
            outcome,
            op,
            error="invalid_request_uri",
            description="the request_uri could not be fetched: its host cannot be reached",
            state="outer",
        )


def test_rfc9126_5_a_client_that_must_push_gets_no_request_uri_fetched(op, browser, register, rp_server):
    rp = register(require_pushed_authorization_requests=True)
    outcome = browser.authorize(
        _outer(rp, rp_server("/requests/any.jwt", "x"), redirect_uri=REDIRECT, state="o")
    )
    _error(
        outcome,
        op,
        error="invalid_request",
        description="authorization requests must be pushed first (RFC 9126 5)",
        state="o",
    )
    assert "/requests/any.jwt" not in rp_server.seen
