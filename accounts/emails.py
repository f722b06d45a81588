"""Account emails: a subject, a plain-text and an HTML template per message (templates/accounts/email/)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from . import conf


def send(name: str, *, to: str, context: dict) -> None:
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
