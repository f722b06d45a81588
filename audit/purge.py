"""Retention: audit events older than PORTICO_AUDIT_RETENTION_DAYS are deleted, oldest first, in batches
(indexed on `at`); 0 keeps them forever."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import AuditEvent


def retention_days() -> int:
    return int(getattr(settings, "PORTICO_AUDIT_RETENTION_DAYS", 365))


def purge(*, now: datetime | None = None, batch_size: int = 5000) -> int:
    days = retention_days()
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    total = 0
    while True:
        pks = list(
            AuditEvent.objects.filter(at__lt=cutoff).order_by("at").values_list("pk", flat=True)[:batch_size]
        )
        if not pks:
            return total
        total += AuditEvent.objects.filter(pk__in=pks).purge()
        if len(pks) < batch_size:
            return total
