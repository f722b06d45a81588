"""Assertions on whole OAuth 2.0 error answers, for Django test client responses and requests.Response alike.

RFC 6749 5.2 (token endpoint family, also RFC 7009, 7662, 7591 3.2.2 and RFC 6750 3.1 bodies): a JSON object
whose members are `error`, optionally `error_description` and `error_uri`, nothing else. RFC 6749 4.1.2.1 and
Core 3.1.2.6: the same members plus `state` (and RFC 9207's `iss`) in the redirect URI's query or fragment.
"""

from typing import Any
from urllib.parse import parse_qs, urlsplit

ERROR_MEMBERS = {"error", "error_description", "error_uri"}
REDIRECT_MEMBERS = ERROR_MEMBERS | {"state", "iss"}
_UNCHECKED: Any = object()


def _check_members(body: dict, allowed: set[str], error: str, description_contains: str | None) -> None:
    assert isinstance(body, dict), body
    assert set(body) <= allowed, f"unexpected members {set(body) - allowed} in {body}"
    assert body.get("error") == error, body
    for member in ("error_description", "error_uri"):
        if member in body:
            assert isinstance(body[member], str) and body[member], body
    # RFC 6749 5.2: error and error_description use %x20-21 / %x23-5B / %x5D-7E only.
    for member in ("error", "error_description"):
        text = body.get(member, "")
        outside = [c for c in text if not 0x20 <= ord(c) <= 0x7E or c in '"\\']
        assert not outside, f"{member} has characters outside the RFC 6749 charset: {outside}"
    if description_contains is not None:
        description = body.get("error_description", "")
        assert description_contains.lower() in description.lower(), body


def assert_oauth_error(response, status: int, error: str, description_contains: str | None = None) -> dict:
    """The whole JSON error body: status, JSON content type, only the RFC 6749 5.2 members, the error code."""
    assert response.status_code == status, (response.status_code, _text(response))
    content_type = response.headers.get("Content-Type", "")
    assert content_type.split(";")[0].strip() == "application/json", content_type
    body = response.json()
    _check_members(body, ERROR_MEMBERS, error, description_contains)
    return body


def assert_redirect_error(
    location: str | dict,
    error: str,
    *,
    state: str | None = _UNCHECKED,
    description_contains: str | None = None,
) -> dict:
    """An error delivered to the redirect URI (query, or fragment for implicit/hybrid), or the parameters a
    form_post carried (a dict); state=None means state must be absent."""
    if isinstance(location, dict):
        body = dict(location)
    else:
        parts = urlsplit(location)
        raw = parts.fragment if parts.fragment and "error=" in parts.fragment else parts.query
        parsed = parse_qs(raw, keep_blank_values=True)
        assert all(len(values) == 1 for values in parsed.values()), f"repeated members in {location}"
        body = {key: values[0] for key, values in parsed.items()}
    _check_members(body, REDIRECT_MEMBERS, error, description_contains)
    if state is not _UNCHECKED:
        assert body.get("state") == state, body
    return body


def assert_error_page(response, status: int, error: str, description_contains: str | None = None) -> None:
    """RFC 6749 4.1.2.1: an error that must not be redirected is shown to the person, never sent on."""
    assert response.status_code == status, (response.status_code, _text(response))
    assert "Location" not in response.headers, response.headers.get("Location")
    assert response.context["error"] == error, response.context["error"]
    if description_contains is not None:
        description = response.context["description"]
        assert description_contains.lower() in description.lower(), description


def _text(response) -> str:
    content = getattr(response, "content", b"")
    return content[:500].decode("utf-8", "replace") if isinstance(content, bytes) else str(content)[:500]
