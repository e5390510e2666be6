from django.contrib import admin

from jiewang.audit.admin_audit import ReadOnlyModelAdmin

from .models import Alarm, DutyDay, DutyHandover, DutyLogEntry


@admin.register(DutyDay)
class DutyDayAdmin(ReadOnlyModelAdmin):
    list_display = ("town", "date", "leader", "version")
    list_filter = ("town",)
    date_hierarchy = "date"


@admin.register(Alarm)
class AlarmAdmin(ReadOnlyModelAdmin):
    list_display = ("event", "town", "severity", "state", "stage", "raised_at", "acknowledged_by")
    list_filter = ("state", "severity", "stage")


@admin.register(DutyLogEntry)
class DutyLogEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("town", "date", "at", "author")


@admin.register(DutyHandover)
class DutyHandoverAdmin(ReadOnlyModelAdmin):
    list_display = ("town", "date", "outgoing", "confirmed_by", "confirmed_at")
