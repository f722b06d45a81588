"""Tokens at rest: digests only, nothing usable in a dump, expired rows purged in batches."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client as Browser
from django.utils import timezone

from config import at_rest
from oidc.models import AccessToken, Grant, IDToken, RefreshToken, SigningKey
from tests.integration.helpers import basic, exchange, get_code, refresh
from tests.oauth import assert_oauth_error

pytestmark = pytest.mark.django_db


def _sign_in(browser, rp, secret) -> dict:
    code, verifier = get_code(browser, rp)
    response = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier)
    assert response.status_code == 200
    return {**response.json(), "code": code}


def secrets_issued(browser, make_client) -> list[str]:
    """Every credential a full flow hands out: code, access/refresh/id tokens, a rotated refresh token, and
    the client secret."""
    rp, secret = make_client()
    first = _sign_in(browser, rp, secret)
    rotated = refresh(rp, secret, first["refresh_token"]).json()
    values = [secret, first["code"], first["access_token"], first["refresh_token"], first["id_token"]]
    return values + [rotated["access_token"], rotated["refresh_token"]]


def private_key_material() -> list[str]:
    """Base64 lines of every private key PEM, as a thief would look for them."""
    lines = []
    for row in SigningKey.objects.all():
        pem = at_rest.decrypt(row.private_key_encrypted).decode()
        lines += [line for line in pem.splitlines() if line and not line.startswith("-----")]
    return lines


def test_database_dump_contains_no_usable_token_code_secret_or_key(browser, make_client):
    values = secrets_issued(browser, make_client)
    out = StringIO()
    call_command("dumpdata", stdout=out)
    dump = out.getvalue()
    assert '"model": "oidc.accesstoken"' in dump and '"model": "oidc.refreshtoken"' in dump
    for value in values:
        assert value not in dump
    for line in private_key_material():
        assert line not in dump
    assert "PRIVATE KEY" not in dump


def _expire_everything_of(client_pk: int) -> None:
    past = timezone.now() - timedelta(days=31)
    AccessToken.objects.filter(application_id=client_pk).update(expires=past)
    IDToken.objects.filter(application_id=client_pk).update(expires=past)
    Grant.objects.filter(application_id=client_pk).update(expires=past)


def test_purge_tokens_removes_expired_rows_in_batches_and_keeps_live_ones(browser, make_client):
    live_rp, live_secret = make_client(name="Live")
    live = _sign_in(browser, live_rp, live_secret)
    rotated = refresh(live_rp, live_secret, live["refresh_token"]).json()
    gone_rp, gone_secret = make_client(
        name="Gone", grant_types=["authorization_code", "refresh_token", "client_credentials"]
    )
    _sign_in(browser, gone_rp, gone_secret)
    _sign_in(browser, gone_rp, gone_secret)
    Browser().post("/token", {"grant_type": "client_credentials"}, **basic(gone_rp.client_id, gone_secret))
    _expire_everything_of(gone_rp.pk)
    Grant.objects.filter(application=live_rp).update(expires=timezone.now() - timedelta(seconds=1))

    out = StringIO()
    call_command("purge_tokens", "--batch-size", "1", stdout=out)
    assert "2 refresh tokens, 3 access tokens, 2 id tokens, 3 authorization codes" in out.getvalue()
    for model in (AccessToken, RefreshToken, IDToken, Grant):
        assert not model.objects.filter(application=gone_rp).exists(), model
    assert AccessToken.objects.filter(application=live_rp).count() == 1
    # The revoked, rotated-away refresh token is kept: it is what reuse detection needs (RFC 9700 4.14.2).
    assert RefreshToken.objects.filter(application=live_rp, revoked__isnull=False).count() == 1
    reuse = refresh(live_rp, live_secret, live["refresh_token"])
    assert_oauth_error(reuse, 400, "invalid_grant")
    after_reuse = refresh(live_rp, live_secret, rotated["refresh_token"])
    assert_oauth_error(after_reuse, 400, "invalid_grant")  # the family was revoked

    out = StringIO()
    call_command("purge_tokens", stdout=out)  # nothing left to do is not an error
    assert "0 access tokens" in out.getvalue()


def test_refresh_chains_past_their_absolute_age_are_purged(browser, make_client, settings):
    rp, secret = make_client()
    _sign_in(browser, rp, secret)
    RefreshToken.objects.update(
        family_started=timezone.now() - timedelta(seconds=settings.PORTICO_REFRESH_TOKEN_MAX_AGE + 1)
    )
    call_command("purge_tokens", stdout=StringIO())
    assert not RefreshToken.objects.exists()
