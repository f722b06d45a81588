"""The audit log: an append-only record of administrative and security-relevant actions. A row is never
changed or deleted one by one; only the retention purge (audit/purge.py) removes rows, oldest first."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    """Append-only for querysets too: update(), bulk_update() and delete() refuse; purge() is the one way rows
    go, used by the retention purge (audit/purge.py)."""

    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are never changed.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("Audit events are never changed.")

    def delete(self):
        raise AppendOnlyError("Audit events are removed only by the retention purge (audit_purge).")

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def purge(self) -> int:
        """Delete these rows (the retention purge's, and only its, way to remove audit events)."""
        return models.QuerySet.delete(self)[0]


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        CLIENT_CREATED = "client_created", _("Client created")
        CLIENT_CHANGED = "client_changed", _("Client changed")
        CLIENT_SECRET_ROTATED = "client_secret_rotated", _("Client secret rotated")
        CLIENT_DISABLED = "client_disabled", _("Client disabled")
        CLIENT_DELETED = "client_deleted", _("Client deleted")
        KEY_ROTATED = "key_rotated", _("Signing key rotated")
        CONSENT_GIVEN = "consent_given", _("Consent given")
        CONSENT_REMOVED = "consent_removed", _("Consent removed")
        TOKENS_REVOKED = "tokens_revoked", _("Tokens revoked")
        ADMIN_SIGN_IN = "admin_sign_in", _("Staff member signed in")
        ADMIN_ACTION = "admin_action", _("Change in the admin")
        API_CALL = "api_call", _("Management API call")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=40, choices=Action.choices, db_index=True)
    # Who: "user:<username>", "client:<client_id>" (the management API, dynamic registration) or "system"
    # (a management command, a scheduled job).
    actor = models.CharField(max_length=200)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # What: e.g. ("client", client_id), ("signing_key", alg), ("user", username).
    target_type = models.CharField(max_length=50, blank=True)
    target_id = models.CharField(max_length=200, blank=True)
    # Names and counts only: never a secret, token or field value that might hold one.
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "at"], name="audit_target")]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.target_type}:{self.target_id} by {self.actor}"
        )

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are removed only by the retention purge (audit_purge).")

    def as_json(self) -> dict:
        return {
            "at": self.at.isoformat(),
            "action": self.action,
            "actor": self.actor,
            "ip_address": self.ip_address,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "detail": self.detail,
        }
