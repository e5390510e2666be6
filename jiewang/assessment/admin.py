from django.contrib import admin

from jiewang.audit.admin_audit import AuditedModelAdmin

from .models import Exclusion, Indicator, ListRule, Run


@admin.register(Indicator)
class IndicatorAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "scheme", "population", "formula", "period_kind", "target", "weight",
                    "direction", "is_active")
    list_filter = ("population", "scheme", "is_active")


@admin.register(ListRule)
class ListRuleAdmin(AuditedModelAdmin):
    list_display = ("population", "red_top_n", "black_bottom_n", "red_min_score", "black_max_score")


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    """Read-only: runs are written by the services (a published one never changes)."""

    list_display = ("area", "period", "version", "status", "computed_at", "published_at")
    list_filter = ("status", "period_kind")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Exclusion)
class ExclusionAdmin(admin.ModelAdmin):
    """Read-only: exclusions are requested and decided through the services (audited)."""

    list_display = ("event", "kind", "status", "requested_by", "decided_by", "decided_at")
    list_filter = ("status", "kind")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
