"""Every way a sign-in ends tells the apps of that sign-in (issue: sessions and logout), and the signed-out
page's front-channel iframes and CSP (Front-Channel Logout 1.0 4). Deliveries are rows the worker sends
(tests/protocol/test_logout_backchannel.py); here the rows are what is checked."""

import pytest
from django.test import Client as Browser

from accounts.models import SignIn
from accounts.sessions import SESSION_KEY
from oidc.models import AccessToken, LogoutDelivery, RefreshToken
from tests.integration.helpers import exchange, get_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def apps(make_client):
    back, back_secret = make_client(
        name="Back", backchannel_logout_uri="https://back.example/logout", skip_consent=True
    )
    front, _ = make_client(
        name="Front",
        redirect_uris=("https://front.example/cb",),
        frontchannel_logout_uri="https://front.example/fc?x=1",
        frontchannel_logout_session_required=True,
        skip_consent=True,
    )
    return back, back_secret, front


def signed_in_browser(user, *clients) -> tuple[Browser, SignIn]:
    browser = Browser()
    browser.post("/login", {"username": user.username, "password": user.raw_password})
    for client in clients:
        get_code(browser, client, scope="openid", prompt=None)
    return browser, SignIn.objects.get(sid=browser.session[SESSION_KEY])


def deliveries(sign_in) -> list[tuple[str, str]]:
    return sorted(LogoutDelivery.objects.filter(sid=sign_in.sid).values_list("client__name", "reason"))


def test_own_sign_out_page_tells_apps_and_frames_front_channel(make_user, apps):
    back, _secret, front = apps
    browser, sign_in = signed_in_browser(make_user(), back, front)
    response = browser.post("/logout")
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        f'src="https://front.example/fc?x=1&amp;iss=http%3A%2F%2F127.0.0.1%3A8000&amp;sid={sign_in.sid}"'
        in page
    )
    assert response["Content-Security-Policy"].endswith("; frame-src https://front.example")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert deliveries(sign_in) == [("Back", "sign_out")]
    assert browser.get("/").status_code == 302


def test_signed_out_page_without_front_channel_frames_nothing(make_user, apps):
    back, _secret, _front = apps
    browser, _sign_in = signed_in_browser(make_user(), back)
    response = browser.post("/logout")
    assert "<iframe" not in response.content.decode()
    assert response["Content-Security-Policy"].endswith("; frame-src 'none'")


def test_sessions_page_this_device_and_every_other(make_user, apps):
    back, _secret, _front = apps
    user = make_user()
    here, this_one = signed_in_browser(user, back)
    _there, other = signed_in_browser(user, back)
    here.post("/account/sessions/end", {"scope": "others"})
    assert deliveries(other) == [("Back", "sessions_page")] and deliveries(this_one) == []
    response = here.post("/account/sessions/end", {"sid": this_one.sid})
    assert response.status_code == 200 and deliveries(this_one) == [("Back", "sessions_page")]


def test_password_change_tells_apps_of_the_other_sessions(make_user, apps):
    back, _secret, _front = apps
    user = make_user()
    here, this_one = signed_in_browser(user, back)
    _there, other = signed_in_browser(user, back)
    here.post(
        "/account/password",
        {
            "old_password": user.raw_password,
            "new_password1": "A new pass 4 logout!",
            "new_password2": "A new pass 4 logout!",
        },
    )
    assert deliveries(other) == [("Back", "password_change")] and deliveries(this_one) == []


def test_password_reset_tells_apps_of_every_session(make_user, apps):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    back, _secret, _front = apps
    user = make_user(email="reset@example.org")
    _browser, sign_in = signed_in_browser(user, back)
    user.refresh_from_db()  # the token covers last_login, which signing in moved
    url = f"/password/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/{default_token_generator.make_token(user)}"
    stranger = Browser()
    form_url = stranger.get(url)["Location"]
    stranger.post(
        form_url, {"new_password1": "Reset pass 4 logout!", "new_password2": "Reset pass 4 logout!"}
    )
    assert deliveries(sign_in) == [("Back", "password_reset")]


def test_admin_ending_a_session_and_deactivating_a_user(make_user, apps):
    back, _secret, _front = apps
    user = make_user()
    _one, first = signed_in_browser(user, back)
    _two, second = signed_in_browser(user, back)
    admin = Browser()
    admin.force_login(make_user(is_staff=True, is_superuser=True))
    admin.post("/admin/accounts/signin/", {"action": "end_sign_ins", "_selected_action": [first.pk]})
    assert deliveries(first) == [("Back", "admin")] and deliveries(second) == []
    user.is_active = False
    user.save()
    assert deliveries(second) == [("Back", "deactivated")]


def test_removing_an_apps_access_tells_that_app_only(make_user, make_client, apps):
    back, back_secret, _front = apps
    other, _ = make_client(
        name="Other", backchannel_logout_uri="https://other.example/logout", skip_consent=True
    )
    user = make_user()
    browser, sign_in = signed_in_browser(user, back, other)
    code, verifier = get_code(browser, back, scope="openid", prompt=None)
    exchange(browser, code, client=back, secret=back_secret, verifier=verifier)  # the app holds a token
    browser.post("/account/apps", {"client_id": back.client_id})
    assert deliveries(sign_in) == [("Back", "access_removed")]
    assert browser.get("/").status_code == 200  # the person stays signed in to Portico


def test_logout_revokes_session_tokens_but_not_offline_access(make_user, make_client):
    """Core 11: offline_access grants outlive the session; the session's other tokens end with it."""
    app, secret = make_client(skip_consent=True)
    user = make_user()
    browser, _sign_in = signed_in_browser(user)
    online_code, online_verifier = get_code(browser, app, scope="openid", prompt=None)
    online = exchange(browser, online_code, client=app, secret=secret, verifier=online_verifier).json()
    offline_code, offline_verifier = get_code(browser, app, scope="openid offline_access", prompt="consent")
    offline = exchange(browser, offline_code, client=app, secret=secret, verifier=offline_verifier).json()
    assert "refresh_token" in offline
    browser.post("/logout")
    remaining = set(AccessToken.objects.filter(user=user).values_list("scope", flat=True))
    assert remaining == {"openid offline_access"}
    assert RefreshToken.objects.filter(user=user, revoked__isnull=True).count() == 1
    assert online["access_token"] != offline["access_token"]


def test_cli_registers_logout_metadata():
    import json
    from io import StringIO

    from django.core.management import CommandError, call_command

    from oidc.models import Client

    out = StringIO()
    call_command(
        "oidc_client", "create", "--name", "CLI App", "--redirect-uri", "https://cli.example/cb",
        "--post-logout-redirect-uri", "https://cli.example/bye",
        "--backchannel-logout-uri", "https://cli.example/bc", "--backchannel-logout-session-required",
        "--frontchannel-logout-uri", "https://cli.example/fc", "--frontchannel-logout-session-required",
        "--format", "json", stdout=out,
    )  # fmt: skip
    client = Client.objects.get(client_id=json.loads(out.getvalue())["client_id"])
    assert (client.backchannel_logout_uri, client.frontchannel_logout_uri) == (
        "https://cli.example/bc",
        "https://cli.example/fc",
    )
    assert client.backchannel_logout_session_required and client.frontchannel_logout_session_required
    assert client.post_logout_redirect_uris == "https://cli.example/bye"
    with pytest.raises(CommandError, match="backchannel_logout_uri: must not contain a fragment"):
        call_command(
            "oidc_client", "create", "--name", "Bad", "--redirect-uri", "https://cli.example/cb",
            "--backchannel-logout-uri", "https://cli.example/bc#x", stdout=StringIO(),
        )  # fmt: skip


def test_a_session_ended_by_too_many_wrong_passwords_tells_its_apps(make_user, apps, settings):
    settings.PORTICO_THROTTLE_ACCOUNT = (100, 2)
    back, _secret, _front = apps
    user = make_user()
    browser, sign_in = signed_in_browser(user, back)
    for _ in range(2):
        response = browser.post("/account/security/recovery-codes", {"password": "not the password"})
    assert response.status_code == 429
    assert deliveries(sign_in) == [("Back", "reconfirm_locked")]
