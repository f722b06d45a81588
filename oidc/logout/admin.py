"""Back-channel logout deliveries in the admin: each one's status, attempts and last error, the failed count
per client, and "send again" for failed ones."""

from django.contrib import admin, messages
from django.db.models import Count

from config.admin_log import PerObjectLog

from .delivery import retry_now
from .models import LogoutDelivery


@admin.register(LogoutDelivery)
class LogoutDeliveryAdmin(PerObjectLog, admin.ModelAdmin):
    list_display = (
        "created",
        "client",
        "status",
        "attempts",
        "last_attempt_at",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("status", "client", "reason")
    search_fields = ("client__client_id", "client__name", "sid")
    readonly_fields = [f.name for f in LogoutDelivery._meta.fields]
    actions = ["send_again"]
    list_select_related = ("client",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Send again (failed or waiting deliveries)", permissions=["view"])
    def send_again(self, request, queryset):
        count = retry_now(queryset)
        self.message_user(request, f"{count} deliveries will be sent again.", messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        failed = (
            LogoutDelivery.objects.filter(status=LogoutDelivery.Status.FAILED)
            .values("client__pk", "client__name", "client__client_id")
            .annotate(count=Count("pk"))
            .order_by("-count")
        )
        return super().changelist_view(request, {**(extra_context or {}), "failed_by_client": list(failed)})
