"""Fixtures for the conformance modules: a live provider, a person, and relying parties."""

import datetime
import secrets
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import requests

from .agent import REDIRECT, UserAgent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def op(live_server, issuer_at):
    return issuer_at(live_server.url)


@pytest.fixture
def person(make_user):
    return make_user(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.org",
        email_verified=True,
        phone_number="+441234567890",
        birthdate=datetime.date(1815, 12, 10),
        address_street_address="12 St James's Square",
        address_locality="London",
        address_country="UK",
    )


@pytest.fixture
def make_rp(make_client):
    """A relying party; keyword options are client metadata (response_types, grant_types, ...)."""

    def make(**options):
        options.setdefault("grant_types", ["authorization_code", "refresh_token"])
        return make_client(redirect_uris=(REDIRECT,), **options)

    return make


@pytest.fixture
def browser(op):
    return UserAgent(op)


@pytest.fixture
def request_params():
    def build(client, **overrides):
        params = {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": REDIRECT,
            "scope": "openid",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    return build


@pytest.fixture
def redeem(op):
    """Exchange a code at the token endpoint with client_secret_basic."""

    def exchange(client, secret, code, **extra):
        return requests.post(
            op + "/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **extra},
            auth=(client.client_id, secret),
            timeout=10,
        )

    return exchange


@pytest.fixture
def register(op, settings):
    """A relying party registered over HTTP (OpenID Connect Dynamic Registration 2): its client_id and
    secret; keyword options are registration metadata (jwks, request_object_signing_alg, ...)."""
    settings.PORTICO_REGISTRATION = "open"
    # As a certification deployment is set up: the conformance suite's host is trusted for open registration
    # (RFC 9700 4.11.2, docs/operations.md), so its clients' errors are redirected like any vetted client's.
    settings.PORTICO_REGISTRATION_TRUSTED_HOSTS = [urlsplit(REDIRECT).hostname]

    def make(**metadata):
        metadata.setdefault("redirect_uris", [REDIRECT])
        response = requests.post(op + "/register", json=metadata, timeout=10)
        assert response.status_code == 201, response.text
        body = response.json()
        return SimpleNamespace(client_id=body["client_id"], secret=body.get("client_secret"), metadata=body)

    return make
