from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from config.admin_log import PerObjectLog

from . import clients, conf, registration, rotation
from .models import (
    AccessToken,
    Client,
    Consent,
    Grant,
    IDToken,
    InitialAccessToken,
    RefreshToken,
    SigningKey,
)

# django-oauth-toolkit registers its own admin for the swapped models; Portico's replace them.
for model in (Client, AccessToken, RefreshToken, Grant, IDToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


def _set_active(queryset, active: bool) -> int:
    """Saved one by one (few rows), so the audit log records each client enabled or disabled."""
    changed = 0
    for client in queryset.exclude(is_active=active):
        client.is_active = active
        client.save(update_fields=["is_active"])
        changed += 1
    return changed


@admin.register(Client)
class ClientAdmin(PerObjectLog, admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "name",
        "client_id",
        "client_type",
        "token_endpoint_auth_method",
        "skip_authorization",
        "is_active",
        "created",
    )
    list_filter = (
        "client_type",
        "token_endpoint_auth_method",
        "is_active",
        "application_type",
        "skip_authorization",
    )
    search_fields = ("name", "client_id", "redirect_uris", "contacts")
    readonly_fields = ("client_id", "client_type", "created", "updated")
    actions = ["disable_clients", "enable_clients", "revoke_everything"]
    change_form_template = "admin/oidc/client/change_form.html"
    fieldsets = (
        (
            "Identity",
            {
                "fields": (
                    "name",
                    "client_id",
                    "is_active",
                    "application_type",
                    "client_name_localized",
                    "logo_uri",
                    "client_uri",
                    "policy_uri",
                    "tos_uri",
                    "contacts",
                )
            },
        ),
        (
            "Redirects",
            {
                "fields": (
                    "redirect_uris",
                    "post_logout_redirect_uris",
                    "initiate_login_uri",
                    "allowed_origins",
                )
            },
        ),
        (
            "Tokens & keys",
            {
                "fields": (
                    "grant_types",
                    "response_types",
                    "token_endpoint_auth_method",
                    "token_endpoint_auth_signing_alg",
                    "require_pkce",
                    "jwks",
                    "jwks_uri",
                    "id_token_signed_response_alg",
                    "userinfo_signed_response_alg",
                    "request_object_signing_alg",
                    "request_uris",
                    "require_pushed_authorization_requests",
                    "subject_type",
                    "sector_identifier_uri",
                    "default_max_age",
                    "require_auth_time",
                    "default_acr_values",
                    "id_token_claims",
                    "can_introspect",
                    "can_manage",
                    "registered_openly",
                )
            },
        ),
        (
            "Logout",
            {
                "fields": (
                    "backchannel_logout_uri",
                    "backchannel_logout_session_required",
                    "frontchannel_logout_uri",
                    "frontchannel_logout_session_required",
                )
            },
        ),
        ("Consent", {"fields": ("skip_authorization",)}),
        ("Dates", {"fields": ("created", "updated")}),
    )

    def save_model(self, request, obj, form, change):
        if not change:
            obj._plain_secret = clients.issue_secret(obj)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # The secret is stored only as a keyed digest: this page is the one time it is shown.
        return self._secret_page(request, obj, getattr(obj, "_plain_secret", ""), "Client created")

    def _secret_page(self, request, client, secret, title):
        return TemplateResponse(
            request,
            "admin/oidc/client/created.html",
            {
                **self.admin_site.each_context(request),
                "client": client,
                "secret": secret,
                "issuer": conf.issuer(),
                "title": title,
                "opts": self.model._meta,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        client = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if client is not None:
            extra.update(
                quickstart=clients.quickstart(client),
                live_tokens=AccessToken.objects.filter(
                    application=client, expires__gt=timezone.now()
                ).count(),
                live_refresh_tokens=RefreshToken.objects.filter(
                    application=client, revoked__isnull=True
                ).count(),
                consents=Consent.objects.filter(client=client).count(),
                has_secret=clients.needs_secret(client),
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(require_POST(function))

        return [
            path("<int:pk>/revoke-all/", view(self.revoke_all_view), name="oidc_client_revoke_all"),
            path("<int:pk>/rotate-secret/", view(self.rotate_secret_view), name="oidc_client_rotate_secret"),
            *super().get_urls(),
        ]

    def _changeable(self, request, pk) -> Client:
        client = self.get_object(request, str(pk))
        if client is None or not self.has_change_permission(request, client):
            raise PermissionDenied
        return client

    def revoke_all_view(self, request, pk):
        client = self._changeable(request, pk)
        counts = clients.revoke_grants(client)
        self.message_user(request, f"Revoked for {client}: {counts}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:oidc_client_change", args=[client.pk]))

    def rotate_secret_view(self, request, pk):
        client = self._changeable(request, pk)
        if not clients.needs_secret(client):
            self.message_user(request, "This client authenticates without a secret.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:oidc_client_change", args=[client.pk]))
        try:
            hours = max(0.0, min(float(request.POST.get("overlap_hours", "0")), 24 * 30))
        except ValueError:
            hours = 0.0
        secret = clients.rotate_secret(client, overlap=timedelta(hours=hours))
        return self._secret_page(request, client, secret, "New client secret")

    @admin.action(description="Disable selected clients (refused everywhere at once)")
    def disable_clients(self, request, queryset):
        self.message_user(request, f"Disabled {_set_active(queryset, False)} client(s).")

    @admin.action(description="Enable selected clients")
    def enable_clients(self, request, queryset):
        self.message_user(request, f"Enabled {_set_active(queryset, True)} client(s).")

    @admin.action(description="Revoke all grants, tokens and consents of selected clients")
    def revoke_everything(self, request, queryset):
        for client in queryset:
            self.message_user(request, f"Revoked for {client}: {clients.revoke_grants(client)}.")


@admin.register(InitialAccessToken)
class InitialAccessTokenAdmin(PerObjectLog, admin.ModelAdmin):
    """RFC 7591 3: tokens a platform presents to register clients when PORTICO_REGISTRATION=token. The token
    is shown once, on creation; only its digest is stored."""

    list_display = ("label", "created", "expires", "max_uses", "uses", "revoked", "usable")
    list_filter = ("revoked",)
    search_fields = ("label",)
    fields = ("label", "expires", "max_uses", "uses", "created", "revoked")
    readonly_fields = ("uses", "created", "revoked")
    actions = ["revoke_tokens"]

    @admin.display(boolean=True, description="usable")
    def usable(self, obj) -> bool:
        return obj.is_usable()

    def get_readonly_fields(self, request, obj=None):
        # A token's terms are what the platform was promised; change them by issuing a new token.
        return self.readonly_fields + (("expires", "max_uses") if obj else ())

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token, value = registration.create_initial_token(
            obj.label, expires=obj.expires, max_uses=obj.max_uses
        )
        obj.pk, obj._plain_token = token.pk, value

    def response_add(self, request, obj, post_url_continue=None):
        return TemplateResponse(
            request,
            "admin/oidc/initialaccesstoken/created.html",
            {
                **self.admin_site.each_context(request),
                "token": InitialAccessToken.objects.get(pk=obj.pk),
                "value": obj._plain_token,
                "registration_mode": registration.mode(),
                "register_url": conf.endpoint(reverse("oidc:register")),
                "title": "Initial access token created",
                "opts": self.model._meta,
            },
        )

    @admin.action(description="Revoke selected tokens")
    def revoke_tokens(self, request, queryset):
        count = queryset.filter(revoked__isnull=True).update(revoked=timezone.now())
        self.message_user(request, f"Revoked {count} initial access token(s).")


@admin.register(Consent)
class ConsentAdmin(PerObjectLog, admin.ModelAdmin):
    list_display = ("user", "client", "scopes", "updated")
    search_fields = ("user__username", "client__name", "client__client_id")
    raw_id_fields = ("user",)


@admin.register(SigningKey)
class SigningKeyAdmin(PerObjectLog, admin.ModelAdmin):
    """Keys, states and dates; never private material. Changes happen only through rotation."""

    list_display = ("kid", "alg", "state", "created", "activated_at", "retired_at", "next_step")
    list_filter = ("state", "alg")
    readonly_fields = ("kid", "alg", "state", "public_jwk", "created", "activated_at", "retired_at")
    exclude = ("private_key_encrypted",)
    change_list_template = "admin/oidc/signingkey/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="next step")
    def next_step(self, key: SigningKey) -> str:
        if key.state == SigningKey.State.NEXT:
            return f"can be activated after {key.created + rotation.publish_lead():%Y-%m-%d %H:%M:%S}"
        if key.state == SigningKey.State.RETIRED and key.retired_at:
            return f"removed after {key.retired_at + rotation.retention():%Y-%m-%d %H:%M:%S}"
        return ""

    def get_urls(self):
        rotate = self.admin_site.admin_view(require_POST(self.rotate_view))
        return [path("rotate/", rotate, name="oidc_signingkey_rotate"), *super().get_urls()]

    def rotate_view(self, request):
        """ "Rotate now": activate each algorithm's next key if it has been published long enough, otherwise
        publish one and say when it can be activated (never sooner than the JWKS cache lifetime)."""
        if not request.user.has_perm("oidc.rotate_signingkey"):
            raise PermissionDenied
        for alg in conf.signing_algs():
            outcome = rotation.rotate(alg)
            text = f"{alg}: {outcome.detail}"
            if outcome.activates_after is not None:
                text += f"; it can be activated after {outcome.activates_after:%Y-%m-%d %H:%M:%S %Z}"
            level = messages.SUCCESS if outcome.action == "rotated" else messages.INFO
            self.message_user(request, text, level)
        return HttpResponseRedirect(reverse("admin:oidc_signingkey_changelist"))


class TokenAdmin(PerObjectLog, admin.ModelAdmin):
    """Token metadata only: values are stored as digests and never shown."""

    list_display: tuple[str, ...] = ("id", "user", "application", "expires", "scope", "created")
    list_filter = ("application",)
    raw_id_fields = ("user",)
    search_fields = ("user__username", "application__name")
    exclude = ["token", "token_checksum"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(AccessToken, TokenAdmin)


@admin.register(RefreshToken)
class RefreshTokenAdmin(TokenAdmin):
    list_display = ("id", "user", "application", "revoked", "created")


@admin.register(IDToken)
class IDTokenAdmin(TokenAdmin):
    list_display = ("id", "user", "application", "expires", "created")

    def get_exclude(self, request, obj=None):
        return []


@admin.register(Grant)
class GrantAdmin(TokenAdmin):
    list_display = ("id", "user", "application", "expires", "redeemed_at")
    exclude = ["code", "code_challenge"]


from .logout import admin as _logout_admin  # noqa: E402,F401  (registers the logout deliveries)
