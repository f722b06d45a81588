"""Fetching a client's documents (jwks_uri, later sector_identifier_uri): bounded, cached, SSRF-safe.

Only https (http too while the issuer itself is plain http, i.e. in development); at most 64 KiB; 5 s
timeout; no redirects; and never to loopback, private, link-local or otherwise internal addresses unless
PORTICO_ALLOW_PRIVATE_FETCH is on (development and tests), so a registered URL cannot be used to probe the
provider's own network.
"""

import hashlib
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache

from . import conf

MAX_BYTES = 64 * 1024
TIMEOUT = 5.0
CACHE_SECONDS = 300
MIN_REFETCH_SECONDS = 60


class FetchError(Exception):
    """The document could not be fetched or is not acceptable; the message is safe to show the client."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise FetchError(f"redirects are not followed ({code})")


_opener = urllib.request.build_opener(_NoRedirect)


def _check_address(host: str, port: int) -> None:
    if settings.PORTICO_ALLOW_PRIVATE_FETCH:
        return
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise FetchError(f"{host} resolves to a non-public address")


def fetch_json(url: str) -> dict:
    parts = urlsplit(url)
    allowed = ("https",) if conf.issuer().startswith("https://") else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise FetchError("only https URLs are fetched")
    _check_address(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, headers={"Accept": "application/json", "User-Agent": "Portico"}
    )
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:  # noqa: S310 (scheme checked above)
            body = response.read(MAX_BYTES + 1)
    except FetchError:
        raise
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise FetchError(f"fetching {url} failed") from exc
    if len(body) > MAX_BYTES:
        raise FetchError(f"the document at {url} is larger than {MAX_BYTES} bytes")
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise FetchError(f"the document at {url} is not JSON") from exc
    if not isinstance(document, dict):
        raise FetchError(f"the document at {url} is not a JSON object")
    return document


def cached_json(url: str, *, refresh: bool = False) -> dict:
    """fetch_json through the cache. `refresh` (e.g. an unknown kid) refetches, at most once a minute."""
    key = "portico:fetch:" + hashlib.sha256(url.encode()).hexdigest()
    entry = cache.get(key)
    if entry is not None and not (refresh and time.time() - entry["at"] >= MIN_REFETCH_SECONDS):
        return entry["document"]
    document = fetch_json(url)
    cache.set(key, {"document": document, "at": time.time()}, CACHE_SECONDS)
    return document
