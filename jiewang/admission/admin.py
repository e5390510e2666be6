"""Read-only admin of the duty admission list and pushed tasks: they are written only through
``services`` (the list's drafts and publication, the gate, the command center's decisions)."""

from django.contrib import admin

from jiewang.audit.admin_audit import ReadOnlyModelAdmin

from .models import DutyItem, DutyList, PushRequest, TaskRecord


@admin.register(DutyList)
class DutyListAdmin(ReadOnlyModelAdmin):
    list_display = ("district", "version", "status", "published_at", "published_by")
    list_filter = ("status",)


@admin.register(DutyItem)
class DutyItemAdmin(ReadOnlyModelAdmin):
    list_display = ("code", "name", "kind", "level", "expected_hours", "duty_list")
    list_filter = ("kind", "level")


@admin.register(PushRequest)
class PushRequestAdmin(ReadOnlyModelAdmin):
    list_display = ("title", "area", "status", "pusher_kind", "duty_item", "list_version", "pushed_at")
    list_filter = ("status", "pusher_kind")


@admin.register(TaskRecord)
class TaskRecordAdmin(ReadOnlyModelAdmin):
    """A data-collection task's rows (pre-filled from base data): shown, never edited here."""

    list_display = ("id", "push", "label", "status")
    exclude = ("prefilled", "values")  # personal data from base data: shown masked by the pages only
