"""A request object (Core 6.1, RFC 9101) is checked before the client's jwks_uri is fetched: the request is
not authenticated yet, so a stale or misaddressed object must cost nothing but parsing."""

import time
from urllib.parse import urlencode

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from oidc import conf
from tests.integration.helpers import REDIRECT, authorize_params
from tests.oauth import assert_redirect_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, make_user):
    client.force_login(make_user())
    return client


@pytest.fixture
def keyed_client(make_client, document_server):
    """A client whose keys are at a jwks_uri served by document_server."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    document_server["document"] = {"keys": [{**jwk, "kid": "k1", "use": "sig"}]}
    rp, _ = make_client(jwks_uri=document_server["url"], request_object_signing_alg="RS256")
    return rp, private


def _authorize(browser, rp, private, **claims):
    now = int(time.time())
    inner = {"iss": rp.client_id, "aud": conf.issuer(), "client_id": rp.client_id, "redirect_uri": REDIRECT}
    inner.update({"state": "inner", "exp": now + 300, **claims})
    token = jwt.encode(inner, private, algorithm="RS256", headers={"kid": "k1"})
    return browser.get("/authorize?" + urlencode(authorize_params(rp, request=token)))


@pytest.mark.parametrize(
    "claims,description",
    [
        ({"exp": int(time.time()) - 3600}, "the request object has expired (RFC 7519 4.1.4)"),
        ({"exp": "tomorrow"}, "exp of the request object must be a NumericDate (RFC 7519 2)"),
        ({"aud": "https://elsewhere.example"}, "aud of the request object must be this issuer (RFC 9101 4)"),
    ],
    ids=["expired", "string exp", "wrong aud"],
)
def test_a_stale_or_misaddressed_request_object_is_refused_before_any_key_is_fetched(
    signed_in, keyed_client, document_server, claims, description
):
    rp, private = keyed_client
    response = _authorize(signed_in, rp, private, **claims)
    assert response.status_code == 302
    query = assert_redirect_error(response["Location"], "invalid_request_object")
    assert query["error_description"] == description
    assert document_server["requests"] == 0


def test_a_good_request_object_fetches_the_keys_once(signed_in, keyed_client, document_server):
    rp, private = keyed_client
    for _ in range(2):
        response = _authorize(signed_in, rp, private)
        assert response.status_code == 200  # the consent page: the object verified
    assert document_server["requests"] == 1
