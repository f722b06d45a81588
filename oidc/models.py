"""Provider models. All five django-oauth-toolkit models are swapped from the first migration, so that
clients can carry OpenID client metadata and grants/tokens can carry sign-in context (auth_time, sid,
acr/amr) and replay links without a painful swap later. See docs/architecture.md."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models, router, transaction
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

from . import conf, constants, redirect_uris
from .prepared import PreparedDelete, PreparedUpdate

# OAuth grant type names (RFC 7591 2) mapped to django-oauth-toolkit's names.
GRANT_TYPES = {
    "authorization_code": AbstractApplication.GRANT_AUTHORIZATION_CODE,
    "refresh_token": "refresh_token",
    "client_credentials": AbstractApplication.GRANT_CLIENT_CREDENTIALS,
    "implicit": AbstractApplication.GRANT_IMPLICIT,
}
SIGNING_ALG_CHOICES = [(alg, alg) for alg in constants.SIGNING_ALGS]


def default_grant_types() -> list[str]:
    return ["authorization_code", "refresh_token"]


def default_response_types() -> list[str]:
    return ["code"]


class Client(AbstractApplication):
    """An application that signs its users in through Portico (DOT's swapped Application)."""

    TOKEN_ENDPOINT_AUTH_METHODS = [(m, m) for m in constants.AUTH_METHODS]

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
    response_types = models.JSONField(_("response types"), default=default_response_types, blank=True)
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

    # The rest of OpenID Connect Dynamic Client Registration 1.0 section 2 / RFC 7591 2.
    application_type = models.CharField(
        _("application type"),
        max_length=10,
        choices=[("web", "web"), ("native", "native")],
        default="web",
        help_text=_("native: apps on a device; loopback and private-use scheme redirect URIs (RFC 8252)."),
    )
    client_name_localized = models.JSONField(
        _("localized names"), default=dict, blank=True, help_text=_('e.g. {"fr": "Mon appli"}')
    )
    contacts = models.JSONField(_("contacts"), default=list, blank=True)
    jwks = models.JSONField(_("JWKS"), null=True, blank=True, help_text=_("The client's public keys."))
    jwks_uri = models.URLField(_("JWKS URI"), blank=True)
    token_endpoint_auth_signing_alg = models.CharField(
        _("token endpoint auth signing algorithm"), max_length=10, blank=True
    )
    request_object_signing_alg = models.CharField(
        _("request object signing algorithm"), max_length=10, blank=True
    )
    subject_type = models.CharField(
        _("subject type"),
        max_length=10,
        choices=[("public", "public"), ("pairwise", "pairwise")],
        default="public",
    )
    sector_identifier_uri = models.URLField(_("sector identifier URI"), blank=True)
    default_max_age = models.PositiveIntegerField(_("default max_age"), null=True, blank=True)
    require_auth_time = models.BooleanField(_("require auth_time"), default=False)
    default_acr_values = models.JSONField(_("default acr values"), default=list, blank=True)
    initiate_login_uri = models.URLField(_("initiate login URI"), blank=True)
    backchannel_logout_uri = models.URLField(_("back-channel logout URI"), blank=True)
    backchannel_logout_session_required = models.BooleanField(default=False)
    frontchannel_logout_uri = models.URLField(_("front-channel logout URI"), blank=True)
    frontchannel_logout_session_required = models.BooleanField(default=False)
    # RFC 9126 5 and 6: this client's authorization requests are accepted only when pushed.
    require_pushed_authorization_requests = models.BooleanField(
        _("require pushed authorization requests"), default=False
    )
    # Registration 2: request_uri values (Core 6.2) the client pre-registered, space-separated; when there
    # are any, a request_uri must be one of them (its fragment ignored).
    request_uris = models.TextField(_("request URIs"), blank=True, default="")
    can_introspect = models.BooleanField(
        _("resource server (may introspect any token)"),
        default=False,
        help_text=_("Otherwise a client sees only its own tokens as active (RFC 7662 4)."),
    )
    can_manage = models.BooleanField(
        _("management API client"),
        default=False,
        help_text=_(
            "May obtain the portico:admin scope through client_credentials: full control of clients, "
            "registration tokens and signing keys through /api/v1."
        ),
    )

    # Secrets: client_secret holds a keyed digest. client_secret_jwt needs the secret itself as the HMAC
    # key, so for those clients it is also kept encrypted like the signing keys. A rotated-out secret
    # stays valid until previous_secret_expires.
    client_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_client_secret = models.CharField(max_length=255, blank=True, editable=False)
    previous_client_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_secret_expires = models.DateTimeField(null=True, blank=True, editable=False)
    # RFC 7592: digest of the registration access token of dynamically registered clients.
    registration_access_token = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    # RFC 9700 4.11.2: registered by anyone (PORTICO_REGISTRATION=open), so nobody vouched for its redirect
    # URIs; errors found before the person interacted are not redirected there without a click.
    registered_openly = models.BooleanField(
        _("registered openly (not vetted)"),
        default=False,
        help_text=_(
            "Set by open dynamic registration. Clear it to vouch for the client: its errors then go back to "
            "its redirect URIs without the confirmation page."
        ),
    )

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
        """The one strict matcher (oidc/redirect_uris.py); django-oauth-toolkit's authorization checks call it."""
        return redirect_uris.matches(
            self.redirect_uris.split(), uri, native=self.application_type == "native"
        )

    def get_allowed_schemes(self) -> list[str]:
        """Redirects go only to registered URIs, validated on write; their schemes are the allowed ones
        (so a native app's private-use scheme works)."""
        uris = self.redirect_uris.split() + self.post_logout_redirect_uris.split()
        return sorted({urlsplit(uri).scheme for uri in uris} | {"https"})

    def post_logout_redirect_uri_allowed(self, uri: str) -> bool:
        """RP-Initiated Logout 2: exact match with a registered post_logout_redirect_uri."""
        return redirect_uris.matches(self.post_logout_redirect_uris.split(), uri)

    # The metadata rules (oidc/metadata.py), shared by the admin, the CLI and registration. They sit above
    # the models (they fetch sector identifier documents), so the app config installs them at start-up
    # rather than this module importing them.
    metadata_rules: ClassVar[Callable[[Any], dict[str, list[str]]] | None] = None

    def clean(self) -> None:
        """django-oauth-toolkit's own clean() is replaced: it knows neither native apps nor these fields."""
        rules = type(self).metadata_rules
        if rules is None:
            raise ImproperlyConfigured("the oidc app is not ready: its metadata rules are not installed")
        found = rules(self)
        if found:
            raise ValidationError(found)


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
    # Core 5.5: the claims request of the authorization, for userinfo.
    claims = models.JSONField(default=dict, blank=True)

    class Meta(AbstractAccessToken.Meta):
        swappable = "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL"
        indexes = [models.Index(fields=["expires"], name="access_token_expires")]  # purge_tokens


_DELETE_ACCESS_TOKEN = PreparedDelete(AccessToken)


class RefreshTokenQuerySet(models.QuerySet):
    """Reads join the user and client, which every use of a refresh token needs (django-oauth-toolkit's
    validation would otherwise load each with a query of its own). Row locks take the token row alone: a
    FOR UPDATE over the join would lock the client's row for every refresh of every user of that client."""

    def select_for_update(self, *args, **kwargs):
        return models.QuerySet.select_for_update(self.select_related(None), *args, **kwargs)


class RefreshTokenManager(models.Manager.from_queryset(RefreshTokenQuerySet)):  # type: ignore[misc]
    def get_queryset(self):
        return super().get_queryset().select_related("user", "application")


class RefreshToken(AbstractRefreshToken):
    """A rotating refresh token. The sign-in it descends from travels along each rotation, so refreshed
    id_tokens keep auth_time/sid/acr/amr (Core 12.2) and the chain ends at an absolute maximum age."""

    objects = RefreshTokenManager()

    family_started = models.DateTimeField(_("chain started"), null=True, blank=True)
    claims = models.JSONField(default=dict, blank=True)  # the claims request, carried to refreshed tokens
    auth_time = models.DateTimeField(_("authenticated at"), null=True, blank=True)
    sid = models.CharField(_("session id"), max_length=64, blank=True)
    acr = models.CharField(max_length=128, blank=True)
    amr = models.JSONField(default=list, blank=True)

    def past_max_age(self) -> bool:
        """The chain is older than PORTICO_REFRESH_TOKEN_MAX_AGE (counted from the sign-in that started it)."""
        started = self.family_started or self.created
        return started + timedelta(seconds=conf.refresh_token_max_age()) <= timezone.now()

    def retire(self) -> bool:
        """Mark this token revoked and delete the access token it holds, if it is still live; False when it was
        revoked already (by a concurrent rotation, say). One conditional UPDATE locks the row, checks and marks
        it, then the DELETE: django-oauth-toolkit's revoke() reads both rows whole and saves every column back.
        A live token's access_token only ever changes to NULL, so the value this instance was read with is the
        one to delete. No savepoint: nothing here is caught, a failure rolls back the caller's transaction."""
        with transaction.atomic(using=router.db_for_write(AccessToken), savepoint=False):
            revoked = timezone.now()
            if not _RETIRE_REFRESH_TOKEN.update(self.pk, None, revoked, revoked):
                return False
            if self.access_token_id is not None:
                _DELETE_ACCESS_TOKEN.delete(self.access_token_id)  # AccessToken.revoke() is a delete too
            self.access_token = None
            self.revoked = revoked
            return True

    def revoke(self) -> None:
        """django-oauth-toolkit's revoke (admin, RFC 7009 revocation, sign-out), through retire()."""
        self.retire()

    class Meta(AbstractRefreshToken.Meta):
        swappable = "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL"
        indexes = [
            *AbstractRefreshToken.Meta.indexes,
            models.Index(fields=["revoked"], name="refresh_token_revoked"),  # purge_tokens
            models.Index(fields=["family_started"], name="refresh_token_family_started"),
        ]


# The conditional UPDATE of retire(), written once per connection (oidc/prepared.py).
_RETIRE_REFRESH_TOKEN = PreparedUpdate(
    RefreshToken, fields=("access_token", "revoked", "updated"), where_null=("revoked",)
)


class IDToken(AbstractIDToken):
    class Meta(AbstractIDToken.Meta):
        swappable = "OAUTH2_PROVIDER_ID_TOKEN_MODEL"
        indexes = [models.Index(fields=["expires"], name="id_token_expires")]  # purge_tokens


# Portico's own tables, in oidc/records.py; imported here so Django and callers find every model of the app.
from .logout.models import LogoutDelivery  # noqa: E402  (logout's table lives with the logout code)
from .records import (  # noqa: E402
    ClientAssertion,
    Consent,
    InitialAccessToken,
    PushedAuthorizationRequest,
    SessionClient,
    SigningKey,
)

__all__ = [
    "AccessToken",
    "Client",
    "ClientAssertion",
    "Consent",
    "Grant",
    "IDToken",
    "InitialAccessToken",
    "LogoutDelivery",
    "PushedAuthorizationRequest",
    "RefreshToken",
    "SessionClient",
    "SigningKey",
]
