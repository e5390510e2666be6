from django.contrib import admin

from jiewang.audit.services import audit_record

from .models import WorkdayOverride


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
