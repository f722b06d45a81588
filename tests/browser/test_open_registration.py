"""In chromium: an openly registered client's early error (RFC 9700 4.11.2) stops on Portico's page, which
names where it leads, and the person's click on "Return to ..." delivers it, with its state, to the client."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

pytestmark = pytest.mark.django_db(transaction=True)


def test_unvetted_client_error_waits_for_a_click_then_reaches_the_app(
    live_server, issuer_at, settings, receiver, page, shot
):
    settings.PORTICO_REGISTRATION = "open"
    portico = issuer_at(live_server.url)
    callback = receiver.url("/callback")
    registered = requests.post(
        portico + "/register",
        json={"redirect_uris": [callback], "application_type": "native", "token_endpoint_auth_method": "none"},
        timeout=10,
    ).json()
    query = {
        "client_id": registered["client_id"],
        "redirect_uri": callback,
        "response_type": "code",
        "scope": "openid",
        "state": "s-1",
        "prompt": "none",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    page.goto(portico + "/authorize?" + urlencode(query))
    assert page.url.startswith(portico)  # not bounced anywhere
    assert page.get_by_role("heading").first.inner_text() == "This sign-in request cannot be completed"
    shot("interstitial")
    assert receiver.gets == []

    page.get_by_role("link", name="Return to 127.0.0.1").click()
    page.wait_for_url(callback + "?*")
    [arrived] = [path for path in receiver.gets if path.startswith("/callback")]  # not /favicon.ico
    params = parse_qs(urlsplit(arrived).query)
    assert params["error"] == ["login_required"] and params["state"] == ["s-1"] and params["iss"] == [portico]
