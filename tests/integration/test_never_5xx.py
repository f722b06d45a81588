"""Property: no request, however malformed, gets a 5xx; errors keep their spec shape (RFC 6749 4.1.2.1 and 5.2,
RFC 6750 3.1, RFC 7009 2.2.1, RFC 7662 2.3, RFC 7591 3.2.2). Hypothesis writes the requests; the explicit
examples are malformed inputs that once reached a 500."""

import base64
import json
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client as Browser
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import pkce_pair
from tests.integration.garbage import (
    FORM_TYPES,
    NEVER_5XX,
    PARAMETERS,
    any_text,
    assert_answered,
    basic_header,
    encode_json,
    json_values,
    latin1_text,
    plausible,
    printable,
    raw_query,
)
from tests.integration.helpers import authorize_params


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwt(claims) -> str:
    """An unsigned-looking JWT with arbitrary claims, as a hostile client_assertion would be."""
    header = _b64(json.dumps({"alg": "RS256"}).encode())
    return ".".join([header, _b64(json.dumps(claims).encode()), _b64(b"sig")])


# ---- /authorize (RFC 6749 4.1.2.1: errors to a registered redirect URI or a page) ---------------------------
@pytest.fixture
def authorize_base(make_client):
    rp, _ = make_client()
    _, challenge = pkce_pair()
    base = authorize_params(rp, code_challenge=challenge, code_challenge_method="S256")
    return rp, base


BASE_KEYS = ["response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge"]
OVERRIDABLE = [name for name in PARAMETERS if name not in ("client_id", "redirect_uri")]


@NEVER_5XX
@given(
    extra=st.one_of(st.just(""), raw_query()),
    signed_in=st.booleans(),
    # Mostly a known client and its redirect URI, so the requests get past the first checks.
    dropped=st.sets(st.sampled_from(BASE_KEYS), max_size=2),
    overrides=st.dictionaries(st.sampled_from(OVERRIDABLE), st.one_of(printable, plausible), max_size=4),
)
@example(extra="state=a%00b", signed_in=True, dropped=set(), overrides={})
@example(extra="max_age=%C2%B2", signed_in=True, dropped=set(), overrides={})
@example(extra="max_age=%D9%A3", signed_in=True, dropped=set(), overrides={})
@example(extra="nonce=" + "n" * 300, signed_in=True, dropped={"nonce"}, overrides={})
@example(extra="code_challenge=abc", signed_in=True, dropped={"code_challenge"}, overrides={})
@example(extra="code_challenge=" + "a" * 1000, signed_in=True, dropped={"code_challenge"}, overrides={})
@example(extra="scope=openid", signed_in=True, dropped=set(), overrides={})
@example(
    extra="client_id=%&redirect_uri=%E0%A4%A",
    signed_in=True,
    dropped={"client_id", "redirect_uri"},
    overrides={},
)
@example(extra="%ZZ=%ff&\xff\xfe=\x00", signed_in=False, dropped=set(BASE_KEYS), overrides={})
@example(extra="claims=%7B%22id_token%22%3A%5B%5D%7D", signed_in=True, dropped=set(), overrides={})
@example(extra="request=" + _jwt({"exp": "soon"}), signed_in=True, dropped=set(), overrides={})
@example(extra="request_uri=https%3A%2F%2F%5B%3A%3A1%2Fr", signed_in=True, dropped=set(), overrides={})
@example(
    extra="request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A%00",
    signed_in=True,
    dropped=set(),
    overrides={},
)
@example(
    extra="prompt=none&id_token_hint=" + _jwt({"aud": [], "sub": None}),
    signed_in=True,
    dropped=set(),
    overrides={},
)
def test_authorize_never_answers_5xx(authorize_base, make_user, extra, signed_in, dropped, overrides):
    rp, base = authorize_base
    params = {k: v for k, v in {**base, **overrides}.items() if k not in dropped}
    kept = urlencode({k: v.encode("utf-8", "surrogatepass") for k, v in params.items()})
    browser = Browser()
    if signed_in:
        browser.force_login(make_user())
    response = browser.get("/authorize", QUERY_STRING="&".join(part for part in (kept, extra) if part))
    assert_answered(response)
    if response.status_code in (302, 303):
        target = urlsplit(response["Location"])
        # Never redirected anywhere but a registered redirect URI or Portico's own pages.
        assert not target.netloc or response["Location"].startswith(rp.redirect_uris.split()[0]), target


# ---- the token endpoint family (RFC 6749 5.2, RFC 7009 2.2.1, RFC 7662 2.3) ---------------------------------
@pytest.fixture
def confidential(make_client):
    return make_client(
        grant_types=["authorization_code", "refresh_token", "client_credentials"], can_introspect=True
    )


def _post_form(path, raw, *, content_type, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    return Browser().generic("POST", path, raw, content_type=content_type, **headers)


FORM_EXAMPLES = [
    ("token=abc", "application/x-www-form-urlencoded; charset=utf-16"),
    (
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code",
        "application/x-www-form-urlencoded",
    ),
    ("grant_type=password", "application/x-www-form-urlencoded"),
    (
        "grant_type=authorization_code&grant_type=authorization_code&code=x",
        "application/x-www-form-urlencoded",
    ),
    (
        "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type"
        "%3Ajwt-bearer&client_assertion=" + _jwt({"iss": "x", "sub": "x", "aud": "x", "exp": 10**30}),
        "application/x-www-form-urlencoded",
    ),
    (
        "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type"
        "%3Ajwt-bearer&client_assertion=" + _jwt({"iss": "x", "sub": "x", "aud": "x", "exp": "tomorrow"}),
        "application/x-www-form-urlencoded",
    ),
    ("grant_type=refresh_token&refresh_token=%00", "application/x-www-form-urlencoded"),
    ("\xff\xfe=%ZZ&token=%ED%A0%80", "application/x-www-form-urlencoded"),
]


def _form_property(path):
    @NEVER_5XX
    @given(data=st.data())
    def check(confidential, data):
        rp, secret = confidential
        raw = data.draw(raw_query({"grant_type": "client_credentials"} if data.draw(st.booleans()) else None))
        content_type = data.draw(st.sampled_from(FORM_TYPES))
        authorization = data.draw(basic_header(rp.client_id, secret))
        body = raw.encode("latin-1")
        response = _post_form(path, body, content_type=content_type, authorization=authorization)
        assert_answered(response, token_family=response.status_code != 200)

    return check


test_token_never_answers_5xx = _form_property("/token")
test_revoke_never_answers_5xx = _form_property("/revoke")
test_introspect_never_answers_5xx = _form_property("/introspect")
test_par_never_answers_5xx = _form_property("/par")  # RFC 9126 2.3: errors as at the token endpoint


@pytest.mark.parametrize("path", ["/token", "/revoke", "/introspect", "/par"])
@pytest.mark.parametrize("raw,content_type", FORM_EXAMPLES)
def test_form_endpoints_answer_known_malformed_bodies(confidential, path, raw, content_type):
    rp, secret = confidential
    authorization = "Basic " + base64.b64encode(f"{rp.client_id}:{secret}".encode()).decode()
    for header in (authorization, "Basic " + base64.b64encode("\u00e9:\u00e9".encode()).decode(), None):
        response = _post_form(path, raw.encode("latin-1"), content_type=content_type, authorization=header)
        assert_answered(response, token_family=response.status_code != 200)


# ---- /userinfo (RFC 6750 3.1: invalid_token with a challenge) ----------------------------------------------
@NEVER_5XX
@given(
    token=latin1_text,
    scheme=st.sampled_from(["Bearer ", "bearer ", "Basic ", "", "Bearer  "]),
    post=st.booleans(),
)
@example(token="\x00", scheme="Bearer ", post=False)
@example(token="\u00e9\u00e9", scheme="Bearer ", post=True)
@example(token="a b c", scheme="Bearer ", post=False)
def test_userinfo_never_answers_5xx(db, token, scheme, post):
    browser = Browser()
    if post:
        body = ("access_token=" + token).encode("latin-1")
        response = browser.generic(
            "POST", "/userinfo", body, content_type="application/x-www-form-urlencoded"
        )
    else:
        response = browser.get("/userinfo", HTTP_AUTHORIZATION=scheme + token)
    assert_answered(response, token_family=True)
    if response.status_code == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")


# ---- /register (RFC 7591 3.2.2: invalid_client_metadata, invalid_redirect_uri) ------------------------------
DEEP = "[" * 100_000 + "]" * 100_000


@NEVER_5XX
@given(
    document=st.one_of(
        json_values,
        st.dictionaries(
            st.sampled_from(
                [
                    "redirect_uris",
                    "client_name",
                    "grant_types",
                    "response_types",
                    "token_endpoint_auth_method",
                    "jwks",
                    "jwks_uri",
                    "contacts",
                    "logo_uri",
                    "request_object_signing_alg",
                    "default_max_age",
                    "scope",
                ]
            ),
            json_values,
            max_size=6,
        ),
    )
)
@example(document='{"redirect_uris": ["https://rp.example.org/cb"], "client_name": "\\ud800"}')
@example(document='{"redirect_uris": ["https://rp.example.org/\\udfff"]}')
@example(document=DEEP)
@example(document='{"redirect_uris": ' + DEEP + "}")
@example(document='{"redirect_uris": ["https://rp.example.org/cb"], "default_max_age": 1e400}')
@example(document='{"redirect_uris": ["https://rp.example.org/cb\\u0000"]}')
def test_register_never_answers_5xx(settings, db, document):
    settings.PORTICO_REGISTRATION = "open"
    raw = document.encode() if isinstance(document, str) else encode_json(document)
    response = Browser().generic("POST", "/register", raw, content_type="application/json")
    assert_answered(response, token_family=response.status_code >= 400)


@NEVER_5XX
@given(raw=st.binary(max_size=200), content_type=st.sampled_from(["application/json", "text/plain", ""]))
@example(raw=b'"\\ud800"', content_type="application/json")
@example(raw=b"\xff\xfe{\x00}\x00", content_type="application/json")
def test_register_answers_any_bytes(settings, db, raw, content_type):
    settings.PORTICO_REGISTRATION = "open"
    response = Browser().generic("POST", "/register", raw, content_type=content_type)
    assert_answered(response, token_family=response.status_code >= 400)


@NEVER_5XX
@given(
    value=any_text, name=st.sampled_from(["client_name", "logo_uri", "policy_uri", "sector_identifier_uri"])
)
def test_register_any_text_in_a_string_field(settings, db, value, name):
    settings.PORTICO_REGISTRATION = "open"
    document = {"redirect_uris": ["https://rp.example.org/cb"], name: value}
    response = Browser().generic("POST", "/register", encode_json(document), content_type="application/json")
    assert_answered(response, token_family=response.status_code >= 400)


# ---- client assertions (RFC 7523 3: invalid_client with its reason, whatever the claims) -------------------
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
claim_values = st.one_of(json_values, st.integers(min_value=-(2**80), max_value=2**80), st.floats())


@NEVER_5XX
@given(
    claims=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {}, optional={name: claim_values for name in ("iss", "sub", "aud", "exp", "nbf", "iat", "jti")}
        ),
    ),
    path=st.sampled_from(["/token", "/revoke", "/introspect"]),
    named=st.booleans(),
)
@example(claims={"iss": "x", "sub": "x", "exp": 10**30}, path="/token", named=True)
@example(claims={"iss": "x", "sub": "x", "exp": "tomorrow"}, path="/introspect", named=True)
@example(claims={"iss": "x", "sub": "x", "exp": float("inf")}, path="/revoke", named=False)
def test_client_assertions_with_any_claims_never_answer_5xx(confidential, claims, path, named):
    rp, _ = confidential
    if named and isinstance(claims, dict):
        claims = {**claims, "iss": rp.client_id, "sub": rp.client_id}
    form = {
        "grant_type": "client_credentials",
        "token": "x",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": _jwt(claims),
    }
    response = Browser().post(path, form)
    assert_answered(response, token_family=True)
    assert response.status_code in (400, 401), response.content
