"""Read-only admin of the rollups: they are derived data, written only by the rollup services
(the worker's job and ``manage.py rollups_rebuild``); an edit here would make them disagree with
the events they count."""

from django.contrib import admin

from jiewang.audit.admin_audit import ReadOnlyModelAdmin

from .models import (Rollup, RollupDay, RollupEventState, RollupGridMonth, RollupMark, RollupMonth, RollupOverdueUnit,
                     RollupStock)


@admin.register(Rollup)
class RollupAdmin(ReadOnlyModelAdmin):
    list_display = ("day", "area_id", "level", "board_kind", "category_id", "channel", "source", "status",
                    "new", "open", "overdue", "closed")
    list_filter = ("level", "board_kind", "channel", "source", "status")
    date_hierarchy = "day"


@admin.register(RollupMonth)
class RollupMonthAdmin(ReadOnlyModelAdmin):
    list_display = ("month", "area_id", "level", "board_kind", "category_id", "new", "open", "closed")
    list_filter = ("level", "board_kind")


@admin.register(RollupDay)
class RollupDayAdmin(ReadOnlyModelAdmin):
    list_display = ("day", "area_id", "new", "open", "overdue", "closed")


@admin.register(RollupStock)
class RollupStockAdmin(ReadOnlyModelAdmin):
    list_display = ("area_id", "open", "open_overdue")


@admin.register(RollupGridMonth)
class RollupGridMonthAdmin(ReadOnlyModelAdmin):
    list_display = ("month", "area_id", "grid_id", "new", "overdue")


@admin.register(RollupOverdueUnit)
class RollupOverdueUnitAdmin(ReadOnlyModelAdmin):
    list_display = ("area_id", "department_id", "post_id", "overdue")


@admin.register(RollupEventState)
class RollupEventStateAdmin(ReadOnlyModelAdmin):
    list_display = ("event_id", "status", "reported_day", "closed_day", "is_overdue", "units")


@admin.register(RollupMark)
class RollupMarkAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "activity_id", "updated_at")
