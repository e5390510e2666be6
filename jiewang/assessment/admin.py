from django.contrib import admin

from jiewang.audit.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin

from .models import Exclusion, Indicator, ListRule, MemberScore, Result, Run


@admin.register(Indicator)
class IndicatorAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "scheme", "population", "formula", "period_kind", "target", "weight",
                    "direction", "is_active")
    list_filter = ("population", "scheme", "is_active")


@admin.register(ListRule)
class ListRuleAdmin(AuditedModelAdmin):
    list_display = ("population", "red_top_n", "black_bottom_n", "red_min_score", "black_max_score")


@admin.register(Run)
class RunAdmin(ReadOnlyModelAdmin):
    list_display = ("area", "period", "version", "status", "computed_at", "published_at")
    list_filter = ("status", "period_kind")


@admin.register(Result)
class ResultAdmin(ReadOnlyModelAdmin):
    list_display = ("run", "population", "member_name", "indicator", "numerator", "denominator", "value", "score")
    list_filter = ("population",)


@admin.register(MemberScore)
class MemberScoreAdmin(ReadOnlyModelAdmin):
    list_display = ("run", "population", "scheme", "member_name", "score", "grade", "rank", "list_kind")
    list_filter = ("population", "scheme")


@admin.register(Exclusion)
class ExclusionAdmin(ReadOnlyModelAdmin):
    list_display = ("event", "kind", "status", "requested_by", "decided_by", "decided_at")
    list_filter = ("status", "kind")
