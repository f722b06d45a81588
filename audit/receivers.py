"""What gets recorded, hooked to model saves and signals the other apps already send: nothing on the token,
userinfo or introspection path (a client's own RFC 7009 revocations are protocol traffic, not recorded)."""

from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import check_password
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts.models import SecurityEvent
from oidc.events import key_rotated, tokens_revoked
from oidc.models import Client

from .record import record

# Client fields whose values are secrets (or digests of secrets): their change is the secret_rotated event.
SECRET_FIELDS = {
    "client_secret",
    "client_secret_encrypted",
    "previous_client_secret",
    "previous_client_secret_encrypted",
    "previous_secret_expires",
}
IGNORED_FIELDS = {"updated", "created"}


def _values(client: Client) -> dict:
    return {field.attname: getattr(client, field.attname) for field in Client._meta.concrete_fields}


@receiver(pre_save, sender=Client, dispatch_uid="audit.client_before")
def remember_client(sender, instance, raw=False, **kwargs):
    """One read of the stored row before a client is changed (admin, management API, registration only)."""
    if raw or instance.pk is None:
        return
    stored = Client.objects.filter(pk=instance.pk).first()
    instance._audit_before = _values(stored) if stored is not None else None
    if stored is not None:
        instance._audit_secret_changed = _secret_changed(stored.client_secret, instance.client_secret)


def _secret_changed(stored: str, value: str) -> bool:
    """The instance holds the stored digest, or a plaintext secret about to be hashed on save (the same secret
    saved again is not a rotation)."""
    if value == stored:
        return False
    return not (stored and value and check_password(value, stored))


@receiver(post_save, sender=Client, dispatch_uid="audit.client_saved")
def record_client(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if created:
        record("client_created", target_type="client", target_id=instance.client_id, name=instance.name)
        return
    before = getattr(instance, "_audit_before", None) or {}
    after = _values(instance)
    changed = sorted(name for name, value in after.items() if before.get(name) != value)
    if getattr(instance, "_audit_secret_changed", False):
        record("client_secret_rotated", target_type="client", target_id=instance.client_id)
    if before.get("is_active") and not instance.is_active:
        record("client_disabled", target_type="client", target_id=instance.client_id)
    fields = [name for name in changed if name not in SECRET_FIELDS | IGNORED_FIELDS | {"is_active"}]
    if fields:
        record("client_changed", target_type="client", target_id=instance.client_id, fields=fields)


@receiver(post_delete, sender=Client, dispatch_uid="audit.client_deleted")
def record_client_deletion(sender, instance, **kwargs):
    record("client_deleted", target_type="client", target_id=instance.client_id, name=instance.name)


@receiver(key_rotated, dispatch_uid="audit.key_rotated")
def record_key_rotation(sender, alg, retired, activated, **kwargs):
    record("key_rotated", target_type="signing_key", target_id=alg, retired=retired, activated=activated)


@receiver(tokens_revoked, dispatch_uid="audit.tokens_revoked")
def record_revocation(sender, client, user, revoked, **kwargs):
    record(
        "tokens_revoked",
        target_type="client",
        target_id=client.client_id,
        user=user.get_username() if user is not None else None,
        access_tokens=revoked.access_tokens,
        refresh_tokens=revoked.refresh_tokens,
        codes=revoked.codes,
        consents=revoked.consents,
    )


CONSENT = {
    SecurityEvent.Kind.CONSENT_GRANTED: "consent_given",
    SecurityEvent.Kind.CONSENT_REVOKED: "consent_removed",
}


@receiver(post_save, sender=SecurityEvent, dispatch_uid="audit.consent")
def record_consent(sender, instance, created, raw=False, **kwargs):
    """The person's own consent decisions, as their security log already has them."""
    if created and not raw and instance.kind in CONSENT:
        record(
            CONSENT[instance.kind],
            actor=f"user:{instance.user.get_username()}",
            target_type="user",
            target_id=instance.user.get_username(),
            app=instance.detail.get("app", ""),
            scopes=instance.detail.get("granted", []),
        )


@receiver(user_logged_in, dispatch_uid="audit.admin_sign_in")
def record_admin_sign_in(sender, request, user, **kwargs):
    if user.is_staff:
        record(
            "admin_sign_in",
            request=request,
            actor=f"user:{user.get_username()}",
            target_type="user",
            target_id=user.get_username(),
            superuser=user.is_superuser,
        )


ADMIN_FLAGS = {1: "added", 2: "changed", 3: "deleted"}


@receiver(post_save, sender=LogEntry, dispatch_uid="audit.admin_action")
def record_admin_action(sender, instance, created, raw=False, **kwargs):
    """Every change made in the admin, as the admin's own history records it."""
    if created and not raw:
        record(
            "admin_action",
            actor=f"user:{instance.user.get_username()}",
            target_type=instance.content_type.model if instance.content_type else "",
            target_id=instance.object_id or "",
            object=instance.object_repr,
            change=ADMIN_FLAGS.get(instance.action_flag, str(instance.action_flag)),
            message=instance.get_change_message(),
        )
