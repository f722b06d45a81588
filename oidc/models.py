"""Provider models. All five django-oauth-toolkit models are swapped from the first migration, so that
clients can carry OpenID client metadata and grants/tokens can carry sign-in context (auth_time, sid,
acr/amr) and replay links without a painful swap later. See docs/architecture.md."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
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

from . import conf, metadata
from .keys import SUPPORTED_ALGS
from .prepared import PreparedDelete, PreparedUpdate

# OAuth grant type names (RFC 7591 2) mapped to django-oauth-toolkit's names.
GRANT_TYPES = {
    "authorization_code": AbstractApplication.GRANT_AUTHORIZATION_CODE,
    "refresh_token": "refresh_token",
    "client_credentials": AbstractApplication.GRANT_CLIENT_CREDENTIALS,
    "implicit": AbstractApplication.GRANT_IMPLICIT,
}
RESPONSE_TYPES = ["code", "id_token", "id_token token", "code id_token", "code token", "code id_token token"]
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"]
SECRET_AUTH_METHODS = {"client_secret_basic", "client_secret_post", "client_secret_jwt"}
# RFC 7518 3.2 for client_secret_jwt; asymmetric algorithms for private_key_jwt (OIDC Core 9).
ASSERTION_ALGS = {
    "client_secret_jwt": ["HS256", "HS384", "HS512"],
    "private_key_jwt": [
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES384",
        "ES512",
        "EdDSA",
    ],
}
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
        """RFC 9700 4.1.3 / RFC 6749 3.1.2.3: simple string comparison against a registered URI; for native
        apps on a loopback address, any port (RFC 8252 7.3), since the port is chosen at run time."""
        registered = self.redirect_uris.split()
        if uri in registered:
            return True
        if self.application_type != "native" or not metadata.is_loopback_redirect(uri):
            return False
        asked = urlsplit(uri)
        return any(
            (r.scheme, r.hostname, r.path, r.query) == (asked.scheme, asked.hostname, asked.path, asked.query)
            for r in map(urlsplit, registered)
            if metadata.is_loopback_redirect(r.geturl())
        )

    def get_allowed_schemes(self) -> list[str]:
        """Redirects go only to registered URIs, validated on write; their schemes are the allowed ones
        (so a native app's private-use scheme works)."""
        uris = self.redirect_uris.split() + self.post_logout_redirect_uris.split()
        return sorted({urlsplit(uri).scheme for uri in uris} | {"https"})

    def post_logout_redirect_uri_allowed(self, uri: str) -> bool:
        return uri in self.post_logout_redirect_uris.split()

    def clean(self) -> None:
        """All metadata rules live in oidc/metadata.py, shared by the admin, the CLI and registration.
        (django-oauth-toolkit's own clean() is replaced: it knows neither native apps nor these fields.)"""
        found = metadata.problems(self)
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


from .logout.models import LogoutDelivery  # noqa: E402,F401  (logout models live with the logout code)
