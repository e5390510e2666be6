from django.contrib import admin

from jiewang.audit.admin_audit import AuditedModelAdmin

from .models import (ChecklistItem, Deadline, Event, EventActivity, EventNumberSequence, EventPhoto, MatterCategory,
                     ReporterCode)


@admin.register(MatterCategory)
class MatterCategoryAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "board_kind", "closable_level", "grid_may_self_handle", "is_active")
    list_filter = ("board_kind", "closable_level", "is_active")
    search_fields = ("code", "name", "keywords")
    raw_id_fields = ("parent",)


class ActivityInline(admin.TabularInline):
    model = EventActivity
    extra = 0
    can_delete = False
    readonly_fields = ("at", "action", "from_status", "to_status", "actor", "actor_role", "comment", "data")

    def has_add_permission(self, request, obj=None):
        return False


class ChecklistInline(admin.TabularInline):
    model = ChecklistItem
    fields = ("order", "text", "done_at", "done_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(AuditedModelAdmin):
    """Read-only: events change only through the lifecycle services (API and pages)."""

    list_display = ("number", "title", "status", "level", "category", "reported_at", "due_at", "is_overdue")
    list_filter = ("status", "level", "board_kind", "channel", "source", "urgency", "is_overdue")
    search_fields = ("number", "title")
    date_hierarchy = "reported_at"
    inlines = [ChecklistInline, ActivityInline]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(EventPhoto)
class EventPhotoAdmin(AuditedModelAdmin):
    list_display = ("event", "kind", "content_type", "size", "taken_at", "uploaded_at")
    raw_id_fields = ("event", "uploaded_by")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ChecklistItem)
class ChecklistItemAdmin(AuditedModelAdmin):
    """Read-only: a task's items are written when it is sent down and ticked by its feedback."""

    list_display = ("event", "order", "text", "done_at", "done_by")
    raw_id_fields = ("event", "done_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Deadline)
class DeadlineAdmin(AuditedModelAdmin):
    list_display = ("event", "kind", "subject_type", "subject_id", "due_at", "state", "stage")
    list_filter = ("kind", "state", "stage")
    raw_id_fields = ("event",)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EventActivity)
class EventActivityAdmin(AuditedModelAdmin):
    list_display = ("event", "action", "from_status", "to_status", "actor", "at")
    list_filter = ("action",)
    raw_id_fields = ("event", "actor")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EventNumberSequence)
class EventNumberSequenceAdmin(AuditedModelAdmin):
    list_display = ("town", "year", "last")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReporterCode)
class ReporterCodeAdmin(AuditedModelAdmin):
    """Read-only: one-time codes are issued and used by events.services.reporter_codes; the list
    shows neither the phone nor the code (only their keyed hashes exist)."""

    list_display = ("id", "created_at", "expires_at", "attempts", "used_at")
    exclude = ("phone_index", "code_hash", "ip_index")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
