"""Property: the endpoints around a sign-in never answer 5xx either: RP-Initiated Logout (end-session), the
consent and account-choice forms, the passkey endpoints and RFC 7592 client configuration."""

import json
from urllib.parse import quote

import pytest
from django.test import Client as Browser
from hypothesis import example, given
from hypothesis import strategies as st

from tests.integration.garbage import (
    FORM_TYPES,
    NEVER_5XX,
    any_text,
    assert_answered,
    json_values,
    latin1_text,
    raw_query,
)

LOGOUT_KEYS = ["id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales", "logout_hint"]


@NEVER_5XX
@given(raw=raw_query(), signed_in=st.booleans(), post=st.booleans())
@example(raw="id_token_hint=a.b.c&post_logout_redirect_uri=%", signed_in=True, post=False)
@example(raw="id_token_hint=%00&client_id=%ED%A0%80", signed_in=True, post=True)
@example(
    raw="post_logout_redirect_uri=https%3A%2F%2Frp.example.org%2Fcb&client_id=x&client_id=y",
    signed_in=False,
    post=False,
)
def test_end_session_never_answers_5xx(make_user, raw, signed_in, post):
    browser = Browser()
    if signed_in:
        browser.force_login(make_user())
    if post:
        body = raw.encode("latin-1")
        response = browser.generic(
            "POST", "/end-session", body, content_type="application/x-www-form-urlencoded"
        )
    else:
        response = browser.get("/end-session", QUERY_STRING=raw)
    assert_answered(response)


@NEVER_5XX
@given(
    raw=raw_query(),
    path=st.sampled_from(["/authorize/consent", "/authorize/select-account", "/end-session/confirm"]),
    content_type=st.sampled_from(FORM_TYPES),
)
@example(raw="request_id=%00&decision=allow", path="/authorize/consent", content_type=FORM_TYPES[0])
@example(raw="request_id=x&request_id=y", path="/authorize/consent", content_type=FORM_TYPES[0])
@example(raw="request=%ff", path="/end-session/confirm", content_type=FORM_TYPES[0])
def test_interaction_forms_never_answer_5xx(make_user, raw, path, content_type):
    browser = Browser()
    browser.force_login(make_user())
    response = browser.generic("POST", path, raw.encode("latin-1"), content_type=content_type)
    assert_answered(response)


PASSKEY_PATHS = [
    "/login/passkey",
    "/login/passkey/options",
    "/account/security/passkeys/add",
    "/account/security/passkeys/options",
    "/account/security/passkeys/remove",
]


@NEVER_5XX
@given(
    document=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {},
            optional={
                "credential": json_values,
                "second_factor": json_values,
                "id": json_values,
                "name": json_values,
            },
        ),
    ),
    path=st.sampled_from(PASSKEY_PATHS),
    signed_in=st.booleans(),
)
@example(document={"credential": {"id": "a\x00b"}}, path="/login/passkey", signed_in=False)
@example(
    document={"credential": {"id": "\ud800", "response": {"clientDataJSON": "%%"}}},
    path="/login/passkey",
    signed_in=False,
)
@example(
    document={"credential": {"id": "x", "rawId": 5}}, path="/account/security/passkeys/add", signed_in=True
)
def test_passkey_endpoints_never_answer_5xx(make_user, document, path, signed_in):
    browser = Browser()
    if signed_in:
        browser.force_login(make_user())
    raw = json.dumps(document).encode()
    response = browser.generic("POST", path, raw, content_type="application/json")
    assert_answered(response)


@NEVER_5XX
@given(raw=st.binary(max_size=120), path=st.sampled_from(PASSKEY_PATHS))
@example(raw=b'"\\ud800"', path="/login/passkey")
@example(raw=b"[" * 5_000, path="/login/passkey")
@example(raw=b"[" * 5_000, path="/account/security/passkeys/add")
def test_passkey_endpoints_answer_any_bytes(make_user, raw, path):
    browser = Browser()
    browser.force_login(make_user())
    assert_answered(browser.generic("POST", path, raw, content_type="application/json"))


@pytest.fixture
def register(settings, db):
    settings.PORTICO_REGISTRATION = "open"
    settings.PORTICO_REGISTRATION_PER_HOUR = 10_000  # every example registers one client

    def post() -> dict:
        document = json.dumps({"redirect_uris": ["https://rp.example.org/cb"]})
        answer = Browser().post("/register", document, content_type="application/json")
        assert answer.status_code == 201, answer.content
        return answer.json()

    return post


@NEVER_5XX
@given(
    token=st.one_of(st.none(), latin1_text),
    document=json_values,
    client_id=st.one_of(st.none(), any_text),
    method=st.sampled_from(["GET", "PUT", "DELETE"]),
)
@example(token=None, document={"client_id": None, "redirect_uris": "x"}, client_id=None, method="PUT")
@example(token=None, document={"client_id": "\ud800"}, client_id=None, method="PUT")
def test_rfc7592_client_configuration_never_answers_5xx(register, token, document, client_id, method):
    registered = register()  # each example has its own: a DELETE removes it
    client_id = registered["client_id"] if client_id is None else client_id
    bearer = registered["registration_access_token"] if token is None else token
    if isinstance(document, dict) and document.get("client_id") is None and "client_id" in document:
        document = {**document, "client_id": registered["client_id"]}
    path = "/register/" + quote(client_id.encode("utf-8", "surrogatepass"), safe="")
    response = Browser().generic(
        method,
        path,
        json.dumps(document).encode(),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + bearer,
    )
    assert_answered(response, token_family=response.status_code in (400, 401))


# ---- the person's pages: sign-in, sign-up, reset, e-mail verification, account pages, playground -------------
# (/playground/start is left out: it reads this server's discovery over HTTP, which no live server answers here.)
PAGES = [
    "/login",
    "/login/verify",
    "/signup",
    "/verify-email",
    "/password/reset",
    "/password/reset/MQ/set-password",
    "/password/reset/%ff%00/x",
    "/account/password",
    "/account/profile",
    "/account/apps",
    "/account/sessions",
    "/account/sessions/end",
    "/account/security/totp",
    "/account/security/totp/disable",
    "/account/security/recovery-codes/new",
    "/account/log",
    "/playground/callback",
]


@NEVER_5XX
@given(
    path=st.sampled_from(PAGES),
    raw=raw_query(),
    post=st.booleans(),
    signed_in=st.booleans(),
    content_type=st.sampled_from(FORM_TYPES),
)
@example(path="/login", raw="next=%ff&username=%00", post=True, signed_in=False, content_type=FORM_TYPES[0])
@example(path="/login", raw="next=//evil.example", post=False, signed_in=True, content_type=FORM_TYPES[0])
@example(path="/verify-email", raw="token=%ED%A0%80", post=False, signed_in=False, content_type=FORM_TYPES[0])
@example(path="/password/reset", raw="email=a%00b@x", post=True, signed_in=False, content_type=FORM_TYPES[0])
@example(
    path="/playground/callback", raw="code=x&state=%", post=False, signed_in=True, content_type=FORM_TYPES[0]
)
def test_pages_never_answer_5xx(make_user, path, raw, post, signed_in, content_type):
    browser = Browser()
    if signed_in:
        browser.force_login(make_user())
    if post:
        response = browser.generic("POST", path, raw.encode("latin-1"), content_type=content_type)
    else:
        response = browser.get(path, QUERY_STRING=raw)
    assert_answered(response)
