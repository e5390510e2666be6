"""The admin of the audit log (read-only) and of core's work calendar overrides.

``WorkdayOverride`` lives in ``core`` (the working-time rules need it), but its admin writes an
audit entry for every edit, and ``core`` imports no app: so the admin is registered here, in the
app it depends on."""

from django.contrib import admin

from jiewang.core.models import WorkdayOverride

from .admin_audit import ReadOnlyModelAdmin
from .models import AuditEntry
from .services import audit_record


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "object_id", "actor__username")
    date_hierarchy = "at"


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(admin.ModelAdmin):
    """Local holidays, extra make-up days and weather day-offs (override the national calendar)."""

    list_display = ("date", "is_workday", "name", "created_by", "updated_at")
    list_filter = ("is_workday",)
    search_fields = ("name", "note")
    date_hierarchy = "date"
    raw_id_fields = ("created_by",)
    readonly_fields = ("created_by", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="workday_override.update" if change else
                     "workday_override.create", obj=obj,
                     data={"date": obj.date.isoformat(), "is_workday": obj.is_workday})

    def delete_model(self, request, obj):
        data = {"date": obj.date.isoformat(), "is_workday": obj.is_workday}
        object_id = str(obj.pk)
        super().delete_model(request, obj)
        audit_record(actor=request.user, action="workday_override.delete", data=data,
                     object_type="core.workdayoverride", object_id=object_id)

    def delete_queryset(self, request, queryset):
        for obj in list(queryset):
            self.delete_model(request, obj)
