"""Every lifetime at both edges: still valid one second before its end, refused one second after.

Time is moved by writing the stored expiry (or the start of a chain) to now ± 1 s, never by sleeping; the
lifetimes issued are checked against the settings that set them. Signed tokens whose `exp` is a claim are
checked at their last valid second and the next one, with the `now` an independent JOSE library takes.
"""

from datetime import timedelta

import pytest
from django.test import Client as Browser
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import ExpiredTokenError
from joserfc.jwk import KeySet

from oidc import clients, keys
from oidc.logout import tokens as logout_tokens
from oidc.models import AccessToken, Client, Grant, RefreshToken
from oidc.registration import create_initial_token
from tests.integration.helpers import basic, exchange, get_code, refresh, register_with
from tests.oauth import assert_oauth_error

SECOND = timedelta(seconds=1)


def _introspect(rp, secret, token, **hint):
    return Browser().post("/introspect", {"token": token, **hint}, **basic(rp.client_id, secret))


def _userinfo(access_token):
    return Browser().get("/userinfo", HTTP_AUTHORIZATION="Bearer " + access_token)


# ---- authorization codes (RFC 6749 4.1.2: short-lived; PORTICO_CODE_TTL) ------------------------------------
def test_rfc6749_4_1_2_code_lives_for_its_ttl(browser, make_client, settings):
    rp, _ = make_client()
    before = timezone.now()
    get_code(browser, rp)
    after = timezone.now()
    grant = Grant.objects.get()
    ttl = timedelta(seconds=settings.PORTICO_CODE_TTL)
    assert before + ttl <= grant.expires <= after + ttl


def test_rfc6749_4_1_2_code_one_second_before_its_end_is_redeemed(browser, make_client):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp)
    Grant.objects.update(expires=timezone.now() + SECOND)
    response = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier)
    assert response.status_code == 200, response.content
    assert response.json()["access_token"]


def test_rfc6749_4_1_2_code_one_second_after_its_end_is_invalid_grant(browser, make_client):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp)
    Grant.objects.update(expires=timezone.now() - SECOND)
    response = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier)
    assert_oauth_error(response, 400, "invalid_grant")
    assert not AccessToken.objects.exists()


# ---- access tokens (RFC 6749 5.1 expires_in; RFC 6750 3.1 at userinfo; RFC 7662 2.2 at introspection) --------
@pytest.fixture
def issued(browser, make_client):
    rp, secret = make_client(can_introspect=True)
    code, verifier = get_code(browser, rp)
    before = timezone.now()
    response = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier)
    after = timezone.now()
    assert response.status_code == 200, response.content
    return rp, secret, response.json(), (before, after)


def test_rfc6749_5_1_access_token_lives_for_its_ttl(issued, settings):
    _, _, body, (before, after) = issued
    ttl = timedelta(seconds=settings.PORTICO_ACCESS_TOKEN_TTL)
    assert body["expires_in"] == settings.PORTICO_ACCESS_TOKEN_TTL
    stored = AccessToken.objects.get(refresh_token__isnull=False)
    assert before + ttl <= stored.expires <= after + ttl


def test_rfc6750_access_token_one_second_before_its_end_is_accepted(issued):
    rp, secret, body, _ = issued
    AccessToken.objects.update(expires=timezone.now() + SECOND)
    assert _userinfo(body["access_token"]).status_code == 200
    answer = _introspect(rp, secret, body["access_token"]).json()
    assert answer["active"] is True
    assert answer["exp"] == int(AccessToken.objects.get().expires.timestamp())


def test_rfc6750_3_1_access_token_one_second_after_its_end_is_invalid_token(issued):
    rp, secret, body, _ = issued
    AccessToken.objects.update(expires=timezone.now() - SECOND)
    response = _userinfo(body["access_token"])
    assert_oauth_error(response, 401, "invalid_token")
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert _introspect(rp, secret, body["access_token"]).json() == {"active": False}


# ---- refresh tokens: sliding lifetime and the chain's absolute maximum (RFC 9700 4.14.2) -------------------
def _idle_end(settings):
    """A refresh token lives PORTICO_REFRESH_TOKEN_TTL past the expiry of the access token issued with it."""
    return timedelta(seconds=settings.PORTICO_REFRESH_TOKEN_TTL)


def test_rfc9700_4_14_2_refresh_token_one_second_before_its_idle_end_is_used(issued, settings):
    rp, secret, body, _ = issued
    AccessToken.objects.update(expires=timezone.now() - _idle_end(settings) + SECOND)
    assert _introspect(rp, secret, body["refresh_token"]).json()["active"] is True
    rotated = refresh(rp, secret, body["refresh_token"])
    assert rotated.status_code == 200, rotated.content
    assert rotated.json()["refresh_token"] != body["refresh_token"]


def test_rfc9700_4_14_2_refresh_token_one_second_after_its_idle_end_is_invalid_grant(issued, settings):
    rp, secret, body, _ = issued
    AccessToken.objects.update(expires=timezone.now() - _idle_end(settings) - SECOND)
    assert _introspect(rp, secret, body["refresh_token"]).json() == {"active": False}
    assert_oauth_error(refresh(rp, secret, body["refresh_token"]), 400, "invalid_grant")


def test_refresh_chain_one_second_before_its_maximum_age_is_used(issued, settings):
    rp, secret, body, _ = issued
    max_age = timedelta(seconds=settings.PORTICO_REFRESH_TOKEN_MAX_AGE)
    RefreshToken.objects.update(family_started=timezone.now() - max_age + SECOND)
    assert _introspect(rp, secret, body["refresh_token"]).json()["active"] is True
    assert refresh(rp, secret, body["refresh_token"]).status_code == 200


def test_refresh_chain_one_second_after_its_maximum_age_is_invalid_grant(issued, settings):
    rp, secret, body, _ = issued
    max_age = timedelta(seconds=settings.PORTICO_REFRESH_TOKEN_MAX_AGE)
    RefreshToken.objects.update(family_started=timezone.now() - max_age - SECOND)
    assert _introspect(rp, secret, body["refresh_token"]).json() == {"active": False}
    assert_oauth_error(refresh(rp, secret, body["refresh_token"]), 400, "invalid_grant")


# ---- logout tokens (Back-Channel Logout 1.0 2.4: exp, short-lived) -----------------------------------------
def test_backchannel_2_4_logout_token_lives_ttl_seconds_rfc7519_4_1_4(make_client):
    """RFC 7519 4.1.4: valid while the current time is before exp: its last valid second is iat + TTL - 1."""
    rp, _ = make_client()
    issued_at = 1_900_000_000
    token = logout_tokens.issue_logout_token(rp, sub="person-1", sid="sid-1", now=issued_at)
    claims = jwt.decode(token, KeySet.import_key_set(keys.jwks())).claims
    assert claims["iat"] == issued_at
    assert claims["exp"] == issued_at + logout_tokens.LOGOUT_TOKEN_TTL
    jwt.JWTClaimsRegistry(now=claims["exp"] - 1, leeway=0).validate(claims)
    with pytest.raises(ExpiredTokenError):
        jwt.JWTClaimsRegistry(now=claims["exp"], leeway=0).validate(claims)


# ---- initial access tokens (RFC 7591 3: registration in token mode) -----------------------------------------
def test_rfc7591_3_initial_access_token_one_second_before_its_end_registers(db, settings):
    settings.PORTICO_REGISTRATION = "token"
    _, value = create_initial_token("partner", expires=timezone.now() + SECOND)
    assert register_with(value).status_code == 201


def test_rfc7591_3_initial_access_token_one_second_after_its_end_is_refused(db, settings):
    settings.PORTICO_REGISTRATION = "token"
    _, value = create_initial_token("partner", expires=timezone.now() - SECOND)
    refused = register_with(value)
    assert refused.status_code == 401


# ---- a rotated client secret: the previous one works during the overlap only (RFC 6749 2.3.1) --------------
def _client_credentials(rp, secret):
    return Browser().post("/token", {"grant_type": "client_credentials"}, **basic(rp.client_id, secret))


def test_previous_secret_lives_for_its_overlap(make_client):
    rp, _ = make_client(grant_types=["client_credentials"])
    overlap = timedelta(hours=1)
    before = timezone.now()
    clients.rotate_secret(rp, overlap=overlap)
    after = timezone.now()
    rp.refresh_from_db()
    assert before + overlap <= rp.previous_secret_expires <= after + overlap


def test_previous_secret_one_second_before_the_overlap_ends_authenticates(make_client):
    rp, old = make_client(grant_types=["client_credentials"])
    clients.rotate_secret(rp, overlap=timedelta(hours=1))
    Client.objects.filter(pk=rp.pk).update(previous_secret_expires=timezone.now() + SECOND)
    assert _client_credentials(rp, old).status_code == 200


def test_previous_secret_one_second_after_the_overlap_ends_is_invalid_client(make_client):
    rp, old = make_client(grant_types=["client_credentials"])
    new = clients.rotate_secret(rp, overlap=timedelta(hours=1))
    Client.objects.filter(pk=rp.pk).update(previous_secret_expires=timezone.now() - SECOND)
    assert_oauth_error(_client_credentials(rp, old), 401, "invalid_client")
    assert _client_credentials(rp, new).status_code == 200
