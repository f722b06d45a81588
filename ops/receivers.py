"""What the other apps announce, counted. No query: a receiver only increments a counter."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from oauth2_provider.signals import app_authorized

from accounts.events import sign_in_refused
from accounts.models import SecurityEvent
from oidc.events import consent_decided

from . import metrics


@receiver(app_authorized, dispatch_uid="ops.tokens_issued")
def count_token(sender, request, token, **kwargs):
    grant_type = request.POST.get("grant_type", "")
    # The label set stays bounded: only the grant types the token endpoint accepts reach this point.
    metrics.TOKENS_ISSUED.labels(grant_type=grant_type[:60]).inc()


@receiver(post_save, sender=SecurityEvent, dispatch_uid="ops.sign_in_succeeded")
def count_sign_in(sender, instance, created, **kwargs):
    if created and instance.kind == SecurityEvent.Kind.SIGN_IN:
        metrics.SIGN_INS.labels(outcome="succeeded").inc()


@receiver(sign_in_refused, dispatch_uid="ops.sign_in_refused")
def count_refusal(sender, reason, **kwargs):
    metrics.SIGN_INS.labels(outcome=reason).inc()


@receiver(consent_decided, dispatch_uid="ops.consent_decided")
def count_consent(sender, given, **kwargs):
    metrics.CONSENTS.labels(decision="given" if given else "denied").inc()
