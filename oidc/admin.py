from django.contrib import admin
from django.template.response import TemplateResponse
from oauth2_provider.generators import generate_client_secret

from . import conf
from .models import AccessToken, Client, Consent, Grant, IDToken, RefreshToken, SigningKey

# django-oauth-toolkit registers its own admin for the swapped models; Portico's replace them.
for model in (Client, AccessToken, RefreshToken, Grant, IDToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
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
    list_display = ("kid", "alg", "state", "created", "activated_at", "retired_at")
    list_filter = ("state", "alg")
    readonly_fields = ("kid", "alg", "public_jwk", "created", "activated_at", "retired_at")
    exclude = ("private_key_encrypted",)

    def has_add_permission(self, request):
        return False


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
