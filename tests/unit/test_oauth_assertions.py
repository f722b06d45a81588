"""The error assertions in tests/oauth.py fail where they must: otherwise every test using them proves less."""

import json

import pytest
import requests

from tests.oauth import assert_oauth_error, assert_redirect_error


def _response(status: int, body, content_type: str = "application/json") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = content_type
    return response


def test_a_spec_shaped_body_passes_and_is_returned():
    body = {"error": "invalid_grant", "error_description": "The code has expired."}
    assert assert_oauth_error(_response(400, body), 400, "invalid_grant", "expired") == body
    assert_oauth_error(
        _response(401, {"error": "invalid_client"}, "application/json; charset=utf-8"), 401, "invalid_client"
    )


@pytest.mark.parametrize(
    "response,status,error,contains",
    [
        (_response(401, {"error": "invalid_grant"}), 400, "invalid_grant", None),  # status
        (_response(400, {"error": "invalid_request"}), 400, "invalid_grant", None),  # code
        (
            _response(400, {"error": "invalid_grant", "detail": "x"}),
            400,
            "invalid_grant",
            None,
        ),  # extra member
        (_response(400, {"error": "invalid_grant"}, "text/html"), 400, "invalid_grant", None),  # content type
        (_response(400, {"error": "invalid_grant", "error_description": ""}), 400, "invalid_grant", None),
        (
            _response(400, {"error": "invalid_grant", "error_description": "caf\u00e9"}),
            400,
            "invalid_grant",
            None,
        ),
        (_response(400, {"error": "invalid_grant", "error_description": "a"}), 400, "invalid_grant", "b"),
        (_response(400, ["invalid_grant"]), 400, "invalid_grant", None),
    ],
)
def test_anything_else_fails(response, status, error, contains):
    with pytest.raises(AssertionError):
        assert_oauth_error(response, status, error, contains)


def test_redirect_errors_in_query_fragment_or_form_post_parameters():
    query = "https://rp.example.org/cb?error=access_denied&state=s1&iss=https%3A%2F%2Fop.example"
    assert assert_redirect_error(query, "access_denied", state="s1")["iss"] == "https://op.example"
    assert_redirect_error(
        "https://rp.example.org/cb#error=login_required&state=s2", "login_required", state="s2"
    )
    assert_redirect_error({"error": "consent_required"}, "consent_required", state=None)
    for location, state in [
        ("https://rp.example.org/cb?error=access_denied&state=other", "s1"),  # another state
        ("https://rp.example.org/cb?error=access_denied", "s1"),  # state missing
        ("https://rp.example.org/cb?error=access_denied&error=x", None),  # repeated
        ("https://rp.example.org/cb?error=access_denied&code=abc", None),  # a code beside an error
        ("https://rp.example.org/cb?code=abc&state=s1", "s1"),  # no error at all
    ]:
        with pytest.raises(AssertionError):
            assert_redirect_error(location, "access_denied", state=state)
