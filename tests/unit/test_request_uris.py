"""Which request_uri values (Core 6.2) Portico fetches: pure rules, no database, no network."""

from types import SimpleNamespace

import pytest

from oidc.errors import InvalidRequestUri
from oidc.request_objects import check_request_uri

REGISTERED = "https://rp.example.org/requests/a.jwt"


def _client(*uris: str):
    return SimpleNamespace(request_uris=" ".join(uris))


@pytest.mark.parametrize(
    "uri",
    [REGISTERED, REGISTERED + "#9f86d081884c7d65", REGISTERED + "#"],
    ids=["exact", "with a fragment", "empty fragment"],
)
def test_registration_2_a_registered_request_uri_matches_with_its_fragment_ignored(uri):
    check_request_uri(uri, client=_client(REGISTERED, "https://rp.example.org/requests/b.jwt"))


@pytest.mark.parametrize(
    "uri",
    [
        "https://rp.example.org/requests/a.jwt?x=1",
        "https://rp.example.org/requests/A.jwt",
        "https://rp.example.org/requests/a.jwt/",
        "https://rp.example.org.evil.example/requests/a.jwt",
    ],
)
def test_registration_2_anything_else_is_refused_without_prefix_or_case_folding(uri):
    with pytest.raises(InvalidRequestUri) as caught:
        check_request_uri(uri, client=_client(REGISTERED))
    assert caught.value.description == (
        "request_uri is not one of the client's registered request_uris (Registration 2)"
    )


def test_core_6_2_a_client_without_registered_request_uris_may_use_any_https_url():
    check_request_uri("https://cdn.example.net/objects/1.jwt", client=_client())


@pytest.mark.parametrize(
    "uri",
    [
        "ftp://rp.example.org/a.jwt",
        "file:///etc/passwd",
        "https:///no-host",
        "https://[::1/a.jwt",
        "https://rp.example.org/" + "a" * 500,
    ],
    ids=["ftp", "file", "no host", "broken IPv6 host", "over 512 characters"],
)
def test_rfc9101_5_2_only_fetchable_urls_of_at_most_512_characters(uri):
    with pytest.raises(InvalidRequestUri) as caught:
        check_request_uri(uri, client=_client())
    assert (
        caught.value.description
        == "request_uri must be an https URL of at most 512 characters (Core 6.2, RFC 9101 5.2)"
    )


def test_http_only_while_the_issuer_itself_is_http(settings):
    settings.PORTICO_ISSUER = "https://id.example.com"
    with pytest.raises(InvalidRequestUri):
        check_request_uri("http://rp.example.org/a.jwt", client=_client())
    settings.PORTICO_ISSUER = "http://127.0.0.1:8000"
    check_request_uri("http://127.0.0.1:9999/a.jwt", client=_client())
