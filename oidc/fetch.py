"""Fetching a client's documents (jwks_uri, sector_identifier_uri, request_uri): bounded, cached, SSRF-safe.

Only https (http too while the issuer itself is plain http, i.e. in development); at most 64 KiB; no
redirects; and never to loopback, private, link-local or otherwise internal addresses unless
PORTICO_ALLOW_PRIVATE_FETCH is on (development and tests), so a registered URL cannot be used to probe the
provider's own network.

An unauthenticated request (a client_assertion, a request object) can name a client whose jwks_uri is
slow on purpose. So that it cannot hold workers: the whole fetch has one deadline (a server dripping a byte
at a time is cut off, not only a silent one); a URL that failed is not fetched again for a while (the
failure is cached, shared by every worker); and one process runs only a few fetches per host at once, the
others failing at once rather than queueing. Name resolution is bounded by the resolver's own timeouts.
"""

import hashlib
import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache

from . import conf

MAX_BYTES = 64 * 1024
CACHE_SECONDS = 300  # a fetched document is used this long before it is fetched again
# ...and while that refetch fails, for up to this long in all, so a client's brief outage does not lock it
# out; bounded, since a key removed from the document (e.g. after a compromise) must stop working.
STALE_SECONDS = 3600
MIN_REFETCH_SECONDS = 60  # an unknown kid refetches a document at most this often


class FetchError(Exception):
    """The document could not be fetched or is not acceptable; the message is safe to show the client."""


class HostRefused(FetchError):
    """The name does not resolve, or resolves to an address that is not fetched (private, loopback)."""


class HostBusy(FetchError):
    """Too many fetches to this host are running in this process: not the URL's fault, so not cached."""


def _resolve(host: str, port: int) -> str:
    """The address to connect to. Every address the name resolves to must be public, and the connection is
    made to the address checked here, so a DNS answer that changes between check and connect (DNS
    rebinding) cannot point the request at an internal host."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostRefused(f"cannot resolve {host}") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not settings.PORTICO_ALLOW_PRIVATE_FETCH:
        for address in addresses:
            if not address.is_global or address.is_multicast:
                raise HostRefused(f"{host} resolves to a non-public address")
    return str(addresses[0])


def _connection(scheme: str, host: str, port: int, *, timeout: float) -> http.client.HTTPConnection:
    """A connection to the pinned address; TLS still verifies the certificate for `host` (and sends it as
    SNI), and the Host header names it."""
    pinned = _resolve(host, port)
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)

    def connect_pinned(address, timeout=timeout, source_address=None):
        return socket.create_connection((pinned, port), timeout, source_address)

    connection._create_connection = connect_pinned  # type: ignore[attr-defined]
    return connection


_slots_lock = threading.Lock()
_slots_in_use: dict[str, int] = {}


@contextmanager
def _host_slot(host: str) -> Iterator[None]:
    """At most conf.fetch_per_host() fetches to one host at once, per process (each worker process counts
    on its own). A fetch finding none free fails at once: waiting would let a slow host hold workers."""
    with _slots_lock:
        if _slots_in_use.get(host, 0) >= conf.fetch_per_host():
            raise HostBusy(f"too many fetches to {host} are in progress; try again later")
        _slots_in_use[host] = _slots_in_use.get(host, 0) + 1
    try:
        yield
    finally:
        with _slots_lock:
            _slots_in_use[host] -= 1
            if not _slots_in_use[host]:
                del _slots_in_use[host]


class _Deadline:
    """Hangs up the connection when the fetch's total time is up. A socket timeout only bounds each read,
    so a server sending a byte every few seconds would never trip it; shutting the socket down ends
    whatever read is blocked (headers, body or TLS)."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float):
        self.passed = False
        self._connection = connection
        self._timer = threading.Timer(seconds, self._hang_up)
        self._timer.daemon = True

    def _hang_up(self) -> None:
        self.passed = True
        sock = self._connection.sock
        if sock is not None:
            try:
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, also under TLS
            except OSError:
                pass

    def __enter__(self) -> "_Deadline":
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()


def fetchable_schemes() -> tuple[str, ...]:
    """https; http too while the issuer itself is plain http (development). One rule for every client
    document (jwks_uri, sector_identifier_uri), at registration as at fetch time."""
    return ("https",) if conf.issuer().startswith("https://") else ("https", "http")


def _target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path and query) of a URL that may be fetched."""
    parts = urlsplit(url)
    if parts.scheme not in fetchable_schemes() or not parts.hostname:
        raise FetchError("only https URLs are fetched")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError("the URL's port is not valid") from exc
    return (
        parts.scheme,
        parts.hostname,
        port,
        (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
    )


def _get(url: str, *, accept: str = "application/json") -> bytes:
    """The body of a 200 answer to GET `url`, all within conf.fetch_deadline() seconds."""
    scheme, host, port, target = _target(url)
    seconds = conf.fetch_deadline()
    connection = _connection(scheme, host, port, timeout=seconds)
    deadline = _Deadline(connection, seconds)
    try:
        with deadline:
            connection.request("GET", target, headers={"Accept": accept, "User-Agent": "Portico"})
            response = connection.getresponse()
            if 300 <= response.status < 400:
                raise FetchError(f"redirects are not followed ({response.status})")
            if response.status != 200:
                raise FetchError(f"fetching {url} failed ({response.status})")
            body = response.read(MAX_BYTES + 1)
    except FetchError:
        raise
    except (http.client.HTTPException, OSError, ValueError) as exc:
        if deadline.passed:
            raise FetchError(f"fetching {url} took longer than {seconds:g} s") from exc
        raise FetchError(f"fetching {url} failed") from exc
    finally:
        connection.close()
    if deadline.passed:  # a body without Content-Length ends at the hang-up: it may be cut short
        raise FetchError(f"fetching {url} took longer than {seconds:g} s")
    return body


def post_form(url: str, fields: dict[str, str], *, seconds: float) -> int:
    """POST form fields to `url` under the same rules as a fetch (public addresses only, scheme rule, total
    deadline, no redirects followed); the answer's status. Back-Channel Logout 2.5 sends with it."""
    scheme, host, port, target = _target(url)
    with _host_slot(host):
        connection = _connection(scheme, host, port, timeout=seconds)
        deadline = _Deadline(connection, seconds)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "Portico"}
        try:
            with deadline:
                connection.request("POST", target, body=urlencode(fields), headers=headers)
                response = connection.getresponse()
                response.read(MAX_BYTES)
        except (http.client.HTTPException, OSError, ValueError) as exc:
            if deadline.passed:
                raise FetchError(f"{url} did not answer within {seconds:g} s") from exc
            raise FetchError(f"{type(exc).__name__}: {exc}"[:300]) from exc
        finally:
            connection.close()
    return response.status


def fetch_json(url: str, *, expect: type = dict):
    """The JSON document at `url`, which must be a JSON object (or, with expect=list, an array)."""
    with _host_slot(_target(url)[1]):
        body = _get(url)
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


def _request_object(url: str) -> str:
    with _host_slot(_target(url)[1]):
        body = _get(url, accept="application/oauth-authz-req+jwt, application/jwt")
    if len(body) > MAX_BYTES:
        raise FetchError(f"the document at {url} is larger than {MAX_BYTES} bytes")
    try:
        return body.decode("ascii").strip()  # a JWS compact serialization is ASCII (RFC 7515 7.1)
    except UnicodeDecodeError as exc:
        raise FetchError(f"the document at {url} is not a JWT") from exc


def fetch_request_object(url: str) -> str:
    """Core 6.2: the request object at a request_uri, under the rules of every fetch; a URL that failed is
    not fetched again for a while. A fetched object is not cached: it is made for one request."""
    return _fetch_unless_failed_lately(url, _request_object)


def _cache_key(kind: str, url: str) -> str:
    return f"portico:{kind}:" + hashlib.sha256(url.encode()).hexdigest()


def _fetch_unless_failed_lately(url: str, fetcher: Callable[[str], Any] = fetch_json) -> Any:
    """fetcher(url), unless the URL failed within conf.fetch_failure_ttl() seconds: then that failure again,
    without a request. The failure is kept in Django's cache, so every worker process sees it."""
    failed_key = _cache_key("fetch-failed", url)
    failure = cache.get(failed_key)
    if isinstance(failure, tuple):  # (refused host?, message)
        raise (HostRefused if failure[0] else FetchError)(failure[1])
    try:
        return fetcher(url)
    except HostBusy:
        raise
    except FetchError as exc:
        failure = (isinstance(exc, HostRefused), f"{exc} (not fetched again for a while)")
        cache.set(failed_key, failure, conf.fetch_failure_ttl())
        raise


def cached_json(url: str, *, refresh: bool = False, now: float | None = None) -> dict:
    """fetch_json through the cache. A document is used for CACHE_SECONDS; `refresh` (e.g. an unknown kid)
    refetches sooner, at most once per MIN_REFETCH_SECONDS. While a refetch fails, the document fetched
    before keeps being used (up to STALE_SECONDS after it was fetched)."""
    now = time.time() if now is None else now
    key = _cache_key("fetch", url)
    entry = cache.get(key)
    if entry is not None and now - entry["at"] < (MIN_REFETCH_SECONDS if refresh else CACHE_SECONDS):
        return entry["document"]
    try:
        document = _fetch_unless_failed_lately(url)
    except FetchError:
        if entry is not None and now - entry["at"] < STALE_SECONDS:
            return entry["document"]
        raise
    cache.set(key, {"document": document, "at": now}, STALE_SECONDS)
    return document
