"""RFC 8707 resource indicators through a code: kept on the code, narrowed (never widened) at the token
endpoint, carried to the access token and through refresh."""

from urllib.parse import urlencode

import pytest
from django.test import Client as Browser

from oidc.models import AccessToken, Grant
from tests.conftest import pkce_pair, query_of
from tests.integration.helpers import authorize_params, exchange, refresh
from tests.oauth import assert_oauth_error

pytestmark = pytest.mark.django_db

API = "https://api.example.org/"
FILES = "https://files.example.org/"


def _code(browser, rp, resources):
    verifier, challenge = pkce_pair()
    params = authorize_params(rp, code_challenge=challenge, code_challenge_method="S256")
    query = urlencode(params) + "".join("&" + urlencode({"resource": r}) for r in resources)
    response = browser.get("/authorize?" + query)
    if response.status_code == 200:  # consent
        response = browser.post(
            "/authorize/consent", {"request_id": response.context["request_id"], "decision": "allow"}
        )
    return query_of(response["Location"])["code"], verifier


def test_every_resource_of_the_authorization_request_is_kept_on_the_code(browser, make_client):
    rp, _ = make_client()
    _code(browser, rp, [API, FILES])
    assert sorted(Grant.objects.get().resource) == [API, FILES]


def test_token_without_resource_inherits_the_codes(browser, make_client):
    rp, secret = make_client()
    code, verifier = _code(browser, rp, [API, FILES])
    response = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier)
    assert response.status_code == 200, response.content
    assert sorted(AccessToken.objects.get().resource) == [API, FILES]


def test_token_request_narrows_to_one_of_the_codes_resources_rfc_8707_2_2(browser, make_client):
    rp, secret = make_client()
    code, verifier = _code(browser, rp, [API, FILES])
    response = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier, resource=FILES)
    assert response.status_code == 200, response.content
    assert AccessToken.objects.get().resource == [FILES]
    # ...and the refresh token keeps the narrowed set.
    again = refresh(rp, secret, response.json()["refresh_token"])
    assert again.status_code == 200, again.content
    assert AccessToken.objects.get().resource == [FILES]


def test_token_request_cannot_add_a_resource_among_others(browser, make_client):
    rp, secret = make_client()
    code, verifier = _code(browser, rp, [API])
    refused = exchange(
        Browser(), code, client=rp, secret=secret, verifier=verifier, resource=[API, "https://other.example/"]
    )
    assert_oauth_error(refused, 400, "invalid_target")
    assert not AccessToken.objects.exists()


def test_token_request_resource_must_be_an_absolute_uri(browser, make_client):
    rp, secret = make_client()
    code, verifier = _code(browser, rp, [])
    refused = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier, resource="relative/path")
    assert_oauth_error(refused, 400, "invalid_target")
