"""Discovery and JWKS documents: built once from configuration and keys, served from memory."""

import hashlib
import json

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

from .. import conf, discovery, keys

DISCOVERY_MAX_AGE = 3600


class _Document:
    """A JSON document serialized once, with its strong ETag."""

    def __init__(self, source: dict) -> None:
        self.source = source
        self.body = json.dumps(source, separators=(",", ":")).encode()
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'

    def response(self, request, *, max_age: int) -> HttpResponse:
        response: HttpResponse
        if request.META.get("HTTP_IF_NONE_MATCH") == self.etag:
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(self.body, content_type="application/json")
        response["ETag"] = self.etag
        response["Cache-Control"] = f"public, max-age={max_age}"
        response["Access-Control-Allow-Origin"] = "*"  # Public documents, read by browser-based clients.
        return response


# Discovery depends on settings only; the JWKS on the key set, which keys.jwks() returns as the same object
# until the keys are reloaded.
_documents: dict[str, _Document] = {}


@receiver(setting_changed)
def _settings_changed(**kwargs):
    _documents.clear()


@require_GET
def openid_configuration(request):
    document = _documents.get("discovery")
    if document is None:
        document = _documents["discovery"] = _Document(discovery.metadata())
    return document.response(request, max_age=DISCOVERY_MAX_AGE)


@require_GET
def jwks(request):
    source = keys.jwks()
    document = _documents.get("jwks")
    if document is None or document.source is not source:
        document = _documents["jwks"] = _Document(source)
    return document.response(request, max_age=conf.jwks_max_age())
