"""Refresh tokens (RFC 6749 6): stored as digests, rotated on every use, and every kind of reuse detected
here (RFC 9700 4.14.2):

- a revoked token presented again (replayed after its rotation, or after revocation) revokes its whole
  family (`validate`);
- two requests presenting one live token at once both pass validation; the row lock in `rotate` lets one
  through and the other finds the token already rotated: `RotatedMeanwhile`, and the family is revoked
  (`PorticoValidator.save_bearer_token`).

A chain also ends at an absolute maximum age counted from the sign-in that started it, and with the person's
account. The sign-in context (oidc/sign_in.py) travels along each rotation.
"""

import uuid

from django.db.models import F
from django.utils import timezone
from oauth2_provider.models import refresh_token_expire_timedelta, set_token_value

from .models import RefreshToken
from .prepared import PreparedInsert, PreparedLookup
from .secrets import digest
from .sign_in import SignInContext

_INSERT = PreparedInsert(RefreshToken)

# The row for this checksum, the unrevoked one first, with its access token (and, through RefreshToken's
# manager, its user and client). Several rows may share a checksum: uniqueness is (token_checksum, revoked).
_BY_CHECKSUM = PreparedLookup(
    lambda checksum: (
        RefreshToken.objects.filter(token_checksum=checksum)
        .select_related("access_token")
        .order_by(F("revoked").desc(nulls_first=True))[:1]
    )
)


class RotatedMeanwhile(Exception):
    """The refresh token was rotated by a concurrent request after this one validated it."""

    def __init__(self, family) -> None:
        self.family = family


def _reused(rt: RefreshToken) -> bool:
    """RFC 9700 4.14.2: a revoked refresh token presented again. Its whole family is revoked: the legitimate
    client and an attacker holding a copy cannot be told apart, so neither keeps a live token. (No grace
    period: under hashed storage nothing could be answered to a retry anyway.)"""
    if rt.token_family:
        RefreshToken.revoke_family(rt.token_family)
    return False


def validate(refresh_token: str, client, request) -> bool:
    """RFC 6749 6: a live token of this client, within its lifetimes, of a person who can still sign in; the
    row, its user and its sign-in context go onto oauthlib's request."""
    rt = _BY_CHECKSUM.first(digest(refresh_token))
    if rt is None:
        return False
    if rt.revoked is not None:
        return _reused(rt)
    if rt.access_token is None or rt.application_id != client.pk:
        return False
    expire_delta = refresh_token_expire_timedelta()
    if expire_delta and rt.access_token.expires + expire_delta <= timezone.now():
        return False  # the sliding lifetime (REFRESH_TOKEN_EXPIRE_SECONDS after its access token's expiry)
    if rt.past_max_age() or not rt.user.is_active:
        return False
    request.user = rt.user
    request.refresh_token = refresh_token
    request.refresh_token_instance = rt
    SignInContext.of(rt).apply(request)
    return True


def retire(previous: RefreshToken) -> None:
    """Rotation's first half: the presented token is revoked, only if it is still live (one conditional
    UPDATE that locks the row). Raises RotatedMeanwhile when a concurrent request rotated it first."""
    if not previous.retire():
        raise RotatedMeanwhile(previous.token_family)


def create(request, value: str, access_token, previous: RefreshToken | None) -> RefreshToken:
    """A new token: the successor in `previous`'s family (same family and start), or a new family."""
    context = SignInContext.from_request(request)
    refresh_token = RefreshToken(
        user=request.user,
        application=request.client,
        access_token=access_token,
        token_family=previous.token_family if previous else uuid.uuid4(),
        resource=getattr(request, "resource", []),
        family_started=previous.family_started if previous else timezone.now(),
        claims=context.claims,
        **context.fields(),
    )
    set_token_value(refresh_token, value)
    _INSERT.save(refresh_token)
    return refresh_token
