"""Read-only admin of patrols and visits: every row is written by the services (scope, audit,
idempotency), which an edit here would bypass."""

from django.contrib import admin

from jiewang.audit.admin_audit import ReadOnlyModelAdmin

from .models import CheckIn, Patrol, PatrolRule, TrackBatch, TrackPoint, Visit


@admin.register(PatrolRule)
class PatrolRuleAdmin(ReadOnlyModelAdmin):
    list_display = ("grid", "kind", "every", "unit", "is_active", "version")
    list_filter = ("kind", "unit", "is_active")
    exclude = ("version", "updated_at")


@admin.register(Patrol)
class PatrolAdmin(ReadOnlyModelAdmin):
    list_display = ("grid", "worker", "day", "status", "point_count", "outside_count")
    list_filter = ("status",)
    date_hierarchy = "started_at"
    exclude = ("version",)
    list_select_related = ("grid", "worker")


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyModelAdmin):
    list_display = ("patrol", "at", "building", "outside", "note")
    list_select_related = ("building",)
    list_filter = ("outside",)
    exclude = ("client_id", "photo_sha256", "created_at")


@admin.register(Visit)
class VisitAdmin(ReadOnlyModelAdmin):
    list_display = ("grid", "worker", "subject", "visited_at", "event")
    list_filter = ("subject",)
    list_select_related = ("grid", "worker", "event")
    raw_id_fields = ("house", "key_person", "event")
    exclude = ("lon", "lat", "created_at")


@admin.register(TrackBatch)
class TrackBatchAdmin(ReadOnlyModelAdmin):
    list_display = ("patrol", "client_id", "received_at", "point_count", "outside_count")
    list_select_related = ("patrol",)


@admin.register(TrackPoint)
class TrackPointAdmin(ReadOnlyModelAdmin):
    list_display = ("patrol", "recorded_at", "lon", "lat", "outside")
    list_filter = ("outside",)
    raw_id_fields = ("patrol", "batch")
