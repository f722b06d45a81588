"""The sign-in context (oidc/sign_in.py) as one value carried from a stored row to oauthlib's request and into
id_token claims, unchanged along the way (Core 2, Core 12.2). No database, no HTTP."""

from datetime import UTC, datetime
from types import SimpleNamespace

from oidc.sign_in import SignInContext

SIGNED_IN = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
CLAIMS = {"id_token": {"acr": {"essential": True, "values": ["2"]}}}


def test_core_12_2_the_context_survives_row_request_row_unchanged():
    grant = SimpleNamespace(
        auth_time=SIGNED_IN, sid="sid-1", acr="2", amr=["pwd", "otp"], claims='{"userinfo": {}}'
    )
    context = SignInContext.of(grant)  # Grant.claims is a text column
    assert context == SignInContext(SIGNED_IN, "sid-1", "2", ("pwd", "otp"))
    assert context.claims == {"userinfo": {}}
    request = SimpleNamespace()
    context.apply(request)
    assert SignInContext.from_request(request) == context
    assert SignInContext.from_request(request).claims == {"userinfo": {}}
    stored = SimpleNamespace(**context.fields(), claims=CLAIMS)  # a refresh token's JSON column
    assert SignInContext.of(stored) == context and SignInContext.of(stored).claims == CLAIMS


def test_core_2_absent_values_are_omitted_not_empty():
    assert SignInContext().id_token_claims() == {"sid": None, "acr": None, "amr": None}
    full = SignInContext(SIGNED_IN, "sid-1", "2", ("pwd",)).id_token_claims()
    assert full == {"sid": "sid-1", "acr": "2", "amr": ["pwd"]}


def test_missing_or_malformed_stored_values_become_empty():
    row = SimpleNamespace(auth_time=None, sid=None, acr=None, amr=None, claims="")
    assert SignInContext.of(row) == SignInContext()
    assert SignInContext.of(SimpleNamespace(**vars(row) | {"claims": "[1]"})).claims == {}
    assert SignInContext.from_request(SimpleNamespace()) == SignInContext()


def test_with_claims_keeps_the_rest_and_claims_do_not_change_equality():
    context = SignInContext(SIGNED_IN, "sid-1", "1", ("pwd",))
    assert context.with_claims(CLAIMS).claims == CLAIMS
    assert context.with_claims(CLAIMS) == context  # claims are carried, not part of the identity
    assert context.with_claims(None).claims == {}
