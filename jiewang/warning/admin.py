from django.contrib import admin

from jiewang.audit.admin_audit import AuditedModelAdmin

from .models import Alert, Device, SensorReading, WarningCursor, WarningRule


@admin.register(WarningRule)
class WarningRuleAdmin(AuditedModelAdmin):
    list_display = ("name", "kind", "area", "enabled", "version")
    list_filter = ("kind", "enabled")
    readonly_fields = ("area", "kind", "params", "version", "created_by", "updated_at")

    def has_add_permission(self, request):
        return False  # rules are written through the API (services.rules) with their parameters checked

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(AuditedModelAdmin):
    list_display = ("title", "kind", "area", "state", "raised_at")
    list_filter = ("kind", "state")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Device)
class DeviceAdmin(AuditedModelAdmin):
    list_display = ("name", "prefix", "area", "is_active", "last_seen_at")
    readonly_fields = ("prefix", "area", "lon", "lat", "created_by", "created_at", "last_seen_at")

    def has_add_permission(self, request):
        return False  # registered through the API, which shows the key once

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SensorReading)
class SensorReadingAdmin(AuditedModelAdmin):
    list_display = ("device", "kind", "value", "measured_at", "received_at")
    list_filter = ("kind",)

    def has_add_permission(self, request):
        return False  # readings come from the devices

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WarningCursor)
class WarningCursorAdmin(AuditedModelAdmin):
    """The evaluation's high-water marks: deleting one makes the worker evaluate everything again
    (alerts are deduplicated, so nothing is raised twice)."""

    list_display = ("name", "last_id", "updated_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
