"""Read-only admin of the loaded holiday arrangements. The work calendar's own overrides
(WorkdayOverride) are edited in an admin that audits each write: it lives in audit/admin.py, since
core imports no app."""

from django.contrib import admin

from .models import HolidayArrangement, HolidayArrangementDay


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
