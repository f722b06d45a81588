"""PORTICO_SIGNUP=invite: single-use invitation codes, stored as digests, consumed by a conditional UPDATE."""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from .models import Invitation

DEFAULT_DAYS = 14


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def create(*, email: str = "", note: str = "", days: int = DEFAULT_DAYS) -> tuple[Invitation, str]:
    code = secrets.token_urlsafe(24)
    invitation = Invitation.objects.create(
        digest=_digest(code), email=email, note=note, expires_at=timezone.now() + timedelta(days=days)
    )
    return invitation, code


def usable(code: str) -> Invitation | None:
    return Invitation.objects.filter(
        digest=_digest(code), used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


def consume(invitation: Invitation, user) -> bool:
    return (
        Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
            used_at=timezone.now(), used_by=user
        )
        == 1
    )
