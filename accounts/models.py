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
    session_key = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
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
