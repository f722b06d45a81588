"""Account emails: a subject, a plain-text and an HTML template per message (templates/accounts/email/).

Sent only by the worker (accounts/mail_tasks.py, accounts/reset.py), never inside a request."""

import hashlib
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from . import conf, throttle

logger = logging.getLogger(__name__)
PER_ADDRESS_PER_HOUR = 10


def _within_rate(to: str) -> bool:
    """At most a few messages an hour to one address, whoever asks (sign-ups, resets, address changes):
    the service cannot be used to flood someone's inbox. Running out is logged: it may be someone using up
    the allowance so that the owner's own requests go unanswered."""
    if throttle.within(address_key(to), limit=PER_ADDRESS_PER_HOUR, window=3600):
        return True
    logger.warning("account mail allowance of an address used up for this hour")
    return False


def address_key(to: str) -> str:
    return "portico:mail:" + hashlib.sha256(to.strip().lower().encode()).hexdigest()


def send(name: str, *, to: str, context: dict, count: bool = True) -> bool:
    """Render and hand the message to the relay; False when the address's allowance is used up (counted
    unless `count` is off: a retry of a mail already counted). A relay failure (OSError, SMTPException) is
    raised for the caller to log and retry: it never reaches a visitor, since only the worker sends."""
    if count and not _within_rate(to):
        return False
    context = {"base_url": conf.base_url(), "site_name": "Portico", **context}
    subject = " ".join(render_to_string(f"accounts/email/{name}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"accounts/email/{name}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"accounts/email/{name}.html", context), "text/html")
    message.send()
    return True
