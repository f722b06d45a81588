"""Redirect URI matching: the one strict matcher every path that sends a browser somewhere uses (the
authorization endpoint through django-oauth-toolkit, request-object errors, logout).

RFC 9700 4.1.3 / RFC 6749 3.1.2.3: simple string comparison with a registered URI. The one exception is RFC
8252 7.3: a native app's loopback redirect may use any port, chosen at run time.

Before any comparison, a URI that a browser and Python could read differently is refused outright:
backslashes (browsers treat them as "/", so `http://evil.example\\@127.0.0.1/` goes to evil.example while
urlsplit sees 127.0.0.1), userinfo, whitespace and control characters.
"""

import re
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1"})
_AMBIGUOUS = re.compile(r"[\\\s\x00-\x1f\x7f]")


def _parts(uri: str) -> SplitResult | None:
    """The URI's parts, or None when it is ambiguous or unparseable."""
    if not isinstance(uri, str) or not uri or _AMBIGUOUS.search(uri):
        return None
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError:
        return None
    if "@" in parts.netloc:
        return None  # userinfo: never part of a redirect target
    return parts


def is_unambiguous(uri: str) -> bool:
    """No backslash, whitespace, control character or userinfo, and parseable."""
    return _parts(uri) is not None


def is_loopback(uri: str) -> bool:
    """RFC 8252 7.3: http on a loopback IP literal ("localhost" is not recommended, 8.3)."""
    parts = _parts(uri)
    return parts is not None and parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK_HOSTS


def matches(registered: Iterable[str], requested: str, *, native: bool = False) -> bool:
    """RFC 6749 3.1.2.3 / RFC 9700 4.1.3: `requested` is one of the `registered` URIs, character for
    character; for a native app on a loopback address, any port (RFC 8252 7.3)."""
    asked = _parts(requested)
    if asked is None:
        return False
    registered = [uri for uri in registered if is_unambiguous(uri)]
    if requested in registered:
        return True
    if not native or not is_loopback(requested):
        return False
    key = (asked.scheme, asked.hostname, asked.path, asked.query)
    return any(
        (r.scheme, r.hostname, r.path, r.query) == key
        for r in map(urlsplit, registered)
        if is_loopback(r.geturl())
    )


def origin(uri: str) -> str:
    """scheme://host[:port] of a URI (for a form_post page's form-action), "" when it has none."""
    parts = _parts(uri)
    if parts is None or not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def on_hosts(uri: str, patterns: Iterable[str]) -> bool:
    """Is the URI's host one of `patterns`: "app.example.com" exactly, "*.example.com" any subdomain."""
    parts = _parts(uri)
    host = ((parts.hostname if parts else "") or "").lower()
    for pattern in (p.lower() for p in patterns):
        if host and (host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))):
            return True
    return False
