"""Fetching a client's documents (jwks_uri, sector_identifier_uri): bounded, cached, SSRF-safe.

Only https (http too while the issuer itself is plain http, i.e. in development); at most 64 KiB; 5 s
timeout; no redirects; and never to loopback, private, link-local or otherwise internal addresses unless
PORTICO_ALLOW_PRIVATE_FETCH is on (development and tests), so a registered URL cannot be used to probe the
provider's own network.
"""

import hashlib
import http.client
import ipaddress
import json
import socket
import ssl
import time
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


def _resolve(host: str, port: int) -> str:
    """The address to connect to. Every address the name resolves to must be public, and the connection is
    made to the address checked here, so a DNS answer that changes between check and connect (DNS
    rebinding) cannot point the request at an internal host."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not settings.PORTICO_ALLOW_PRIVATE_FETCH:
        for address in addresses:
            if not address.is_global or address.is_multicast:
                raise FetchError(f"{host} resolves to a non-public address")
    return str(addresses[0])


def _connection(scheme: str, host: str, port: int) -> http.client.HTTPConnection:
    """A connection to the pinned address; TLS still verifies the certificate for `host` (and sends it as
    SNI), and the Host header names it."""
    pinned = _resolve(host, port)
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(
            host, port, timeout=TIMEOUT, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT)

    def connect_pinned(address, timeout=TIMEOUT, source_address=None):
        return socket.create_connection((pinned, port), timeout, source_address)

    connection._create_connection = connect_pinned  # type: ignore[attr-defined]
    return connection


def fetch_json(url: str, *, expect: type = dict):
    """The JSON document at `url`, which must be a JSON object (or, with expect=list, an array)."""
    parts = urlsplit(url)
    allowed = ("https",) if conf.issuer().startswith("https://") else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise FetchError("only https URLs are fetched")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError("the URL's port is not valid") from exc
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = _connection(parts.scheme, parts.hostname, port)
    try:
        connection.request("GET", target, headers={"Accept": "application/json", "User-Agent": "Portico"})
        response = connection.getresponse()
        if 300 <= response.status < 400:
            raise FetchError(f"redirects are not followed ({response.status})")
        if response.status != 200:
            raise FetchError(f"fetching {url} failed ({response.status})")
        body = response.read(MAX_BYTES + 1)
    except FetchError:
        raise
    except (http.client.HTTPException, OSError, ValueError) as exc:
        raise FetchError(f"fetching {url} failed") from exc
    finally:
        connection.close()
    if len(body) > MAX_BYTES:
        raise FetchError(f"the document at {url} is larger than {MAX_BYTES} bytes")
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise FetchError(f"the document at {url} is not JSON") from exc
    if not isinstance(document, expect):
        kind = "an array" if expect is list else "a JSON object"
        raise FetchError(f"the document at {url} is not {kind}")
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
