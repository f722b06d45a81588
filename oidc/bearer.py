"""RFC 6750 bearer token extraction and lookup. Access tokens are looked up by digest only."""

import hashlib
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import errors
from .models import AccessToken
from .prepared import PreparedLookup


def extract(request) -> tuple[str | None, errors.OAuthError | None]:
    """RFC 6750 2.1 (header) and 2.2 (form body); 2.3 (query) is not accepted (RFC 9700 4.3.2)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    from_header = None
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return None, errors.InvalidToken()
        from_header = value.strip()
    from_body = None
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        from_body = request.POST.get("access_token")
    if from_header and from_body:
        return None, errors.InvalidRequest("The access token was sent more than one way.")
    token = from_header or from_body
    return (token, None) if token else (None, errors.MissingToken())


# What userinfo and introspection read from a token, its client and its user: the query names these
# columns only (the client row alone has ~50), which roughly halves the ORM's work on the hot path.
_CLIENT_FIELDS = (
    "client_id",
    "is_active",
    "subject_type",
    "sector_identifier_uri",
    "redirect_uris",
    "userinfo_signed_response_alg",
)


@lru_cache(maxsize=1)
def _columns() -> tuple[str, ...]:
    user_fields = [
        f"user__{field.name}" for field in get_user_model()._meta.concrete_fields if field.name != "password"
    ]
    token_fields = ["expires", "scope", "claims", "created", "user", "application"]
    return (*token_fields, *user_fields, *(f"application__{name}" for name in _CLIENT_FIELDS))


# No ORDER BY and one LIMIT: token_checksum is unique. Compiled once (oidc/prepared.py).
_BY_CHECKSUM = PreparedLookup(
    lambda checksum: (
        AccessToken.objects.select_related("user", "application")
        .only(*_columns())
        .filter(token_checksum=checksum)
        .order_by()[:1]
    )
)


def lookup(token: str) -> AccessToken | None:
    """The live token for this value, with its user and client, in one indexed query."""
    checksum = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
    access_token = _BY_CHECKSUM.first(checksum)
    if access_token is None:
        return None
    if access_token.expires <= timezone.now():
        return None
    if access_token.application is not None and not access_token.application.is_active:
        return None
    if access_token.user is not None and not access_token.user.is_active:
        return None
    return access_token
