"""Request parameter hygiene shared by the protocol endpoints: what makes a request malformed before any of
its values is looked at."""

import base64
import binascii

from oauthlib.common import urldecode

# RFC 8707 2: `resource` is the one parameter that may be sent more than once.
REPEATABLE = frozenset({"resource"})


def has_nul(params) -> bool:
    """NUL bytes are never valid in OAuth parameters, and PostgreSQL refuses them in text (a 500 otherwise)."""
    return any("\x00" in value for values in params.lists() for value in values)


def repeated(params) -> list[str]:
    """RFC 6749 3.1 / 3.2: request parameters MUST NOT be included more than once."""
    return sorted(name for name, values in params.lists() if len(values) > 1 and name not in REPEATABLE)


def undecodable_query(query_string: str) -> bool:
    """A query string oauthlib cannot decode (broken percent-encoding, characters outside the form
    encoding): refused up front rather than failing inside oauthlib."""
    try:
        urldecode(query_string)
    except ValueError:
        return True
    return False


def form_charset_problem(request) -> str:
    """RFC 6749 B: form bodies are application/x-www-form-urlencoded in UTF-8."""
    encoding = (request.encoding or "utf-8").lower().replace("_", "-")
    if encoding not in ("utf-8", "utf8", "us-ascii", "ascii"):
        return f"The request body must be UTF-8 encoded, not {request.encoding} (RFC 6749 Appendix B)."
    try:
        request.POST  # noqa: B018 (parses the body once; a broken one raises here)
    except (UnicodeDecodeError, ValueError):
        return "The request body is not valid application/x-www-form-urlencoded UTF-8."
    return ""


def basic_credentials(header: str) -> bytes | None:
    """The decoded bytes of an HTTP Basic authorization header; None when it is not Basic or not base64."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):  # ValueError: non-ASCII characters
        return b""
