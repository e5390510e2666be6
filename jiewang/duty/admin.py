from django.contrib import admin

from jiewang.audit.admin_audit import AuditedModelAdmin

from .models import Alarm, DutyDay, DutyHandover, DutyLogEntry


class ReadOnlyAdmin(AuditedModelAdmin):
    """The duty is written through its services (pages and API); the admin only shows it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DutyDay)
class DutyDayAdmin(ReadOnlyAdmin):
    list_display = ("town", "date", "leader", "version")
    list_filter = ("town",)
    date_hierarchy = "date"


@admin.register(Alarm)
class AlarmAdmin(ReadOnlyAdmin):
    list_display = ("event", "town", "severity", "state", "stage", "raised_at", "acknowledged_by")
    list_filter = ("state", "severity", "stage")


@admin.register(DutyLogEntry)
class DutyLogEntryAdmin(ReadOnlyAdmin):
    list_display = ("town", "date", "at", "author")


@admin.register(DutyHandover)
class DutyHandoverAdmin(ReadOnlyAdmin):
    list_display = ("town", "date", "outgoing", "confirmed_by", "confirmed_at")
