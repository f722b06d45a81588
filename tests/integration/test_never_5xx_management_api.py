"""Property: the management API never answers 5xx. Hypothesis reads the OpenAPI document the server publishes
and writes requests for every operation in it: bodies shaped by the documented schema with values replaced by
arbitrary JSON, arbitrary documents, raw bytes, and path and query parameters of any text."""

import json
from urllib.parse import quote

import pytest
from django.test import Client as Browser
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.integration.garbage import NEVER_5XX, any_text, assert_answered, json_values, printable
from tests.integration.helpers import basic

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def published(make_client):
    """The published schema, an admin token, and a client to aim the per-client operations at."""
    schema = Browser().get("/api/v1/schema?format=json").json()
    manager, secret = make_client(
        name="Platform", redirect_uris=(), grant_types=["client_credentials"], can_manage=True
    )
    answer = Browser().post(
        "/token",
        {"grant_type": "client_credentials", "scope": "portico:admin"},
        **basic(manager.client_id, secret),
    )
    assert answer.status_code == 200, answer.content
    return schema, answer.json()["access_token"], make_client


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [(method, path, op) for path, item in schema["paths"].items() for method, op in item.items()]


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def from_schema(schema: dict, node: dict, depth: int = 0) -> st.SearchStrategy:
    """A value the document describes, or (at any level) an arbitrary JSON value in its place."""
    node = _resolve(schema, node)
    if depth > 4:
        return json_values
    for combined in ("oneOf", "anyOf", "allOf"):
        if combined in node:
            return st.one_of([from_schema(schema, part, depth + 1) for part in node[combined]])
    if "enum" in node:
        documented = st.sampled_from([v for v in node["enum"] if v is not None] or [""])
    elif node.get("type") == "object" or "properties" in node:
        properties = {
            name: from_schema(schema, sub, depth + 1) for name, sub in node.get("properties", {}).items()
        }
        documented = st.fixed_dictionaries({}, optional=properties) if properties else st.just({})
    elif node.get("type") == "array":
        documented = st.lists(from_schema(schema, node.get("items", {}), depth + 1), max_size=3)
    elif node.get("type") == "integer":
        documented = st.integers(min_value=-(2**70), max_value=2**70)
    elif node.get("type") == "boolean":
        documented = st.booleans()
    elif node.get("format") == "uri":
        documented = st.sampled_from(
            ["https://rp.example.org/cb", "http://127.0.0.1:1/x", "x:y", "https://a b"]
        )
    else:
        documented = st.one_of(printable, any_text)
    return st.one_of(documented, documented, json_values)


@st.composite
def api_request(draw, schema: dict, target_id: str):
    method, path, op = draw(st.sampled_from(_operations(schema)), label="operation")
    for parameter in op.get("parameters", []):
        if parameter["in"] == "path":
            known = st.just(target_id)
            value = draw(st.one_of(known, known, known, st.just("1"), printable, any_text))
            encoded = quote(value.encode("utf-8", "surrogatepass"), safe="")
            path = path.replace("{" + parameter["name"] + "}", encoded)
    query = draw(
        st.sampled_from(["", "?limit=-1", "?limit=x&offset=%FF", "?offset=99999999999999999999", "?limit=1"])
    )
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is not None and draw(st.booleans()):
        body = json.dumps(draw(from_schema(schema, content["schema"]))).encode()
    else:
        body = draw(
            st.one_of(st.just(b""), st.binary(max_size=80), json_values.map(lambda v: json.dumps(v).encode()))
        )
    return method, path + query, body


@settings(NEVER_5XX, max_examples=200)  # fourteen operations
@given(data=st.data())
def test_management_api_never_answers_5xx(published, data):
    schema, token, make_client = published
    target, _ = make_client(name="Target")  # each example has its own: a DELETE may remove it
    method, path, body = data.draw(api_request(schema, target.client_id))
    content_type = data.draw(
        st.sampled_from(["application/json", "application/json; charset=utf-16", "text/plain"])
    )
    response = Browser().generic(
        method.upper(), path, body, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert_answered(response, token_family=response.status_code in (400, 401, 403))


@pytest.mark.parametrize(
    "method,path,raw",
    [
        ("post", "/api/v1/clients", DEEP),
        (
            "post",
            "/api/v1/clients",
            '{"redirect_uris": ["https://rp.example.org/cb"], "client_name": "\\ud800"}',
        ),
        ("post", "/api/v1/clients", '{"redirect_uris": ["https://rp.example.org/\\udfff"]}'),
        (
            "post",
            "/api/v1/clients",
            '{"redirect_uris": ["https://rp.example.org/cb"], "default_max_age": 1e400}',
        ),
        ("patch", "/api/v1/clients/{target}", '{"client_name": "\\u0000"}'),
        ("put", "/api/v1/clients/{target}", '{"redirect_uris": ' + DEEP + "}"),
        ("get", "/api/v1/clients/%ED%A0%80", ""),
        ("get", "/api/v1/initial-access-tokens/99999999999999999999999", ""),
        ("post", "/api/v1/initial-access-tokens", '{"label": "x", "expires_in": 1e309}'),
        ("post", "/api/v1/initial-access-tokens", '{"label": "\\ud800", "expires_in": 99999999999999999999}'),
        ("post", "/api/v1/keys/rotate", '{"action": ["rotate"]}'),
    ],
)
def test_management_api_answers_known_malformed_bodies(published, method, path, raw):
    schema, token, make_client = published
    target, _ = make_client(name="Target")
    response = Browser().generic(
        method.upper(),
        path.replace("{target}", target.client_id),
        raw.encode(),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert_answered(response, token_family=response.status_code in (400, 401, 403))
