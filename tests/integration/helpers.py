"""Driving the authorization endpoint with Django's test client."""

from urllib.parse import urlencode

from tests.conftest import pkce_pair, query_of

REDIRECT = "https://rp.example.org/cb"


def authorize_params(client, **overrides) -> dict:
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris.split()[0],
        "scope": "openid profile email",
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
