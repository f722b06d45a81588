from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.urls import reverse
from django.utils import timezone

from config.admin_log import PerObjectLog

from . import conf, flows, invitations
from .models import Invitation, Passkey, SecurityEvent, SignIn, User


@admin.register(User)
class UserAdmin(PerObjectLog, BaseUserAdmin):
    list_display = ("username", "email", "email_verified", "first_name", "last_name", "is_active", "is_staff")
    readonly_fields = ("sub", "updated_at", "last_login", "date_joined")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (
            "OpenID claims",
            {
                "fields": (
                    "sub",
                    "middle_name",
                    "nickname",
                    "preferred_username",
                    "profile",
                    "picture",
                    "website",
                    "email_verified",
                    "pending_email",
                    "self_registered",
                    "gender",
                    "birthdate",
                    "zoneinfo",
                    "locale",
                    "phone_number",
                    "phone_number_verified",
                    "updated_at",
                )
            },
        ),
        (
            "Address",
            {
                "fields": (
                    "address_street_address",
                    "address_locality",
                    "address_region",
                    "address_postal_code",
                    "address_country",
                )
            },
        ),
    )


@admin.register(Invitation)
class InvitationAdmin(PerObjectLog, admin.ModelAdmin):
    """Invitations for PORTICO_SIGNUP=invite. The code exists only in the link shown once at creation."""

    list_display = ("__str__", "note", "created_at", "expires_at", "used_at", "used_by")
    readonly_fields = ("created_at", "used_at", "used_by")
    fields = ("email", "note", "expires_at", "created_at", "used_at", "used_by")

    def get_changeform_initial_data(self, request):
        return {"expires_at": timezone.now() + timedelta(days=invitations.DEFAULT_DAYS)}

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        invitation, code = invitations.create(email=obj.email, note=obj.note)
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=obj.expires_at)
        obj.pk = invitation.pk
        link = conf.base_url() + reverse("accounts:signup") + "?" + urlencode({"invite": code})
        self.message_user(request, f"Invitation link (shown once, send it yourself): {link}", messages.WARNING)


@admin.register(SecurityEvent)
class SecurityEventAdmin(PerObjectLog, admin.ModelAdmin):
    list_display = ("at", "user", "kind", "ip_address")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__email", "ip_address")
    readonly_fields = ("user", "kind", "at", "ip_address", "user_agent", "detail")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SignIn)
class SignInAdmin(PerObjectLog, admin.ModelAdmin):
    list_display = ("user", "auth_time", "acr", "ip_address", "last_seen", "ended_at")
    search_fields = ("user__username", "user__email", "sid")
    readonly_fields = ("sid", "user", "auth_time", "amr", "acr", "user_agent", "ip_address", "last_seen", "ended_at")
    exclude = ("session_digest",)
    actions = ["end_sign_ins"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Sign out the selected sessions")
    def end_sign_ins(self, request, queryset):
        for sign_in in queryset.filter(ended_at__isnull=True):
            flows.end_sign_in(sign_in, reason="admin")


@admin.register(Passkey)
class PasskeyAdmin(PerObjectLog, admin.ModelAdmin):
    list_display = ("name", "user", "device_type", "created_at", "last_used_at")
    readonly_fields = ("user", "device_type", "transports", "sign_count", "created_at", "last_used_at")
    exclude = ("credential_id", "public_key")

    def has_add_permission(self, request):
        return False
