"""Purging expired grants and tokens in bounded batches, so tables stay proportional to live sessions.

Every query here filters on an indexed column (expires, revoked, created) and deletes by primary key in
batches, so a purge neither scans nor locks a whole table. Revoked refresh tokens are kept for the
refresh-token lifetime: they are what lets a replayed, rotated token revoke its family (RFC 9700 4.14.2).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone

from . import conf
from .models import AccessToken, ClientAssertion, Grant, IDToken, PushedAuthorizationRequest, RefreshToken


@dataclass
class PurgeReport:
    deleted: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return ", ".join(f"{count} {name}" for name, count in self.deleted.items())


def _delete_in_batches(queryset: models.QuerySet, batch_size: int) -> int:
    model = queryset.model
    total = 0
    while True:
        pks = list(queryset.values_list("pk", flat=True)[:batch_size])
        if not pks:
            return total
        model.objects.filter(pk__in=pks).delete()
        total += len(pks)
        if len(pks) < batch_size:
            return total


def purge(*, now: datetime | None = None, batch_size: int = 5000) -> PurgeReport:
    now = now or timezone.now()
    sliding = timedelta(seconds=conf.refresh_token_ttl())
    report = PurgeReport()
    # One simple indexed condition per pass rather than one OR the planner would have to scan for.
    refresh_conditions = [
        models.Q(revoked__lte=now - sliding),
        models.Q(family_started__lte=now - timedelta(seconds=conf.refresh_token_max_age())),
        models.Q(revoked__isnull=True, access_token__expires__lte=now - sliding),
        models.Q(revoked__isnull=True, access_token__isnull=True),
    ]
    report.deleted["refresh tokens"] = sum(
        _delete_in_batches(RefreshToken.objects.filter(condition), batch_size)
        for condition in refresh_conditions
    )
    report.deleted["access tokens"] = _delete_in_batches(
        AccessToken.objects.filter(expires__lt=now, refresh_token__isnull=True), batch_size
    )
    report.deleted["id tokens"] = _delete_in_batches(
        IDToken.objects.filter(expires__lt=now, access_token__isnull=True), batch_size
    )
    # A code is kept while a token minted from it lives: its sid is how logout finds that token
    # (oidc/logout/sessions.py).
    minted = AccessToken.objects.filter(expires__gte=now).exclude(grant_code="").values("grant_code")
    report.deleted["authorization codes"] = _delete_in_batches(
        Grant.objects.filter(expires__lt=now).exclude(code__in=minted), batch_size
    )
    # A jti must be remembered only while its assertion could still be accepted.
    report.deleted["client assertions"] = _delete_in_batches(
        ClientAssertion.objects.filter(expires__lt=now - timedelta(seconds=60)), batch_size
    )
    # RFC 9126 4: a pushed request no longer usable.
    report.deleted["pushed authorization requests"] = _delete_in_batches(
        PushedAuthorizationRequest.objects.filter(expires__lt=now), batch_size
    )
    return report
