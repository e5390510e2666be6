from django.contrib import admin

from jiewang.audit.admin_audit import AuditedModelAdmin

from .models import Bulletin, BulletinFile


@admin.register(Bulletin)
class BulletinAdmin(AuditedModelAdmin):
    """Read-only: bulletins are made by the worker, ``manage.py bulletins`` and the page's "generate
    now" (services.bulletins), and downloaded through the audited page and API."""

    list_display = ("area", "period", "version", "status", "generated_at", "generated_by")
    list_filter = ("status", "period")
    search_fields = ("area__name", "area__code", "period")
    exclude = ("area_path",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BulletinFile)
class BulletinFileAdmin(AuditedModelAdmin):
    """Read-only, without the bytes (downloads go through the audited page and API)."""

    list_display = ("bulletin", "format", "size", "sha256")
    list_filter = ("format",)
    exclude = ("content",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
