"""Discovery and JWKS documents: computed from configuration and keys, cheap to serve, cacheable."""

import hashlib
import json

from django.http import HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

from .. import conf, discovery, keys

DISCOVERY_MAX_AGE = 3600


def _json(document: dict, *, max_age: int, request) -> HttpResponse:
    body = json.dumps(document, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    response: HttpResponse
    if request.META.get("HTTP_IF_NONE_MATCH") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"  # Public documents, read by browser-based clients.
    return response


@require_GET
def openid_configuration(request):
    return _json(discovery.metadata(), max_age=DISCOVERY_MAX_AGE, request=request)


@require_GET
def jwks(request):
    return _json(keys.jwks(), max_age=conf.jwks_max_age(), request=request)
