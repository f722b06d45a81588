"""Account emails: a subject, a plain-text and an HTML template per message (templates/accounts/email/)."""

import hashlib
import logging
import smtplib

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


def send(name: str, *, to: str, context: dict) -> None:
    if not _within_rate(to):
        return
    context = {"base_url": conf.base_url(), "site_name": "Portico", **context}
    subject = " ".join(render_to_string(f"accounts/email/{name}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"accounts/email/{name}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"accounts/email/{name}.html", context), "text/html")
    try:
        message.send()
    except (OSError, smtplib.SMTPException) as error:
        # A mail relay that is down is the operator's to see, never the visitor's (no 500, and no
        # difference between addresses that have accounts and those that do not).
        logger.warning("account mail %s not sent: %s", name, type(error).__name__)
