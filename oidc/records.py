"""Portico's own tables (beside django-oauth-toolkit's swapped models in oidc/models.py): remembered
consent, signing keys, used client assertions, initial access tokens for registration, the clients
each browser sign-in has given tokens to, and pushed authorization requests."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Consent(models.Model):
    """What a user allowed a client to see; remembered so they are asked once per new scope."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents")
    client = models.ForeignKey(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE)
    scopes = models.JSONField(default=list)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "client"], name="consent_one_per_user_client")]

    def __str__(self) -> str:
        return f"{self.user} → {self.client}"

    def covers(self, scopes) -> bool:
        return set(scopes).issubset(self.scopes)


class SigningKey(models.Model):
    """A JWT signing key. The private key is stored encrypted (oidc/keys.py); only public parts are published."""

    class State(models.TextChoices):
        NEXT = "next", _("next (published, not yet signing)")
        ACTIVE = "active", _("active (signing)")
        RETIRED = "retired", _("retired (published for verification)")

    kid = models.CharField(max_length=64, unique=True)
    alg = models.CharField(max_length=10, default="RS256")
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE, db_index=True)
    public_jwk = models.JSONField()
    private_key_encrypted = models.TextField(editable=False)
    created = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        permissions = [("rotate_signingkey", "Can rotate signing keys")]
        constraints = [
            # One signing key per algorithm at a time; also stops two workers generating the first key twice.
            models.UniqueConstraint(
                fields=["alg"], condition=models.Q(state="active"), name="one_active_key_per_alg"
            )
        ]

    def __str__(self) -> str:
        return f"{self.alg} {self.kid} ({self.state})"


class ClientAssertion(models.Model):
    """A used client assertion (RFC 7523 3 item 7): the unique constraint makes each jti single-use per
    client even under concurrent requests. Rows are purged once the assertion has expired."""

    client = models.ForeignKey(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE)
    jti = models.CharField(max_length=255)
    expires = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "jti"], name="client_assertion_jti_once")]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.jti}"


class InitialAccessToken(models.Model):
    """RFC 7591 3: a token an admin hands to a platform so it may register clients (PORTICO_REGISTRATION=token).
    Only its digest is stored."""

    label = models.CharField(_("label"), max_length=200)
    token = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    expires = models.DateTimeField(_("expires"), null=True, blank=True, help_text=_("Empty: never."))
    max_uses = models.PositiveIntegerField(
        _("maximum uses"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    uses = models.PositiveIntegerField(default=0, editable=False)
    revoked = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("initial access token")

    def __str__(self) -> str:
        return self.label

    def is_usable(self) -> bool:
        now = timezone.now()
        return (
            self.revoked is None
            and (self.expires is None or self.expires > now)
            and (self.max_uses is None or self.uses < self.max_uses)
        )


class SessionClient(models.Model):
    """A client that received tokens in a browser sign-in (accounts.SignIn): who to tell at logout."""

    sign_in = models.ForeignKey("accounts.SignIn", on_delete=models.CASCADE, related_name="clients")
    client = models.ForeignKey(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE)
    first_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sign_in", "client"], name="session_client_once")]

    def __str__(self) -> str:
        return f"{self.client} in {self.sign_in}"


class PushedAuthorizationRequest(models.Model):
    """An authorization request a client pushed (RFC 9126 2), waiting to be used once at /authorize. The
    request_uri is a bearer reference to it, so only its digest is stored; the row is deleted when used."""

    client = models.ForeignKey(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE)
    digest = models.CharField(max_length=64, unique=True)
    parameters = models.JSONField()  # the validated authorization request, one string per name
    expires = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("pushed authorization request")

    def __str__(self) -> str:
        return f"{self.client_id} until {self.expires:%Y-%m-%d %H:%M:%S}"
