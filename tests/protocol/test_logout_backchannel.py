"""Back-Channel Logout 1.0 over HTTP: the apps' own servers (loopback) receive logout_tokens from the real
worker (db_worker), and each token is verified independently from the JWKS. Named after the OpenID
Foundation's back-channel logout OP test plan (oidcc-backchannel-rp-initiated-logout*)."""

from urllib.parse import urlencode

import jwt
import pytest
import requests
from django.test import Client as Browser

from oidc.models import LogoutDelivery
from tests.protocol.logout_support import (
    run_worker,
    run_worker_until_settled,
    sign_in,
    signed_in,
    verify_logout_token,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portico(live_server, issuer_at):
    return issuer_at(live_server.url)


def make_app(make_client, receiver, path="/backchannel", **options):
    options.setdefault("name", f"App {path}")
    return make_client(
        redirect_uris=(receiver.url("/callback"),),
        post_logout_redirect_uris=[receiver.url("/signed-out")],
        backchannel_logout_uri=receiver.url(path),
        skip_consent=True,
        **options,
    )


def rp_logout(portico, browser, id_token):
    response = browser.get(portico + "/end-session?" + urlencode({"id_token_hint": id_token}))
    assert response.status_code == 200 and "You are signed out" in response.text
    return response


def test_oidcc_backchannel_rp_initiated_logout(portico, make_client, make_user, receiver):
    """One sign-in, two apps (one pairwise, one requiring the sid): logging out of one tells both, each with
    its own audience and the sub it knows the person by, and the sid of that sign-in."""
    user = make_user()
    first = make_app(make_client, receiver, "/backchannel", backchannel_logout_session_required=True)
    second = make_app(make_client, receiver, "/backchannel-pairwise", subject_type="pairwise")
    browser = requests.Session()
    first_tokens = sign_in(portico, browser, *first, user)
    second_tokens = sign_in(portico, browser, *second, user)
    first_id = jwt.decode(first_tokens["id_token"], options={"verify_signature": False})
    second_id = jwt.decode(second_tokens["id_token"], options={"verify_signature": False})
    assert first_id["sid"] == second_id["sid"] and first_id["sub"] != second_id["sub"]

    rp_logout(portico, browser, first_tokens["id_token"])
    assert receiver.posts == []  # the person's sign-out did not wait for any app
    run_worker()

    for (app, _secret), path, id_claims in (
        (first, "/backchannel", first_id),
        (second, "/backchannel-pairwise", second_id),
    ):
        [token] = receiver.tokens(path)
        claims = verify_logout_token(token, issuer=portico, client_id=app.client_id)
        assert claims["sid"] == id_claims["sid"] and claims["sub"] == id_claims["sub"]
    assert set(LogoutDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert not signed_in(portico, browser)


def test_oidcc_backchannel_logout_only_apps_of_that_session(portico, make_client, make_user, receiver):
    """Another browser's sign-in, and apps this session never used, hear nothing."""
    user = make_user()
    used = make_app(make_client, receiver, "/backchannel")
    make_app(make_client, receiver, "/backchannel-unused")
    here, elsewhere = requests.Session(), requests.Session()
    tokens = sign_in(portico, here, *used, user)
    sign_in(portico, elsewhere, *used, user)
    rp_logout(portico, here, tokens["id_token"])
    run_worker()
    [token] = receiver.tokens("/backchannel")
    assert (
        verify_logout_token(token, issuer=portico, client_id=used[0].client_id)["sid"]
        == jwt.decode(tokens["id_token"], options={"verify_signature": False})["sid"]
    )
    assert receiver.tokens("/backchannel-unused") == []
    assert signed_in(portico, elsewhere)


@pytest.mark.parametrize("path", ["/backchannel-500", "/backchannel-slow", "down"])
def test_backchannel_receiver_failing_gets_retries_then_failed(
    path,
    portico,
    make_client,
    make_user,
    receiver,
    settings,
):
    """A receiver answering 500, too slow, or not listening: retried with backoff, a fresh jti each time,
    then marked failed (and counted in the admin) - while the person's sign-out went through at once."""
    settings.PORTICO_LOGOUT_RETRY_SECONDS = 0.05
    settings.PORTICO_LOGOUT_RETRY_PERIOD = 2  # room for a second attempt on a loaded machine
    settings.PORTICO_LOGOUT_TIMEOUT = 0.3
    receiver.slow_seconds = 1.0
    app, secret = make_app(
        make_client, receiver, path if path != "down" else "/backchannel", name="Flaky App"
    )
    if path == "down":
        app.backchannel_logout_uri = "http://127.0.0.1:9/backchannel"  # discard port: nothing listens
        app.save()
    browser = requests.Session()
    tokens = sign_in(portico, browser, app, secret, make_user())
    rp_logout(portico, browser, tokens["id_token"])
    assert not signed_in(portico, browser)

    run_worker_until_settled()
    delivery = LogoutDelivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts >= 2 and delivery.finished_at is not None
    expected = {"/backchannel-500": "HTTP 500", "/backchannel-slow": "did not answer within", "down": "Connection"}[path]
    assert expected in delivery.last_error
    if path != "down":
        received = receiver.tokens(path)
        assert len(received) == delivery.attempts
        jtis = {verify_logout_token(t, issuer=portico, client_id=app.client_id)["jti"] for t in received}
        assert len(jtis) == len(received)  # a fresh jti for every attempt

    admin = Browser()
    admin.force_login(make_user(is_staff=True, is_superuser=True))
    page = admin.get("/admin/oidc/logoutdelivery/").content.decode()
    assert "Failed deliveries per client" in page
    assert '<td class="failed-count">1</td>' in page and "Flaky App" in page


def test_backchannel_receiver_recovering_is_delivered_once(
    portico, make_client, make_user, receiver, settings
):
    """A receiver down at first and back later: delivered, and then never sent again."""
    settings.PORTICO_LOGOUT_RETRY_SECONDS = 0.05
    app, secret = make_app(make_client, receiver, "/backchannel")
    good_uri = app.backchannel_logout_uri
    app.backchannel_logout_uri = "http://127.0.0.1:9/backchannel"
    app.save()
    browser = requests.Session()
    tokens = sign_in(portico, browser, app, secret, make_user())
    rp_logout(portico, browser, tokens["id_token"])
    run_worker()
    assert LogoutDelivery.objects.get().status == "pending"
    app.backchannel_logout_uri = good_uri
    app.save()
    run_worker_until_settled()
    run_worker()
    delivery = LogoutDelivery.objects.get()
    assert delivery.status == "delivered" and delivery.attempts == 2
    assert len(receiver.tokens("/backchannel")) == 1
