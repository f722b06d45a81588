"""Sign-in bookkeeping: every login becomes a SignIn row (accounts/sessions.py); logout ends it."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from . import sessions


@receiver(user_logged_in)
def record_sign_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    # The view that authenticated the person says how (accounts/views.py); a password by default.
    sessions.start(request, user, amr=getattr(request, "portico_amr", None) or ["pwd"])


@receiver(user_logged_out)
def end_sign_in(sender, request, user, **kwargs):
    if request is not None:
        sessions.end(request)
