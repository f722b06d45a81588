"""Back-channel logout deliveries: one row per (ended sign-in, client), the durable record of what must be
sent, what was tried and how it ended. Imported by oidc/models.py, so the app label is `oidc`."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LogoutDelivery(models.Model):
    """Back-Channel Logout 1.0 section 2.5: a logout_token POSTed to the client's backchannel_logout_uri.

    Written in the transaction that ends the sign-in, so a logout is never lost between the database and a
    queue. The worker claims an attempt with a conditional UPDATE (oidc/logout/delivery.py): two workers
    never send the same attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    client = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="logout_deliveries"
    )
    # What the logout_token names: the sign-in's sid and the sub this client knows the person by (pairwise
    # where registered), fixed when the sign-in ended.
    sid = models.CharField(_("session id"), max_length=64, blank=True)
    sub = models.CharField(_("subject"), max_length=255)
    reason = models.CharField(_("why the sign-in ended"), max_length=32, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # A claimed attempt whose worker died is taken again once this passes.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("back-channel logout delivery")
        verbose_name_plural = _("back-channel logout deliveries")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="logout_delivery_due"),
            models.Index(fields=["client", "status"], name="logout_delivery_client"),
        ]

    def __str__(self) -> str:
        return f"logout of {self.sid or self.sub} to {self.client} ({self.status})"
