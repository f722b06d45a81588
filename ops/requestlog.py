"""One log line per request: what an operator needs to follow a request across nodes, and nothing secret.

Fields are chosen, never copied from the request: the path and query (which may carry a code or a
request object), headers (Authorization, cookies) and bodies are never logged. The client_id is public
(RFC 6749 2.2) and is taken from the parameters or the user part of HTTP Basic only."""

import base64
import json
import logging
import os
import re
from urllib.parse import unquote

logger = logging.getLogger("portico.requests")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
FIELDS = ("request_id", "method", "route", "status", "duration_ms", "client_id")


def request_id(request) -> str:
    """The caller's X-Request-ID when it is a plain token (it goes into logs and a header), else a new one.
    Read from META: request.headers would parse every header of every request, for one."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if _REQUEST_ID.match(given) else os.urandom(16).hex()


def _basic_client_id(request) -> str:
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except ValueError:  # not base64, characters outside ASCII, or not UTF-8 (binascii.Error is a ValueError)
        return ""
    return unquote(decoded.partition(":")[0])  # RFC 6749 2.3.1: form-encoded; the secret part is dropped


def client_id(request) -> str:
    """Only for requests that name a client; a form body is read only once Django has parsed it."""
    value = request.GET.get("client_id", "")
    if not value and request.method == "POST" and "_post" in request.__dict__:
        value = request.POST.get("client_id", "")
    return (value or _basic_client_id(request))[:100]


def log(request, response, *, route: str, duration: float, rid: str) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return  # LOG_LEVEL above INFO: not even the fields are gathered
    fields = {
        "request_id": rid,
        "method": request.method,
        "route": route,
        "status": response.status_code,
        "duration_ms": round(duration * 1000, 1),
        "client_id": client_id(request),
    }
    # The text form (development) says the same in one readable line; production writes the fields as JSON.
    logger.info(
        "%(method)s %(route)s %(status)s %(duration_ms)sms client_id=%(client_id)s request_id=%(request_id)s",
        fields,
        extra={"portico": fields},
    )


class JsonFormatter(logging.Formatter):
    """JSON lines for production log collectors: time, level, logger, message, and a request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = getattr(record, "portico", None)
        if isinstance(fields, dict):
            line.update({key: fields.get(key) for key in FIELDS})
        else:
            line["message"] = record.getMessage()
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, separators=(",", ":"))
