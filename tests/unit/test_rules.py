"""Pure protocol rules: no database, no HTTP."""

import datetime
from types import SimpleNamespace

from oidc import claims, keys, pkce, responses


def test_rfc7638_3_1_thumbprint_example():
    # The worked example of RFC 7638 section 3.1.
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert keys.thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def _user(**values):
    base = dict(
        first_name="",
        middle_name="",
        last_name="",
        nickname="",
        preferred_username="",
        username="u",
        profile="",
        picture="",
        website="",
        gender="",
        birthdate=None,
        zoneinfo="",
        locale="",
        updated_at=None,
        email="",
        email_verified=False,
        phone_number="",
        phone_number_verified=False,
        address_street_address="",
        address_locality="",
        address_region="",
        address_postal_code="",
        address_country="",
    )
    base.update(values)
    return SimpleNamespace(**base)


def test_core_5_3_2_empty_claims_are_omitted_not_null():
    released = claims.for_userinfo(
        _user(), scopes=["openid", "profile", "email", "address", "phone"], claims_request=None, sub="s1"
    )
    assert released == {"sub": "s1", "preferred_username": "u"}


def test_core_5_4_scopes_release_only_their_claims():
    user = _user(
        first_name="Ada",
        email="a@example.org",
        email_verified=True,
        phone_number="+1555",
        birthdate=datetime.date(1815, 12, 10),
        address_locality="London",
        address_country="UK",
    )
    assert claims.for_userinfo(user, scopes=["openid", "email"], claims_request=None, sub="s") == {
        "sub": "s",
        "email": "a@example.org",
        "email_verified": True,
    }
    profile = claims.for_userinfo(user, scopes=["openid", "profile"], claims_request=None, sub="s")
    assert profile["birthdate"] == "1815-12-10" and profile["given_name"] == "Ada" and "email" not in profile
    address = claims.for_userinfo(user, scopes=["address"], claims_request=None, sub="s")["address"]
    assert address == {"locality": "London", "country": "UK", "formatted": "London\nUK"}


def test_rfc9700_2_1_1_pkce_required_for_public_clients():
    assert pkce.is_required(SimpleNamespace(is_public=True, require_pkce=False))
    assert pkce.is_required(SimpleNamespace(is_public=False, require_pkce=True))
    assert not pkce.is_required(SimpleNamespace(is_public=False, require_pkce=False))


def test_rfc9700_4_8_2_pkce_downgrade_is_detected_both_ways():
    assert pkce.downgrade_error(challenge_stored=True, verifier_sent=False)
    assert pkce.downgrade_error(challenge_stored=False, verifier_sent=True)
    assert pkce.downgrade_error(challenge_stored=True, verifier_sent=True) is None
    assert pkce.downgrade_error(challenge_stored=False, verifier_sent=False) is None


def test_response_params_keep_the_registered_query_and_use_fragment_for_tokens():
    url = responses.add_response_params(
        "https://rp.example/cb?tenant=a", [("code", "c"), ("state", "s")], mode="query"
    )
    assert url == "https://rp.example/cb?tenant=a&code=c&state=s"
    assert responses.effective_mode("code", None) == "query"
    assert responses.effective_mode("code id_token", None) == "fragment"
    assert responses.mode_problem("id_token token", "query")  # Multiple Response Types 2.1
    assert responses.effective_mode("code", "form_post") == "form_post"


def test_userinfo_never_matches_a_registered_or_loopback_redirect_uri_rfc8252_7_3():
    from oidc import redirect_uris

    assert not redirect_uris.matches(["https://app.example.org/cb"], "https://user@app.example.org/cb")
    assert not redirect_uris.matches(["http://127.0.0.1/cb"], "http://user@127.0.0.1:5555/cb", native=True)
    assert not redirect_uris.matches(["http://127.0.0.1/cb"], "http://evil.example@127.0.0.1/cb", native=True)
    assert redirect_uris.matches(["http://127.0.0.1/cb"], "http://127.0.0.1:5555/cb", native=True)
