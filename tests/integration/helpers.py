"""Driving the provider's endpoints with Django's test client."""

import base64
import json
from urllib.parse import urlencode

from django.test import Client as Browser

from tests.conftest import pkce_pair, query_of

REDIRECT = "https://rp.example.org/cb"


def authorize_params(client, **overrides) -> dict:
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris.split()[0],
        # Core 11: a refresh token needs offline_access, which is only honoured with prompt=consent.
        "scope": "openid profile email offline_access",
        "prompt": "consent",
        "state": "st-123",
        "nonce": "n-456",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def get_code(browser, client, *, pkce=True, **overrides) -> tuple[str, str | None]:
    """Run authorize (+ consent if shown) for a signed-in test client; return (code, verifier)."""
    verifier = None
    params = authorize_params(client, **overrides)
    if pkce and "code_challenge" not in params:
        verifier, challenge = pkce_pair()
        params.update(code_challenge=challenge, code_challenge_method="S256")
    response = browser.get("/authorize?" + urlencode(params))
    if response.status_code == 200:  # consent page
        request_id = response.context["request_id"]
        response = browser.post("/authorize/consent", {"request_id": request_id, "decision": "allow"})
    assert response.status_code == 302, response.content[:500]
    query = query_of(response["Location"])
    assert "code" in query, query
    return query["code"], verifier


def basic(client_id: str, secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def exchange(http, code, *, client, secret=None, verifier=None, redirect_uri=REDIRECT, **extra):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if verifier:
        data["code_verifier"] = verifier
    headers = {}
    if secret is not None:
        headers = basic(client.client_id, secret)
    else:
        data["client_id"] = client.client_id
    data.update(extra)
    return http.post("/token", data, **headers)


def refresh(client, secret: str, refresh_token: str):
    return Browser().post(
        "/token",
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        **basic(client.client_id, secret),
    )


def register_with(initial_access_token: str, redirect_uri: str = "https://app.example.org/cb"):
    """RFC 7591 3: a registration request carrying an initial access token."""
    return Browser().post(
        "/register",
        json.dumps({"redirect_uris": [redirect_uri]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {initial_access_token}",
    )
