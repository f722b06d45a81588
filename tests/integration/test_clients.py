"""Client authentication rules, secrets, introspection isolation, disabled clients, metadata validation."""

import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.utils import timezone
from jwt.algorithms import RSAAlgorithm
from jwt.utils import base64url_encode

from oidc import clients, fetch
from oidc.client_auth import ASSERTION_TYPE
from oidc.models import Client
from tests.integration.helpers import basic, exchange, get_code
from tests.oauth import assert_error_page, assert_oauth_error

pytestmark = pytest.mark.django_db
TOKEN_URL = "http://127.0.0.1:8000/token"


@pytest.fixture
def rsa_client(make_client):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True) | {"kid": "k1"}
    rp, _ = make_client(
        auth_method="private_key_jwt", grant_types=["client_credentials"], jwks={"keys": [jwk]}
    )
    rp.private_key = private
    return rp


def assertion(rp, key, *, alg="RS256", **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": rp.client_id,
        "sub": rp.client_id,
        "aud": TOKEN_URL,
        "exp": now + 60,
        "iat": now,
        "jti": str(uuid.uuid4()),
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": "k1"})


def token_with(value: str, **extra):
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": value,
    }
    data.update(extra)
    return Browser().post("/token", data)


def test_private_key_jwt_assertion_is_accepted_once_rfc7523_3(rsa_client):
    value = assertion(rsa_client, rsa_client.private_key)
    assert token_with(value).status_code == 200
    replay = token_with(value)
    assert_oauth_error(replay, 401, "invalid_client")


@pytest.mark.parametrize(
    "problem",
    [
        {"aud": "https://elsewhere.example.org/token"},
        {"exp": None},
        {"jti": None},
        {"exp": int(time.time()) - 120},
        {"exp": int(time.time()) + 3 * 3600},  # too long-lived to remember its jti
        {"sub": "someone-else"},
        {"iss": "someone-else"},
    ],
)
def test_bad_assertions_are_invalid_client(rsa_client, problem):
    response = token_with(assertion(rsa_client, rsa_client.private_key, **problem))
    assert_oauth_error(response, 401, "invalid_client")


def test_assertion_signed_by_another_key_or_with_alg_none_is_refused(rsa_client):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert_oauth_error(token_with(assertion(rsa_client, other)), 401, "invalid_client")
    unsigned = jwt.encode(
        {
            "iss": rsa_client.client_id,
            "sub": rsa_client.client_id,
            "aud": TOKEN_URL,
            "exp": int(time.time()) + 60,
            "jti": "x",
        },
        None,
        algorithm="none",
    )
    assert_oauth_error(token_with(unsigned), 401, "invalid_client")
    # RFC 8725 2.1: an HMAC "signed" with the client's public key must not pass as an RSA signature.
    public_pem = rsa_client.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(time.time())
    claims = {
        "iss": rsa_client.client_id,
        "sub": rsa_client.client_id,
        "aud": TOKEN_URL,
        "exp": now + 60,
        "jti": "y",
    }
    signing_input = b".".join(
        base64url_encode(json.dumps(part).encode()) for part in ({"alg": "HS256", "kid": "k1"}, claims)
    )
    signature = base64url_encode(hmac.new(public_pem, signing_input, hashlib.sha256).digest())
    assert_oauth_error(token_with((signing_input + b"." + signature).decode()), 401, "invalid_client")


def test_client_id_parameter_must_match_the_assertion(rsa_client, make_client):
    other, _ = make_client()
    value = assertion(rsa_client, rsa_client.private_key)
    assert_oauth_error(token_with(value, client_id=other.client_id), 401, "invalid_client")


def test_two_authentication_methods_at_once_are_refused_rfc6749_2_3(make_client):
    rp, secret = make_client(grant_types=["client_credentials"], auth_method="client_secret_basic")
    response = Browser().post(
        "/token",
        {"grant_type": "client_credentials", "client_id": rp.client_id, "client_secret": secret},
        **basic(rp.client_id, secret),
    )
    assert_oauth_error(response, 401, "invalid_client")


def test_client_secret_jwt_uses_the_secret_as_hmac_key(make_client):
    rp, secret = make_client(auth_method="client_secret_jwt", grant_types=["client_credentials"])
    assert secret not in rp.client_secret_encrypted and secret not in rp.client_secret
    assert token_with(assertion(rp, secret.encode(), alg="HS256")).status_code == 200
    assert_oauth_error(token_with(assertion(rp, b"x" * 64, alg="HS256")), 401, "invalid_client")


def test_generated_secrets_have_at_least_256_bits(make_client):
    _, secret = make_client()
    assert len(secret) >= 43 and len(set(secret)) > 20  # 64 chars of a 62-symbol alphabet is ~380 bits


def _cc(rp, secret):
    return Browser().post("/token", {"grant_type": "client_credentials"}, **basic(rp.client_id, secret))


def test_secret_rotation_keeps_the_old_secret_for_the_overlap_only(make_client):
    rp, old = make_client(grant_types=["client_credentials"])
    new = clients.rotate_secret(rp, overlap=timedelta(hours=1))
    assert new != old
    assert _cc(rp, new).status_code == 200 and _cc(rp, old).status_code == 200
    Client.objects.filter(pk=rp.pk).update(previous_secret_expires=timezone.now() - timedelta(seconds=1))
    assert _cc(rp, old).status_code == 401 and _cc(rp, new).status_code == 200
    newest = clients.rotate_secret(rp)  # no overlap: the old one stops at once
    assert _cc(rp, new).status_code == 401 and _cc(rp, newest).status_code == 200


def _introspect(caller, secret, token, **extra):
    return Browser().post("/introspect", {"token": token, **extra}, **basic(caller.client_id, secret))


def test_introspection_is_isolated_between_clients_rfc7662_4(browser, make_client):
    owner, owner_secret = make_client(name="Owner")
    code, verifier = get_code(browser, owner)
    issued = exchange(Browser(), code, client=owner, secret=owner_secret, verifier=verifier).json()
    other, other_secret = make_client(name="Other", grant_types=["client_credentials"])
    api, api_secret = make_client(name="API", grant_types=["client_credentials"], can_introspect=True)

    mine = _introspect(owner, owner_secret, issued["access_token"]).json()
    assert mine["active"] is True and mine["sub"] == browser.user.sub and mine["client_id"] == owner.client_id
    assert set(mine["scope"].split()) == {"openid", "profile", "email", "offline_access"}
    assert mine["exp"] > time.time()
    assert _introspect(other, other_secret, issued["access_token"]).json() == {"active": False}
    assert _introspect(api, api_secret, issued["access_token"]).json()["active"] is True
    refresh = _introspect(
        owner, owner_secret, issued["refresh_token"], token_type_hint="refresh_token"
    ).json()
    assert refresh["active"] is True and refresh["token_type"] == "refresh_token"
    assert _introspect(owner, owner_secret, "not-a-token").json() == {"active": False}
    assert_oauth_error(_introspect(owner, "wrong-secret", issued["access_token"]), 401, "invalid_client")
    response = Browser().post("/introspect", {"token": issued["access_token"]})
    assert_oauth_error(response, 401, "invalid_client")


def test_revoking_a_refresh_token_revokes_its_access_token_rfc7009_2_1(browser, make_client):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp)
    issued = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()
    revoked = Browser().post(
        "/revoke",
        {"token": issued["refresh_token"], "token_type_hint": "refresh_token"},
        **basic(rp.client_id, secret),
    )
    assert revoked.status_code == 200
    assert _introspect(rp, secret, issued["access_token"]).json() == {"active": False}
    userinfo = Browser().get("/userinfo", HTTP_AUTHORIZATION="Bearer " + issued["access_token"])
    assert_oauth_error(userinfo, 401, "invalid_token")


def test_a_disabled_client_is_stopped_at_every_endpoint(browser, make_client):
    rp, secret = make_client(grant_types=["authorization_code", "refresh_token", "client_credentials"])
    code, verifier = get_code(browser, rp)
    issued = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()
    _, pending_verifier = get_code(browser, rp)
    Client.objects.filter(pk=rp.pk).update(is_active=False)

    assert_oauth_error(_cc(rp, secret), 401, "invalid_client")
    refreshed = Browser().post(
        "/token",
        {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]},
        **basic(rp.client_id, secret),
    )
    assert_oauth_error(refreshed, 401, "invalid_client")
    assert_oauth_error(_introspect(rp, secret, issued["access_token"]), 401, "invalid_client")
    revoked = Browser().post("/revoke", {"token": issued["access_token"]}, **basic(rp.client_id, secret))
    assert_oauth_error(revoked, 401, "invalid_client")
    userinfo = Browser().get("/userinfo", HTTP_AUTHORIZATION="Bearer " + issued["access_token"])
    assert_oauth_error(userinfo, 401, "invalid_token")
    page = browser.get(
        "/authorize",
        {
            "client_id": rp.client_id,
            "response_type": "code",
            "redirect_uri": rp.redirect_uris.split()[0],
            "scope": "openid",
        },
    )
    assert_error_page(page, 400, "invalid_request")


# ---- metadata validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options,field",
    [
        ({"redirect_uris": ["https://rp.example.org/cb#frag"]}, "redirect_uris"),
        ({"redirect_uris": ["com.example.app:/cb"]}, "redirect_uris"),  # private-use scheme for a web app
        ({"redirect_uris": ["myapp:/cb"], "application_type": "native"}, "redirect_uris"),
        ({"redirect_uris": ["http://localhost:4000/cb"], "application_type": "native"}, "redirect_uris"),
        ({"redirect_uris": []}, "redirect_uris"),
        ({"logo_uri": "http://rp.example.org/logo.png"}, "logo_uri"),
        ({"policy_uri": "javascript:alert(1)"}, "policy_uri"),
        ({"tos_uri": "ftp://rp.example.org/tos"}, "tos_uri"),
        ({"grant_types": ["password"]}, "grant_types"),
        ({"response_types": ["code id_token"]}, "grant_types"),
        ({"response_types": ["token"]}, "response_types"),
        ({"auth_method": "private_key_jwt"}, "jwks"),
        ({"auth_method": "private_key_jwt", "jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}}, "jwks"),
        (
            {
                "jwks": {"keys": [{"kty": "RSA", "n": "x", "e": "AQAB"}]},
                "jwks_uri": "https://rp.example.org/jwks",
            },
            "jwks",
        ),
        (
            {"token_endpoint_auth_signing_alg": "HS256", "auth_method": "client_secret_basic"},
            "token_endpoint_auth_signing_alg",
        ),
        ({"subject_type": "pairwise_or_not"}, "subject_type"),
        (
            {
                "subject_type": "pairwise",
                "redirect_uris": ("https://a.example.org/cb", "https://b.example.org/cb"),
            },
            "sector_identifier_uri",
        ),
        ({"contacts": "admin@example.org"}, "contacts"),
        ({"client_name_localized": {"not a tag!": "x"}}, "client_name_localized"),
        ({"grant_types": ["client_credentials"], "auth_method": "none"}, "grant_types"),
        ({"backchannel_logout_uri": "https://rp.example.org/logout#x"}, "backchannel_logout_uri"),
    ],
)
def test_each_metadata_rule_names_its_field(make_client, options, field):
    with pytest.raises(ValidationError) as refused:
        make_client(**options)
    assert field in refused.value.message_dict, refused.value.message_dict
    assert not Client.objects.exists()


def test_native_apps_get_loopback_redirects_on_any_port_rfc8252_7_3(make_client, settings):
    settings.PORTICO_ISSUER = "https://id.example.org"
    rp, _ = make_client(
        application_type="native",
        auth_method="none",
        redirect_uris=("http://127.0.0.1/cb", "com.example.app:/oauth"),
    )
    assert rp.redirect_uri_allowed("http://127.0.0.1:53127/cb")
    assert rp.redirect_uri_allowed("com.example.app:/oauth")
    assert not rp.redirect_uri_allowed("http://127.0.0.1:53127/other")
    assert not rp.redirect_uri_allowed("http://127.0.0.2:53127/cb")
    assert "com.example.app" in rp.get_allowed_schemes()
    with pytest.raises(ValidationError) as refused:  # production web apps: https only
        make_client(redirect_uris=("http://rp.example.org/cb",))
    assert "redirect_uris" in refused.value.message_dict


def test_fetch_refuses_internal_addresses_unless_allowed(settings):
    settings.PORTICO_ALLOW_PRIVATE_FETCH = False
    for url in (
        "http://127.0.0.1:9/jwks",
        "http://10.0.0.1/jwks",
        "http://[::1]/jwks",
        "http://169.254.169.254/latest",
    ):
        with pytest.raises(fetch.FetchError, match="non-public"):
            fetch.fetch_json(url)
    with pytest.raises(fetch.FetchError, match="only https"):
        fetch.fetch_json("file:///etc/passwd")


def test_sector_identifier_uri_follows_the_jwks_uri_scheme_rule_registration_5(
    make_client, document_server, settings
):
    """Both are documents Portico fetches: over http only while the issuer itself is plain http."""
    document_server["document"] = ["https://rp.example.org/cb"]
    rp, _ = make_client(subject_type="pairwise", sector_identifier_uri=document_server["url"])
    assert rp.sector_identifier_uri.startswith("http://") and document_server["requests"] == 1
    settings.PORTICO_ISSUER = "https://id.example.org"
    with pytest.raises(ValidationError) as refused:
        make_client(sector_identifier_uri=document_server["url"], jwks_uri=document_server["url"])
    assert refused.value.message_dict["sector_identifier_uri"] == [
        "sector_identifier_uri must be an https URL"
    ]
    assert refused.value.message_dict["jwks_uri"] == ["jwks_uri must be an https URL"]
    assert document_server["requests"] == 1
