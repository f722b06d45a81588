"""Provider models. All five django-oauth-toolkit models are swapped from the first migration, so that
clients can carry OpenID client metadata and grants/tokens can carry sign-in context (auth_time, sid,
acr/amr) and replay links without a painful swap later. See docs/architecture.md."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import (
    AbstractAccessToken,
    AbstractApplication,
    AbstractGrant,
    AbstractIDToken,
    AbstractRefreshToken,
    ApplicationManager,
)

from . import conf
from .keys import SUPPORTED_ALGS

# OAuth grant type names (RFC 7591 2) mapped to django-oauth-toolkit's names.
GRANT_TYPES = {
    "authorization_code": AbstractApplication.GRANT_AUTHORIZATION_CODE,
    "refresh_token": "refresh_token",
    "client_credentials": AbstractApplication.GRANT_CLIENT_CREDENTIALS,
    "implicit": AbstractApplication.GRANT_IMPLICIT,
}
RESPONSE_TYPES = ["code", "id_token", "id_token token", "code id_token", "code token", "code id_token token"]
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
SIGNING_ALG_CHOICES = [(alg, alg) for alg in SUPPORTED_ALGS]


def default_grant_types() -> list[str]:
    return ["authorization_code", "refresh_token"]


def default_response_types() -> list[str]:
    return ["code"]


class Client(AbstractApplication):
    """An application that signs its users in through Portico (DOT's swapped Application)."""

    TOKEN_ENDPOINT_AUTH_METHODS = [(m, m) for m in AUTH_METHODS]

    skip_authorization = models.BooleanField(
        _("first-party (skip consent)"),
        default=False,
        help_text=_("Applications you operate yourself: users are not asked to consent."),
    )
    # DOT's single grant type is derived from grant_types on save; OIDC clients register lists.
    authorization_grant_type = models.CharField(
        max_length=44, choices=AbstractApplication.GRANT_TYPES, default="authorization-code", editable=False
    )
    client_type = models.CharField(
        max_length=32, choices=AbstractApplication.CLIENT_TYPES, default="confidential", editable=False
    )
    algorithm = models.CharField(max_length=5, blank=True, default="", editable=False)
    grant_types = models.JSONField(_("grant types"), default=default_grant_types)
    response_types = models.JSONField(_("response types"), default=default_response_types)
    token_endpoint_auth_method = models.CharField(
        _("token endpoint auth method"),
        max_length=32,
        choices=TOKEN_ENDPOINT_AUTH_METHODS,
        default="client_secret_basic",
    )
    require_pkce = models.BooleanField(
        _("require PKCE"), default=False, help_text=_("Always required for public clients.")
    )
    # OIDC Registration 2: JWS algorithms for the id_token (default RS256) and, when set, for signed
    # userinfo responses (blank: plain JSON).
    id_token_signed_response_alg = models.CharField(
        _("id_token signing algorithm"), max_length=10, default="RS256", choices=SIGNING_ALG_CHOICES
    )
    userinfo_signed_response_alg = models.CharField(
        _("userinfo signing algorithm"),
        max_length=10,
        blank=True,
        default="",
        choices=SIGNING_ALG_CHOICES,
        help_text=_("Leave empty for plain JSON userinfo responses."),
    )
    logo_uri = models.URLField(_("logo URI"), blank=True)
    client_uri = models.URLField(_("client URI"), blank=True)
    policy_uri = models.URLField(_("privacy policy URI"), blank=True)
    tos_uri = models.URLField(_("terms of service URI"), blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Disabled clients are refused."))

    objects = ApplicationManager()

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        verbose_name = _("client")

    def natural_key(self) -> tuple[str]:
        return (self.client_id,)

    def save(self, *args, **kwargs):
        self.client_type = (
            self.CLIENT_PUBLIC if self.token_endpoint_auth_method == "none" else self.CLIENT_CONFIDENTIAL
        )
        self.authorization_grant_type = next(
            (GRANT_TYPES[g] for g in self.grant_types if g in GRANT_TYPES and g != "refresh_token"),
            self.GRANT_AUTHORIZATION_CODE,
        )
        super().save(*args, **kwargs)

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"

    def allows_grant_type(self, *grant_types: str) -> bool:
        allowed = {GRANT_TYPES[g] for g in self.grant_types if g in GRANT_TYPES}
        if "code id_token" in self.response_types or "code token" in self.response_types:
            allowed.add(self.GRANT_OPENID_HYBRID)
        return bool(allowed.intersection(grant_types))

    def is_usable(self, request) -> bool:
        return self.is_active

    def redirect_uri_allowed(self, uri: str) -> bool:
        """RFC 9700 4.1.3 / RFC 6749 3.1.2.3: simple string comparison against a registered URI."""
        return uri in self.redirect_uris.split()

    def post_logout_redirect_uri_allowed(self, uri: str) -> bool:
        return uri in self.post_logout_redirect_uris.split()

    def clean(self) -> None:
        problems: dict[str, list[str]] = {}
        try:
            super().clean()
        except ValidationError as exc:
            problems.update({k: [str(m) for m in v] for k, v in exc.message_dict.items()})
        for uri in self.redirect_uris.split() + self.post_logout_redirect_uris.split():
            if urlsplit(uri).fragment or uri.endswith("#"):
                problems.setdefault("redirect_uris", []).append(
                    f"{uri}: redirect URIs must not contain a fragment"
                )
        unknown = [g for g in self.grant_types if g not in GRANT_TYPES]
        if unknown:
            problems.setdefault("grant_types", []).append(f"unsupported grant types: {', '.join(unknown)}")
        unknown = [r for r in self.response_types if r not in RESPONSE_TYPES]
        if unknown:
            problems.setdefault("response_types", []).append(
                f"unsupported response types: {', '.join(unknown)}"
            )
        for field in ("id_token_signed_response_alg", "userinfo_signed_response_alg"):
            alg = getattr(self, field)
            if alg and alg in SUPPORTED_ALGS and alg not in conf.signing_algs():
                problems.setdefault(field, []).append(
                    f"{alg} is not enabled here; enabled: {', '.join(conf.signing_algs())}"
                )
        if problems:
            raise ValidationError(problems)


class Grant(AbstractGrant):
    """An authorization code. `code` holds the SHA-256 digest of the code, never the code itself."""

    auth_time = models.DateTimeField(_("authenticated at"), null=True, blank=True)
    sid = models.CharField(_("session id"), max_length=64, blank=True)
    acr = models.CharField(max_length=128, blank=True)
    amr = models.JSONField(default=list, blank=True)
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)

    class Meta(AbstractGrant.Meta):
        swappable = "OAUTH2_PROVIDER_GRANT_MODEL"
        indexes = [models.Index(fields=["expires"], name="grant_expires")]  # purge_tokens


class AccessToken(AbstractAccessToken):
    # Digest of the authorization code this token was minted from: a replayed code revokes it (RFC 6749 4.1.2).
    grant_code = models.CharField(max_length=64, blank=True, default="", db_index=True)

    class Meta(AbstractAccessToken.Meta):
        swappable = "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL"
        indexes = [models.Index(fields=["expires"], name="access_token_expires")]  # purge_tokens


class RefreshToken(AbstractRefreshToken):
    """A rotating refresh token. The sign-in it descends from travels along each rotation, so refreshed
    id_tokens keep auth_time/sid/acr/amr (Core 12.2) and the chain ends at an absolute maximum age."""

    family_started = models.DateTimeField(_("chain started"), null=True, blank=True)
    auth_time = models.DateTimeField(_("authenticated at"), null=True, blank=True)
    sid = models.CharField(_("session id"), max_length=64, blank=True)
    acr = models.CharField(max_length=128, blank=True)
    amr = models.JSONField(default=list, blank=True)

    class Meta(AbstractRefreshToken.Meta):
        swappable = "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL"
        indexes = [
            *AbstractRefreshToken.Meta.indexes,
            models.Index(fields=["revoked"], name="refresh_token_revoked"),  # purge_tokens
            models.Index(fields=["family_started"], name="refresh_token_family_started"),
        ]


class IDToken(AbstractIDToken):
    class Meta(AbstractIDToken.Meta):
        swappable = "OAUTH2_PROVIDER_ID_TOKEN_MODEL"
        indexes = [models.Index(fields=["expires"], name="id_token_expires")]  # purge_tokens


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
