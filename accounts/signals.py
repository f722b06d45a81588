"""Sign-in bookkeeping: every login becomes a SignIn row (accounts/sessions.py); logout ends it."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import flows, sessions


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


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts.deactivated_user_signed_out")
def sign_out_deactivated(sender, instance, **kwargs):
    """A deactivated account is signed out everywhere (and its apps told), however it was deactivated."""
    if not instance.is_active:
        flows.end_sign_ins(instance, reason="deactivated")
