import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def generate_sub() -> str:
    """Core 2 / 8: a locally unique, never reassigned identifier, unrelated to pk, username or email."""
    return secrets.token_urlsafe(24)


class User(AbstractUser):
    """A person, carrying the OpenID Connect standard claims (Core 5.1) as columns.

    given_name and family_name are AbstractUser's first_name and last_name.
    """

    sub = models.CharField(
        _("subject identifier"), max_length=64, unique=True, default=generate_sub, editable=False
    )
    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    nickname = models.CharField(_("nickname"), max_length=150, blank=True)
    preferred_username = models.CharField(_("preferred username"), max_length=150, blank=True)
    profile = models.URLField(_("profile page"), blank=True)
    picture = models.URLField(_("picture"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email_verified = models.BooleanField(_("email verified"), default=False)
    gender = models.CharField(_("gender"), max_length=64, blank=True)
    birthdate = models.DateField(_("birthdate"), null=True, blank=True)
    zoneinfo = models.CharField(_("time zone"), max_length=64, blank=True, help_text=_("e.g. Europe/Paris"))
    locale = models.CharField(_("locale"), max_length=35, blank=True, help_text=_("BCP 47, e.g. fr-CA"))
    phone_number = models.CharField(_("phone number"), max_length=32, blank=True, help_text=_("E.164"))
    phone_number_verified = models.BooleanField(_("phone number verified"), default=False)
    address_street_address = models.CharField(_("street address"), max_length=255, blank=True)
    address_locality = models.CharField(_("city or locality"), max_length=128, blank=True)
    address_region = models.CharField(_("region"), max_length=128, blank=True)
    address_postal_code = models.CharField(_("postal code"), max_length=32, blank=True)
    address_country = models.CharField(_("country"), max_length=128, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # A changed address takes effect once its owner follows the link sent to it (accounts/verification.py).
    pending_email = models.EmailField(_("email awaiting verification"), blank=True)
    # Accounts created on the sign-up page sign in only once their email is verified (no pre-hijacking).
    self_registered = models.BooleanField(_("signed up on the sign-up page"), default=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.username


def generate_sid() -> str:
    return secrets.token_urlsafe(24)


class SignIn(models.Model):
    """One browser sign-in: the session registry. auth_time, sid, amr and acr in id_tokens come from here
    (Core 2), never from last_login, which any later sign-in elsewhere moves."""

    sid = models.CharField(_("session id"), max_length=64, unique=True, default=generate_sid, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_ins")
    # The browser session's keyed digest (accounts/session_store.py), never the key itself.
    session_digest = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    auth_time = models.DateTimeField(_("authenticated at"), default=timezone.now)
    # RFC 8176 authentication method references, e.g. ["pwd"] or ["pwd", "otp", "mfa"].
    amr = models.JSONField(default=list)
    acr = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    last_seen = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-auth_time"]
        verbose_name = _("sign-in")
        indexes = [models.Index(fields=["user", "ended_at"], name="signin_user_live")]

    def __str__(self) -> str:
        return f"{self.user} at {self.auth_time:%Y-%m-%d %H:%M}"


class SecurityEvent(models.Model):
    """The account's security log, shown to its owner: sign-ins, failures, password, MFA and consent changes."""

    class Kind(models.TextChoices):
        ACCOUNT_CREATED = "account_created", _("Account created")
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in attempt")
        SIGN_IN_LOCKED = "sign_in_locked", _("Sign-in paused after repeated failures")
        SIGN_OUT = "sign_out", _("Signed out")
        SESSION_ENDED = "session_ended", _("Session signed out from another device")
        EMAIL_VERIFIED = "email_verified", _("Email address verified")
        PROFILE_UPDATED = "profile_updated", _("Profile updated")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset by email")
        TOTP_ENABLED = "totp_enabled", _("Authenticator app turned on")
        TOTP_DISABLED = "totp_disabled", _("Authenticator app turned off")
        RECOVERY_CODES = "recovery_codes", _("New recovery codes created")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        PASSKEY_ADDED = "passkey_added", _("Passkey added")
        PASSKEY_REMOVED = "passkey_removed", _("Passkey removed")
        CONSENT_GRANTED = "consent_granted", _("Access granted to an app")
        CONSENT_REVOKED = "consent_revoked", _("Access removed from an app")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="security_events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("security event")
        indexes = [models.Index(fields=["user", "-at"], name="securityevent_user_at")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class Invitation(models.Model):
    """PORTICO_SIGNUP=invite: a single-use invitation to create an account. Only a digest of the code is kept."""

    digest = models.CharField(max_length=64, unique=True, editable=False)
    email = models.EmailField(_("for email"), blank=True, help_text=_("Optional: the address it was sent to."))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(null=True, blank=True, editable=False)
    used_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("invitation")

    def __str__(self) -> str:
        return self.email or f"invitation {self.pk}"


class TOTPDevice(models.Model):
    """An authenticator app (RFC 6238). The shared secret is encrypted at rest like signing keys."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    # The last time step accepted: a code is good once (RFC 6238 5.2).
    last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("authenticator app")

    def __str__(self) -> str:
        return f"TOTP for {self.user}"


class RecoveryCode(models.Model):
    """A single-use code that stands in for the second factor. Stored as a keyed digest (accounts/mfa.py);
    rows from before keyed digests hold a SHA-256 digest until used."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "digest"], name="recoverycode_unique")]

    def __str__(self) -> str:
        return f"recovery code of {self.user}"


class Passkey(models.Model):
    """A WebAuthn credential: a second factor, or a passwordless sign-in when discoverable."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    credential_id = models.CharField(max_length=1400, unique=True, editable=False)  # base64url
    public_key = models.BinaryField(editable=False)
    sign_count = models.BigIntegerField(default=0)
    name = models.CharField(_("name"), max_length=100)
    # "single_device" (a hardware key, amr hwk) or "multi_device" (a synced passkey, amr swk).
    device_type = models.CharField(max_length=20, blank=True)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("passkey")

    def __str__(self) -> str:
        return self.name


class ThrottleCounter(models.Model):
    """One throttle counter (accounts/throttle.py): attempts reserved in the current window, under a row lock
    so that parallel requests cannot each read the same count (a read-then-write race)."""

    key = models.CharField(max_length=200, primary_key=True)
    attempts = models.PositiveIntegerField(default=0)
    first = models.FloatField()  # the window's start, epoch seconds
    last = models.FloatField()
    expires = models.FloatField(db_index=True)

    def __str__(self) -> str:
        return self.key
