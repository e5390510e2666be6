from django.contrib import admin

from jiewang.audit.admin_audit import AuditedModelAdmin

from .models import SupervisionEntry


@admin.register(SupervisionEntry)
class SupervisionEntryAdmin(AuditedModelAdmin):
    """Read-only: entries are written by the sweeper's listener, the registry row and the
    activity hook, and their outcome by ``services.outcomes.entry_settle`` alone."""

    list_display = ("event", "kind", "source", "target_kind", "issued_at", "reply_due_at", "outcome")
    list_filter = ("kind", "source", "outcome", "target_kind")
    raw_id_fields = ("event", "assignment", "issued_by", "answered_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
