"""Token endpoint (RFC 6749 4.1.3/5.2, RFC 7636 4.5/4.6, Core 3.1.3) through Django's test client."""

import base64
from datetime import timedelta

import jwt
import pytest
from django.test import Client as Browser
from django.utils import timezone

from oidc import keys
from oidc.models import AccessToken, Grant, RefreshToken
from tests.integration.helpers import REDIRECT, basic, exchange, get_code, refresh
from tests.oauth import assert_oauth_error

pytestmark = pytest.mark.django_db


def test_code_exchange_issues_reference_token_and_signed_id_token_core_3_1_3_3(
    browser, make_client, settings
):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp)
    response = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["access_token"].count(".") == 0  # opaque reference token, not a JWT
    assert response["Cache-Control"] == "no-store"
    header = jwt.get_unverified_header(body["id_token"])
    assert header["alg"] == "RS256" and header["kid"] == keys.active_key().kid
    claims = jwt.decode(
        body["id_token"],
        keys.published_key(header["kid"]).private_key.public_key(),
        algorithms=["RS256"],
        audience=rp.client_id,
        issuer=settings.PORTICO_ISSUER,
    )
    assert claims["sub"] == browser.user.sub and claims["nonce"] == "n-456"
    assert claims["auth_time"] <= claims["iat"] < claims["exp"]
    assert "email" not in claims  # profile claims go to userinfo when an access token is issued
    # Nothing usable at rest: the database holds digests only.
    assert not AccessToken.objects.filter(token=body["access_token"]).exists()
    assert not Grant.objects.filter(code=code).exists()


def test_refresh_token_only_when_the_client_mayrefresh(browser, make_client):
    rp, secret = make_client(grant_types=["authorization_code"])
    code, verifier = get_code(browser, rp)
    body = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()
    assert "refresh_token" not in body and "access_token" in body


def test_wrong_client_secret_is_401_invalid_client_rfc6749_5_2(browser, make_client):
    rp, _ = make_client()
    code, verifier = get_code(browser, rp)
    response = exchange(Browser(), code, client=rp, secret="wrong", verifier=verifier)
    assert_oauth_error(response, 401, "invalid_client")


def test_secret_clients_may_send_the_secret_either_way_rfc6749_2_3_1(browser, make_client):
    rp, secret = make_client(auth_method="client_secret_basic")
    code, verifier = get_code(browser, rp)
    in_body = exchange(Browser(), code, client=rp, verifier=verifier, client_secret=secret)
    assert in_body.status_code == 200, in_body.content
    post_rp, post_secret = make_client(auth_method="client_secret_post")
    code, verifier = get_code(browser, post_rp)
    with_basic = exchange(Browser(), code, client=post_rp, secret=post_secret, verifier=verifier)
    assert with_basic.status_code == 200, with_basic.content


def test_jwt_and_public_clients_keep_their_registered_method(browser, make_client):
    rp, _ = make_client(auth_method="none", confidential=False)
    code, verifier = get_code(browser, rp)
    response = exchange(Browser(), code, client=rp, verifier=verifier, client_secret="anything")
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "This client is registered for none (token_endpoint_auth_method) and cannot "
        "authenticate with a client secret: it is a public client: send client_id alone, with PKCE.",
    }


def test_code_works_once_and_replay_revokes_rfc6749_4_1_2(browser, make_client):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp)
    first = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier)
    assert first.status_code == 200
    assert AccessToken.objects.count() == 1
    replay = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier)
    assert_oauth_error(replay, 400, "invalid_grant")
    assert replay.json() == {"error": "invalid_grant"}
    assert AccessToken.objects.count() == 0  # what the first use issued is revoked
    userinfo = Browser().get("/userinfo", HTTP_AUTHORIZATION="Bearer " + first.json()["access_token"])
    assert userinfo.status_code == 401
    refreshed = refresh(rp, secret, first.json()["refresh_token"])
    assert_oauth_error(refreshed, 400, "invalid_grant")


def test_expired_code_is_invalid_grant(browser, make_client):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp)
    Grant.objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier)
    assert_oauth_error(response, 400, "invalid_grant")


def test_code_lives_60_seconds(browser, make_client):
    rp, _ = make_client()
    get_code(browser, rp)
    grant = Grant.objects.get()
    assert timedelta(seconds=58) <= grant.expires - grant.created <= timedelta(seconds=61)


def test_foreign_code_is_invalid_grant(browser, make_client):
    rp, _ = make_client()
    other, other_secret = make_client()
    code, verifier = get_code(browser, rp)
    response = exchange(Browser(), code, client=other, secret=other_secret, verifier=verifier)
    assert_oauth_error(response, 400, "invalid_grant")


def test_wrong_code_verifier_is_invalid_grant_rfc7636_4_6(browser, make_client):
    rp, secret = make_client()
    code, _ = get_code(browser, rp)
    response = exchange(Browser(), code, client=rp, secret=secret, verifier="x" * 50)
    assert_oauth_error(response, 400, "invalid_grant")


def test_missing_code_verifier_is_invalid_grant_no_downgrade_rfc9700_2_1_1(browser, make_client):
    rp, secret = make_client()
    code, _ = get_code(browser, rp)
    response = exchange(Browser(), code, client=rp, secret=secret)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "code_verifier is required: the authorization request carried a code_challenge",
    }


def test_verifier_without_challenge_is_invalid_grant_rfc9700_4_8_2(browser, make_client):
    rp, secret = make_client()
    code, _ = get_code(browser, rp, pkce=False)
    response = exchange(Browser(), code, client=rp, secret=secret, verifier="y" * 50)
    assert_oauth_error(response, 400, "invalid_grant")


def test_public_client_authenticates_with_pkce_only(browser, make_client):
    rp, _ = make_client(confidential=False)
    code, verifier = get_code(browser, rp)
    response = exchange(Browser(), code, client=rp, verifier=verifier)
    assert response.status_code == 200, response.content
    assert "id_token" in response.json()


def test_redirect_uri_must_match_the_authorization_request_rfc6749_4_1_3(browser, make_client):
    rp, secret = make_client(redirect_uris=(REDIRECT, "https://rp.example.org/other"))
    code, verifier = get_code(browser, rp)
    response = exchange(
        Browser(),
        code,
        client=rp,
        secret=secret,
        verifier=verifier,
        redirect_uri="https://rp.example.org/other",
    )
    assert_oauth_error(response, 400, "invalid_grant")


def test_refresh_rotates_and_reuse_revokes_the_family_rfc9700_4_14(browser, make_client):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp)
    first = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()
    rotated = refresh(rp, secret, first["refresh_token"])
    assert rotated.status_code == 200, rotated.content
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    reuse = refresh(rp, secret, first["refresh_token"])
    assert_oauth_error(reuse, 400, "invalid_grant")
    after = refresh(rp, secret, second["refresh_token"])
    assert_oauth_error(after, 400, "invalid_grant")


def test_client_credentials_grant(make_client):
    rp, secret = make_client(grant_types=["client_credentials"])
    response = Browser().post("/token", {"grant_type": "client_credentials"}, **basic(rp.client_id, secret))
    assert response.status_code == 200
    assert "id_token" not in response.json() and "refresh_token" not in response.json()


def test_grant_type_not_registered_is_unauthorized_client(make_client):
    rp, secret = make_client()
    response = Browser().post("/token", {"grant_type": "client_credentials"}, **basic(rp.client_id, secret))
    assert_oauth_error(response, 400, "unauthorized_client")


def test_garbage_at_token_endpoint_is_json_error_never_500(make_client):
    rp, secret = make_client()
    cases = [
        {},
        {"grant_type": "authorization_code"},
        {"grant_type": "nope"},
        {"grant_type": "authorization_code", "code": "\x00", "redirect_uri": REDIRECT},
        {"grant_type": "refresh_token", "refresh_token": "x"},
        {"grant_type": "refresh_token", "refresh_token": "x\x00"},
        {"grant_type": "client_credentials", "client_id": "a\x00b", "client_secret": "s"},
    ]
    for data in cases:
        response = Browser().post("/token", data, **basic(rp.client_id, secret))
        assert 400 <= response.status_code < 500, (data, response.status_code)
        assert "error" in response.json()
    for credentials in (b"a\x00b:c", b"a%00b:c", b"a:c%00"):  # raw, or form-encoded (RFC 6749 2.3.1)
        nul_basic = Browser().post(
            "/token",
            {"grant_type": "client_credentials"},
            HTTP_AUTHORIZATION="Basic " + base64.b64encode(credentials).decode(),
        )
        assert_oauth_error(nul_basic, 400, "invalid_request")
    malformed = Browser().post("/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION="Basic !!!")
    assert_oauth_error(malformed, 401, "invalid_client")


def test_refreshed_id_token_keeps_the_sign_in_context_core_12_2(browser, make_client):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp)
    first = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()
    second = refresh(rp, secret, first["refresh_token"]).json()
    third = refresh(rp, secret, second["refresh_token"]).json()
    claims = [jwt.decode(t["id_token"], options={"verify_signature": False}) for t in (first, second, third)]
    assert claims[0]["auth_time"] == claims[1]["auth_time"] == claims[2]["auth_time"]
    assert claims[0]["sid"] == claims[1]["sid"] == claims[2]["sid"]
    assert claims[0]["sub"] == claims[2]["sub"] and claims[0]["jti"] != claims[2]["jti"]


def test_refresh_token_expires_when_idle_sliding_lifetime(browser, make_client, settings):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp)
    first = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()
    second = refresh(rp, secret, first["refresh_token"]).json()  # each use restarts the clock
    idle = timedelta(seconds=settings.PORTICO_REFRESH_TOKEN_TTL + 1)
    AccessToken.objects.filter(refresh_token__isnull=False).update(expires=timezone.now() - idle)
    expired = refresh(rp, secret, second["refresh_token"])
    assert_oauth_error(expired, 400, "invalid_grant")


def test_refresh_chain_ends_at_its_absolute_maximum_age(browser, make_client, settings):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp)
    first = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()
    second = refresh(rp, secret, first["refresh_token"])
    assert second.status_code == 200
    started = timezone.now() - timedelta(seconds=settings.PORTICO_REFRESH_TOKEN_MAX_AGE + 1)
    RefreshToken.objects.update(family_started=started)
    too_old = refresh(rp, secret, second.json()["refresh_token"])
    assert_oauth_error(too_old, 400, "invalid_grant")


def test_inactive_user_cannot_refresh(browser, make_client):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp)
    first = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()
    type(browser.user).objects.filter(pk=browser.user.pk).update(is_active=False)
    refused = refresh(rp, secret, first["refresh_token"])
    assert_oauth_error(refused, 400, "invalid_grant")
