"""Password reset mail, sent off the request path by the django-tasks worker (`manage.py db_worker`).

The request only enqueues a task, the same one whether or not an account uses the address, so neither the
answer nor its timing says which addresses have accounts (looking the account up, making the token and
talking to the mail relay all happen in the worker). A mail relay that is down is logged, never shown.
"""

import logging
import smtplib

from django.conf import settings
from django_tasks import task

from . import conf, emails, throttle
from .forms import PortalPasswordResetForm

logger = logging.getLogger(__name__)


# Of an address's hourly mail allowance (emails.PER_ADDRESS_PER_HOUR), what one requester network may use:
# no single network can use it all up and leave the owner's own request unanswered.
PER_NETWORK_AND_ADDRESS_PER_HOUR = 3


def may_request(ip: str | None, email: str) -> bool:
    """Per network: the reset throttle (counted on every request), then its share of this address's mail.
    A refused requester consumes nothing of the address's allowance (the task is never enqueued)."""
    network = throttle.ip_key(ip, "reset")
    if not throttle.reserve([network]).allowed:
        return False
    if network is None:
        return True
    pair = f"{network}:{emails.address_key(email)}"
    return throttle.within(pair, limit=PER_NETWORK_AND_ADDRESS_PER_HOUR, window=3600)


def request_reset(email: str) -> None:
    send_password_reset.enqueue(email)


@task()
def send_password_reset(email: str) -> str:
    """Django's reset form does the work (only active accounts with a usable password get a link); links are
    built from the issuer (conf.base_url), never from a request's Host header."""
    form = PortalPasswordResetForm({"email": email})
    if not form.is_valid():
        return "invalid"
    context: dict = {"hours": max(settings.PASSWORD_RESET_TIMEOUT // 3600, 1)}
    try:
        form.save(domain_override=conf.base_url(), extra_email_context=context)
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("account mail password_reset not sent: %s", type(error).__name__)
        return "mail failed"
    return "done"
