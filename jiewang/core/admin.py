from django.contrib import admin

from jiewang.audit.services import audit_record

from .models import HolidayArrangement, HolidayArrangementDay, WorkdayOverride


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


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Arrangements are loaded through jiewang.holidays (/manage/holidays/, ``load_holidays``), which
    checks and audits them; the admin only shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HolidayArrangementDayInline(admin.TabularInline):
    model = HolidayArrangementDay
    fields = ("date", "is_workday")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(HolidayArrangement)
class HolidayArrangementAdmin(_ReadOnlyAdmin):
    list_display = ("year", "notice", "published_on", "loaded_by", "loaded_at")
    inlines = [HolidayArrangementDayInline]


@admin.register(HolidayArrangementDay)
class HolidayArrangementDayAdmin(_ReadOnlyAdmin):
    list_display = ("date", "is_workday", "arrangement")
    list_filter = ("is_workday", "arrangement__year")
    date_hierarchy = "date"
