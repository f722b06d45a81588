"""The admin's history, one entry saved per object (mixed into Portico's ModelAdmins).

Django writes the entries of a bulk "delete selected" with one bulk_create, which sends no post_save: the
audit log, which hears the admin's history through LogEntry saves (audit/receivers.py), would not see the
deletion. Saved one at a time, every deleted object is an admin_action event, as a single deletion is."""


class PerObjectLog:
    def log_deletions(self, request, queryset):
        log_deletions = super().log_deletions  # type: ignore[misc]
        return [entry for obj in queryset for entry in log_deletions(request, [obj])]
