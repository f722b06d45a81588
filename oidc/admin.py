from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from oauth2_provider.generators import generate_client_secret

from . import conf, rotation
from .models import AccessToken, Client, Consent, Grant, IDToken, RefreshToken, SigningKey

# django-oauth-toolkit registers its own admin for the swapped models; Portico's replace them.
for model in (Client, AccessToken, RefreshToken, Grant, IDToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "name",
        "client_id",
        "token_endpoint_auth_method",
        "skip_authorization",
        "is_active",
        "created",
    )
    list_filter = ("token_endpoint_auth_method", "skip_authorization", "is_active")
    search_fields = ("name", "client_id", "redirect_uris")
    readonly_fields = ("client_id", "created", "updated")
    fieldsets = (
        (
            "Identity",
            {"fields": ("name", "client_id", "is_active", "logo_uri", "client_uri", "policy_uri", "tos_uri")},
        ),
        ("Redirects", {"fields": ("redirect_uris", "post_logout_redirect_uris")}),
        (
            "Tokens",
            {
                "fields": (
                    "grant_types",
                    "response_types",
                    "token_endpoint_auth_method",
                    "require_pkce",
                    "id_token_signed_response_alg",
                    "userinfo_signed_response_alg",
                )
            },
        ),
        ("Consent", {"fields": ("skip_authorization",)}),
        ("Dates", {"fields": ("created", "updated")}),
    )

    def save_model(self, request, obj, form, change):
        if not change and obj.token_endpoint_auth_method != "none":
            obj._plain_secret = generate_client_secret()
            obj.client_secret = obj._plain_secret
        elif not change:
            obj.client_secret = ""
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # The secret is stored only as a keyed digest: this page is the one time it is shown.
        return TemplateResponse(
            request,
            "admin/oidc/client/created.html",
            {
                **self.admin_site.each_context(request),
                "client": obj,
                "secret": getattr(obj, "_plain_secret", ""),
                "issuer": conf.issuer(),
                "title": "Client created",
                "opts": self.model._meta,
            },
        )


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("user", "client", "scopes", "updated")
    search_fields = ("user__username", "client__name", "client__client_id")
    raw_id_fields = ("user",)


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
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


class TokenAdmin(admin.ModelAdmin):
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
