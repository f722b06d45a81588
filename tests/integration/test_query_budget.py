"""The hot endpoints' database work, counted (DESIGN: at most one indexed lookup per token, userinfo or
introspection request beyond the write it must do). Counted, not timed: the bench/ measures speed."""

import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext

from tests.integration.helpers import basic, exchange, get_code
from tests.oauth import assert_oauth_error, assert_redirect_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(browser, make_client):
    rp, secret = make_client(can_introspect=True)
    code, verifier = get_code(browser, rp)
    tokens = exchange(Browser(), code, client=rp, secret=secret, verifier=verifier).json()
    return rp, secret, tokens


def _count(call):
    with CaptureQueriesContext(connection) as queries:
        response = call()
    return response, [q["sql"] for q in queries.captured_queries]


def test_userinfo_is_one_query(issued):
    _, _, tokens = issued
    http = Browser()
    response, queries = _count(
        lambda: http.get("/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    )
    assert response.status_code == 200 and response.json()["sub"]
    assert len(queries) == 1, queries
    assert "ORDER BY" not in queries[0]


def test_introspection_is_the_caller_then_the_token(issued):
    rp, secret, tokens = issued
    http = Browser()
    response, queries = _count(
        lambda: http.post("/introspect", {"token": tokens["access_token"]}, **basic(rp.client_id, secret))
    )
    assert response.json()["active"] is True and response.json()["sub"]
    assert len(queries) == 2, queries


def test_client_credentials_token_is_one_lookup_and_one_insert(make_client):
    rp, secret = make_client(grant_types=["client_credentials"])
    http = Browser()

    def request():
        return http.post("/token", {"grant_type": "client_credentials"}, **basic(rp.client_id, secret))

    # On PostgreSQL the first request after a client changes also reads its whole row (oidc/prepared.py,
    # reuse_unchanged); from then on the client costs one narrow version lookup.
    _, first = _count(request)
    response, queries = _count(request)
    assert response.status_code == 200, response.content
    selects = [q for q in queries if q.startswith("SELECT")]
    inserts = [q for q in queries if q.startswith("INSERT")]
    assert len(inserts) == 1 and len(selects) == 1, queries
    assert len([q for q in first if q.startswith("SELECT")]) == (
        2 if connection.vendor == "postgresql" else 1
    )


def test_token_request_cannot_widen_the_resources_of_its_code_rfc_8707(browser, make_client):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp, resource="https://api.example.org/")
    refused = exchange(
        Browser(), code, client=rp, secret=secret, verifier=verifier, resource="https://other.example/"
    )
    assert_oauth_error(refused, 400, "invalid_target")


def test_app_authorized_signal_gets_the_issued_token(make_client):
    from oauth2_provider.signals import app_authorized

    seen = []

    def receiver(sender, request, token, **kwargs):
        seen.append(token)

    app_authorized.connect(receiver)
    try:
        rp, secret = make_client(grant_types=["client_credentials"])
        body = (
            Browser()
            .post("/token", {"grant_type": "client_credentials"}, **basic(rp.client_id, secret))
            .json()
        )
    finally:
        app_authorized.disconnect(receiver)
    assert len(seen) == 1 and seen[0].pk and seen[0].scope == body["scope"]


def test_resource_indicator_must_be_an_absolute_uri_rfc_8707(browser, make_client):
    from urllib.parse import urlencode

    from tests.integration.helpers import authorize_params

    rp, _ = make_client()
    response = browser.get("/authorize?" + urlencode(authorize_params(rp, resource="not-a-uri")))
    assert_redirect_error(response["Location"], "invalid_target", state="st-123")


def test_refresh_rotation_reads_the_token_once_and_writes_five_statements(issued):
    rp, secret, tokens = issued
    from tests.integration.helpers import refresh

    response, queries = _count(lambda: refresh(rp, secret, tokens["refresh_token"]))
    assert response.status_code == 200, response.content
    selects = [
        q for q in queries if q.startswith("SELECT") and "oidc_signingkey" not in q
    ]  # key cache: per test
    # The client, then the refresh token with its access token, user and client (no lazy loads).
    assert len(selects) == 2, selects
    assert not any("FOR UPDATE" in q for q in selects)
    # Rotation: one conditional UPDATE (row lock + still-live check), the old access token's DELETE, the
    # id token, access token and refresh token INSERTs.
    writes = [q.split()[0] for q in queries if q.split()[0] in ("UPDATE", "DELETE", "INSERT")]
    assert sorted(writes) == ["DELETE", "INSERT", "INSERT", "INSERT", "UPDATE"], writes
    update = next(q for q in queries if q.startswith("UPDATE"))
    assert '"revoked" IS NULL' in update and "JOIN" not in update


def _seen(rp, secret) -> None:
    """The client authenticated once before, as any client is after its first request (on PostgreSQL its row is
    then reused while unchanged: oidc/prepared.py, reuse_unchanged). Any grant attempt authenticates first."""
    Browser().post("/token", {"grant_type": "client_credentials"}, **basic(rp.client_id, secret))


def test_code_exchange_reads_the_code_once(browser, make_client):
    rp, secret = make_client()
    code, verifier = get_code(browser, rp, resource="https://api.example.org/")
    _seen(rp, secret)
    http = Browser()
    response, queries = _count(lambda: exchange(http, code, client=rp, secret=secret, verifier=verifier))
    assert response.status_code == 200, response.content
    grant_reads = [q for q in queries if q.startswith("SELECT") and 'FROM "oidc_grant"' in q]
    # Read once by digest (with its user), RFC 8707 narrowing included; never by the plaintext code.
    assert len(grant_reads) == 1, grant_reads
    assert code not in " ".join(queries)
    selects = [q for q in queries if q.startswith("SELECT") and "oidc_signingkey" not in q]
    assert len(selects) == 2, selects  # the code, the client
    writes = sorted(
        q.split()[0]
        for q in queries
        if q.split()[0] in ("UPDATE", "DELETE", "INSERT") and "oidc_signingkey" not in q
    )
    assert writes == ["INSERT", "INSERT", "INSERT", "UPDATE"], writes  # consume; id, access, refresh token


def test_authorization_request_reads_its_client_once(browser, make_client):
    from urllib.parse import urlencode

    from tests.integration.helpers import authorize_params

    rp, _ = make_client(skip_consent=True)
    params = authorize_params(rp, prompt=None, code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                              code_challenge_method="S256")  # fmt: skip
    browser.get("/authorize?" + urlencode(params))  # keys generated, session warmed
    response, queries = _count(lambda: browser.get("/authorize?" + urlencode(params)))
    assert response.status_code == 302 and "code=" in response["Location"]
    client_reads = [q for q in queries if q.startswith("SELECT") and 'FROM "oidc_client"' in q]
    assert len(client_reads) == 1, client_reads
