from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by Portico and never edited, not even by a superuser."""

    list_display = ("at", "action", "actor", "target_type", "target_id", "ip_address")
    list_filter = ("action", "target_type", ("at", admin.DateFieldListFilter))
    search_fields = ("target_id", "actor")
    date_hierarchy = "at"
    readonly_fields = ("at", "action", "actor", "ip_address", "target_type", "target_id", "detail")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
