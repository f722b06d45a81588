"""Back-Channel Logout 1.0 delivery, durable: the LogoutDelivery row is the record and its schedule, a
django-tasks task (run by `manage.py db_worker`) is the wake-up call.

Each attempt is claimed with one conditional UPDATE (due, and pending or abandoned by a dead worker), so
several workers, or a task enqueued twice, never send the same attempt twice. Every attempt gets a freshly
signed logout_token (new jti, iat, exp). Failures are retried with exponential backoff until the delivery
is PORTICO_LOGOUT_RETRY_PERIOD old, then it is marked failed and stays visible in the admin."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from .. import conf, fetch
from .models import LogoutDelivery
from .tokens import issue_logout_token

logger = logging.getLogger(__name__)
Status = LogoutDelivery.Status
# Longest wait between two attempts, whatever the backoff says.
MAX_INTERVAL = timedelta(hours=1)


def schedule(client, *, sid: str, sub: str, reason: str) -> LogoutDelivery:
    """Write the delivery and its wake-up in the caller's transaction: the database backend stores the task
    as a row too, so neither exists without the other, and the worker sees both only once committed."""
    row = LogoutDelivery.objects.create(client=client, sid=sid, sub=sub, reason=reason)
    send_logout.enqueue(row.pk)
    return row


def claim(delivery_id: int, *, now: datetime) -> LogoutDelivery | None:
    """Take the next attempt of this delivery, or None when it is not due, done, or another worker has it.
    The lease (claimed_until) outlasts one attempt's timeouts; a worker that dies mid-send loses it."""
    lease = now + timedelta(seconds=4 * conf.logout_timeout() + 30)
    taken = (
        LogoutDelivery.objects.filter(pk=delivery_id, next_attempt_at__lte=now)
        .filter(Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_until__lt=now))
        .update(status=Status.SENDING, claimed_until=lease, attempts=F("attempts") + 1, last_attempt_at=now)
    )
    if not taken:
        return None
    return LogoutDelivery.objects.select_related("client").get(pk=delivery_id)


def post_logout_token(url: str, logout_token: str) -> str:
    """Back-Channel 2.5: POST the token form-encoded; 200 (or 204, which some frameworks send) is success.
    Under fetch.py's outbound rules (public addresses only, short deadline, no redirects followed).
    Returns "" on success, else what went wrong (never the token)."""
    try:
        status = fetch.post_form(url, {"logout_token": logout_token}, seconds=conf.logout_timeout())
    except fetch.FetchError as exc:
        return str(exc)
    return "" if status in (200, 204) else f"HTTP {status}"


def next_attempt(row: LogoutDelivery, *, now: datetime) -> datetime | None:
    """Exponential backoff from PORTICO_LOGOUT_RETRY_SECONDS; None once the retry period is over."""
    delay = timedelta(seconds=conf.logout_retry_seconds() * 2 ** max(row.attempts - 1, 0))
    when = now + min(delay, MAX_INTERVAL)
    if when > row.created + timedelta(seconds=conf.logout_retry_period()):
        return None
    return when


def record(row: LogoutDelivery, error: str, *, now: datetime) -> str:
    """Close this attempt: delivered, retried later (with its own wake-up), or failed for good."""
    mine = LogoutDelivery.objects.filter(pk=row.pk, status=Status.SENDING, attempts=row.attempts)
    if not error:
        mine.update(status=Status.DELIVERED, finished_at=now, claimed_until=None, last_error="")
        return Status.DELIVERED
    retry_at = next_attempt(row, now=now)
    with transaction.atomic():
        if retry_at is None:
            mine.update(status=Status.FAILED, finished_at=now, claimed_until=None, last_error=error)
            return Status.FAILED
        if mine.update(status=Status.PENDING, next_attempt_at=retry_at, claimed_until=None, last_error=error):
            send_logout.using(run_after=retry_at).enqueue(row.pk)
    return Status.PENDING


@task()
def send_logout(delivery_id: int) -> str:
    """One attempt of one delivery (the db_worker runs it)."""
    row = claim(delivery_id, now=timezone.now())
    if row is None:
        return "not due"
    token = issue_logout_token(row.client, sub=row.sub, sid=row.sid)
    error = post_logout_token(row.client.backchannel_logout_uri, token)
    outcome = record(row, error, now=timezone.now())
    if error:
        logger.warning("back-channel logout to %s: %s (%s)", row.client.client_id, error, outcome)
    return outcome


def sweep(*, now: datetime, grace: timedelta = timedelta(minutes=2)) -> int:
    """Wake up deliveries whose task was lost: a worker killed mid-attempt leaves its row sending (lease
    expired) and its task row running for ever; a pending row long past due has no live task either.
    Enqueuing again is harmless: claim() lets one attempt through. Run by `manage.py resume_logouts`."""
    lost = LogoutDelivery.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__lte=now - grace)
        | Q(status=Status.SENDING, claimed_until__lt=now)
    )
    count = 0
    with transaction.atomic():
        for pk in lost.values_list("pk", flat=True):
            send_logout.enqueue(pk)
            count += 1
    return count


def retry_now(queryset) -> int:
    """Admin: send failed or waiting deliveries again, from a fresh retry period."""
    now = timezone.now()
    count = 0
    with transaction.atomic():
        for row in queryset.filter(status__in=[Status.FAILED, Status.PENDING]):
            LogoutDelivery.objects.filter(pk=row.pk).update(
                status=Status.PENDING, next_attempt_at=now, created=now, finished_at=None
            )
            send_logout.enqueue(row.pk)
            count += 1
    return count
