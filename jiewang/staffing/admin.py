"""Admin of the grid's people: read-only lists (writes go through the services and pages, which
check scope, overlaps and dates, keep history and write audit rows). Phones are not shown."""

from django.contrib import admin

from jiewang.audit.admin_audit import AuditedModelAdmin

from .models import GridMember, Person, UnstaffedFlag


class ReadOnlyAdmin(AuditedModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # history is kept: an assignment is ended, never deleted


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("name", "unit", "area", "user", "version")
    search_fields = ("name", "unit")
    exclude = ("work_phone", "personal_phone", "work_phone_index")


@admin.register(GridMember)
class GridMemberAdmin(ReadOnlyAdmin):
    list_display = ("person", "kind", "grid", "start_date", "end_date")
    list_filter = ("kind",)
    search_fields = ("person__name", "grid__name", "grid__code")


@admin.register(UnstaffedFlag)
class UnstaffedFlagAdmin(ReadOnlyAdmin):
    list_display = ("grid", "raised_on", "raised_at", "cleared_at", "notified")
