"""The checks a client_assertion passes before any key is fetched (RFC 7523 3), with time as `now=`: its exp
at both edges of the leeway and of the longest lifetime accepted. No database, no HTTP."""

import pytest
from django.conf import settings

from oidc.client_auth import LEEWAY, MAX_ASSERTION_LIFETIME, AssertionRejected, _check_claims

NOW = 1_900_000_000


def _claims(**changes):
    claims = {"iss": "rp-1", "sub": "rp-1", "aud": settings.PORTICO_ISSUER, "exp": NOW + 60, "jti": "j-1"}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _refusal(claims, now=NOW) -> str:
    with pytest.raises(AssertionRejected) as raised:
        _check_claims(claims, endpoint="", now=now)
    return str(raised.value)


def test_rfc7519_4_1_4_exp_within_the_leeway_is_accepted_and_one_second_later_expired():
    assert _check_claims(_claims(exp=NOW), endpoint="", now=NOW + LEEWAY - 1) == "rp-1"
    assert _refusal(_claims(exp=NOW), now=NOW + LEEWAY) == "client_assertion has expired (RFC 7519 4.1.4)"


def test_rfc7523_3_exp_at_the_longest_lifetime_is_accepted_and_one_second_beyond_refused():
    longest = int(MAX_ASSERTION_LIFETIME.total_seconds())
    assert _check_claims(_claims(exp=NOW + longest), endpoint="", now=NOW) == "rp-1"
    assert "too far in the future" in _refusal(_claims(exp=NOW + longest + 1))


@pytest.mark.parametrize("exp", ["1900000060", None, True, float("inf"), float("nan"), [NOW + 60], {"n": 1}])
def test_rfc7519_2_exp_must_be_a_finite_number_of_seconds(exp):
    claims = _claims(exp=exp) if exp is not None else {k: v for k, v in _claims().items() if k != "exp"}
    assert "needs exp" in _refusal(claims)


@pytest.mark.parametrize("exp", [10**30, 2**63, 1e300])
def test_a_huge_exp_is_refused_as_too_far_in_the_future(exp):
    assert "too far in the future" in _refusal(_claims(exp=exp))


@pytest.mark.parametrize(
    "changes,reason",
    [
        ({"sub": "other"}, "iss and sub"),
        ({"iss": ""}, "iss and sub"),
        ({"iss": 5, "sub": 5}, "iss and sub"),
        ({"aud": "https://elsewhere.example"}, "aud of client_assertion"),
        ({"aud": [5, None]}, "aud of client_assertion"),
        ({"nbf": "now"}, "nbf and iat"),
        ({"iat": True}, "nbf and iat"),
        ({"jti": None}, "needs jti"),
        ({"jti": 7}, "needs jti"),
    ],
)
def test_rfc7523_3_claims_checked_before_any_key(changes, reason):
    assert reason in _refusal(_claims(**changes))
