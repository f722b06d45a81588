"""Account mail (verification links, security notices, address-change notices, invitations), sent off the
request path by the django-tasks worker (`manage.py db_worker`); password reset mail has its own task
(accounts/reset.py).

A request only writes a task row, in its own transaction (the database backend stores the task as a row, so
a request that rolls back sends nothing, and the worker sees the row only once it is committed). The task
carries what the worker needs to find the rows again (account, event, invitation) and builds the mail from
them, so it never talks to the mail relay while a visitor waits. A mail that is no longer true when the
worker runs (an address changed since, an invitation used) is dropped.

A relay that fails is logged with the kind of mail and the error class (never the address, a link or a
token) and tried again later, at most MAX_ATTEMPTS times in all; then the mail is given up.
"""

import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from . import conf, emails, verification
from .models import Invitation, SecurityEvent

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
# Wait before attempt n + 1: FIRST_RETRY * 4 ** (n - 1), i.e. one minute, then four.
FIRST_RETRY = timedelta(minutes=1)

Built = tuple[str, dict] | None  # (recipient, template context), or None: nothing to send any more


def _user(user_id: int):
    return get_user_model().objects.filter(pk=user_id).first()


def _verify_email(*, user_id: int, email: str, next: str = "") -> Built:
    """The link is signed here, in the worker, so no token is ever stored: the task names only the account
    and the address it proves. An address the account no longer holds (or waits for) gets no link."""
    user = _user(user_id)
    if user is None or email.lower() not in (user.email.lower(), user.pending_email.lower()):
        return None
    link = verification.link(user, email, next)
    return email, {"user": user, "link": link, "days": verification.VERIFY_MAX_AGE // 86400}


def _email_change_notice(*, user_id: int, to: str, new_email: str) -> Built:
    """Sent to the address held when the change was asked for, even if the change is confirmed by now."""
    user = _user(user_id)
    return (to, {"user": user, "new_email": new_email}) if user is not None else None


def _account_exists(*, user_id: int) -> Built:
    user = _user(user_id)
    return (user.email, {"user": user}) if user is not None and user.email else None


def _security_notice(*, event_id: int) -> Built:
    event = SecurityEvent.objects.select_related("user").filter(pk=event_id).first()
    if event is None or not event.user.email:
        return None
    return event.user.email, {"user": event.user, "event": event}


def _invitation(*, invitation_id: int, code: str) -> Built:
    """The invitation code is a task argument in clear: the table keeps only its digest, so the worker
    cannot make it again, and the mail itself carries it. The task row keeps it until the task results are
    pruned (`manage.py prune_db_task_results`); an invitation used or expired is not sent."""
    invitation = Invitation.objects.filter(
        pk=invitation_id, used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()
    if invitation is None or not invitation.email:
        return None
    link = conf.base_url() + reverse("accounts:signup") + "?" + urlencode({"invite": code})
    return invitation.email, {"link": link, "expires_at": invitation.expires_at}


BUILDERS: dict[str, Callable[..., Built]] = {
    "verify_email": _verify_email,
    "email_change_notice": _email_change_notice,
    "account_exists": _account_exists,
    "security_notice": _security_notice,
    "invitation": _invitation,
}


def enqueue(kind: str, **arguments) -> None:
    """Write the task in the caller's transaction. Arguments: ids and addresses, never a secret the worker
    can derive itself."""
    if kind not in BUILDERS:
        raise ValueError(f"unknown account mail {kind!r}")
    send_account_mail.enqueue(kind, arguments)


def send_verification(user, email: str, next_url: str = "") -> None:
    enqueue("verify_email", user_id=user.pk, email=email, next=next_url)


def send_invitation(invitation: Invitation, code: str) -> None:
    enqueue("invitation", invitation_id=invitation.pk, code=code)


def _retry_later(kind: str, arguments: dict, attempt: int, error: Exception) -> str:
    if attempt >= MAX_ATTEMPTS:
        logger.warning("account mail %s not sent, given up after %d attempts: %s",
                       kind, attempt, type(error).__name__)
        return "given up"
    logger.warning("account mail %s not sent (attempt %d of %d): %s",
                   kind, attempt, MAX_ATTEMPTS, type(error).__name__)
    retry_at = timezone.now() + FIRST_RETRY * 4 ** (attempt - 1)
    send_account_mail.using(run_after=retry_at).enqueue(kind, arguments, attempt + 1)
    return "retry"


@task()
def send_account_mail(kind: str, arguments: dict, attempt: int = 1) -> str:
    """One attempt at one account mail (the db_worker runs it). The hourly allowance of an address
    (emails.PER_ADDRESS_PER_HOUR) is counted once per mail, on its first attempt."""
    built = BUILDERS[kind](**arguments)
    if built is None:
        return "not needed"
    to, context = built
    try:
        sent = emails.send(kind, to=to, context=context, count=attempt == 1)
    except (OSError, smtplib.SMTPException) as error:
        return _retry_later(kind, arguments, attempt, error)
    return "sent" if sent else "over allowance"
