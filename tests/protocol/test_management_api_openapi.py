"""The management API over real HTTP, every call checked against the OpenAPI document the server publishes
(openapi-core), with the admin token obtained by Authlib through client_credentials."""

import re

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_spec_validator import validate

from tests.oauth import assert_oauth_error

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # openapi-core does not check oauth2 security schemes; the tests send and check the tokens themselves.
    pytest.mark.filterwarnings("ignore:Unsupported scheme type"),
]


class LiveApi:
    """Calls the live API and validates each request and response against the published schema."""

    def __init__(self, base: str, schema: dict, token: str):
        self.base, self.token = base, token
        self.spec = OpenAPI.from_dict(schema)
        self.operations = {
            (method, template) for template, item in schema["paths"].items() for method in item
        }
        self.covered: set[tuple[str, str]] = set()

    def _template(self, path: str) -> str:
        for _method, template in self.operations:
            if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template), path):
                return template
        raise AssertionError(f"{path} is not in the schema")

    def call(self, method: str, path: str, body=None, *, token: str | None = "default"):
        token = self.token if token == "default" else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = requests.request(method, self.base + path, json=body, headers=headers, timeout=10)
        request = RequestsOpenAPIRequest(response.request)
        if token and response.status_code < 400:
            self.spec.validate_request(request)
        self.spec.validate_response(request, RequestsOpenAPIResponse(response))
        self.covered.add((method.lower(), self._template(path.split("?")[0])))
        return response


@pytest.fixture
def live_api(live_server, issuer_at, make_client):
    issuer = issuer_at(live_server.url)
    schema_response = requests.get(f"{issuer}/api/v1/schema?format=json", timeout=10)
    assert schema_response.status_code == 200
    schema = schema_response.json()
    validate(schema)  # a valid OpenAPI 3 document
    assert schema["servers"] == [{"url": issuer}]

    manager, secret = make_client(
        name="Platform", redirect_uris=(), grant_types=["client_credentials"], can_manage=True
    )
    discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    token_url = discovery["token_endpoint"]
    flows = schema["components"]["securitySchemes"]["portico_admin"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == token_url
    session = OAuth2Session(manager.client_id, secret, scope="portico:admin")
    token = session.fetch_token(token_url, grant_type="client_credentials")
    assert token["scope"] == "portico:admin"
    api = LiveApi(issuer, schema, token["access_token"])
    api.issuer, api.token_url = issuer, token_url
    api.weak_token = OAuth2Session(manager.client_id, secret, scope="openid").fetch_token(
        token_url, grant_type="client_credentials"
    )["access_token"]
    return api


def test_every_documented_operation_behaves_as_documented(live_api, settings):
    settings.PORTICO_REGISTRATION = "token"
    api = live_api

    created = api.call(
        "POST",
        "/api/v1/clients",
        {
            "client_name": "Reporting",
            "grant_types": ["client_credentials"],
            "response_types": [],
            "token_endpoint_auth_method": "client_secret_post",
            "contacts": ["ops@example.org"],
        },
    )
    assert created.status_code == 201
    client_id, secret = created.json()["client_id"], created.json()["client_secret"]
    # The new client works with an independent client library straight away.
    app = OAuth2Session(client_id, secret, token_endpoint_auth_method="client_secret_post", scope="openid")
    assert app.fetch_token(api.token_url, grant_type="client_credentials")["token_type"] == "Bearer"

    listed = api.call("GET", "/api/v1/clients?limit=1&offset=0").json()
    assert listed["count"] == 2 and len(listed["results"]) == 1 and listed["next"]
    assert api.call("GET", f"/api/v1/clients/{client_id}").json()["contacts"] == ["ops@example.org"]
    patched = api.call("PATCH", f"/api/v1/clients/{client_id}", {"client_name": "Reports"})
    assert patched.status_code == 200, patched.json()
    assert patched.json()["client_name"] == "Reports"
    replaced = api.call(
        "PUT",
        f"/api/v1/clients/{client_id}",
        {
            "client_name": "Reports",
            "grant_types": ["client_credentials"],
            "response_types": [],
            "token_endpoint_auth_method": "client_secret_post",
            "can_introspect": True,
        },
    )
    assert replaced.json()["can_introspect"] is True and "contacts" not in replaced.json()

    rotated = api.call("POST", f"/api/v1/clients/{client_id}/secret", {"overlap_seconds": 60}).json()
    assert rotated["client_secret"] != secret and rotated["previous_secret_expires_at"]
    revoked = api.call("POST", f"/api/v1/clients/{client_id}/revoke").json()
    assert revoked["access_tokens"] == 1
    assert api.call("DELETE", f"/api/v1/clients/{client_id}").status_code == 204

    token = api.call("POST", "/api/v1/initial-access-tokens", {"label": "ci", "max_uses": 1}).json()
    registered = requests.post(
        f"{api.issuer}/register",
        json={"redirect_uris": ["https://app.example.org/cb"]},
        headers={"Authorization": f"Bearer {token['token']}"},
        timeout=10,
    )
    assert registered.status_code == 201
    assert api.call("GET", f"/api/v1/initial-access-tokens/{token['id']}").json()["uses"] == 1
    assert api.call("GET", "/api/v1/initial-access-tokens").json()["count"] == 1
    assert api.call("DELETE", f"/api/v1/initial-access-tokens/{token['id']}").status_code == 204

    keys = api.call("GET", "/api/v1/keys").json()
    assert {k["state"] for k in keys} == {"active"}
    outcome = api.call("POST", "/api/v1/keys/rotate", {"alg": "RS256"}).json()["results"]
    assert [o["action"] for o in outcome] == ["prepared"]
    jwks = requests.get(f"{api.issuer}/.well-known/jwks.json", timeout=10).json()
    assert len([k for k in jwks["keys"] if k["alg"] == "RS256"]) == 2

    assert api.covered == api.operations, api.operations - api.covered


def test_documented_errors_match_the_live_ones(live_api):
    api = live_api
    missing = api.call("GET", "/api/v1/clients", token=None)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer realm=")
    assert_oauth_error(api.call("GET", "/api/v1/keys", token="forged"), 401, "invalid_token")
    assert api.call("GET", "/api/v1/clients", token=api.weak_token).status_code == 403
    assert api.call("GET", "/api/v1/clients/nope").status_code == 404
    bad = api.call("POST", "/api/v1/clients", {"redirect_uris": ["https://a.example.org/cb#frag"]})
    assert_oauth_error(bad, 400, "invalid_redirect_uri")
    bad = api.call("POST", "/api/v1/initial-access-tokens", {"label": "x", "expires_in": 5})
    assert_oauth_error(bad, 400, "invalid_request")
    assert bad.json()["error_description"].startswith("expires_in:")
