from django.contrib import admin

from jiewang.audit.admin_audit import AuditedModelAdmin

from .models import Assignment, ExtensionRequest, Whistle, WhistlePolicy, WhistleRequest, WhistleSummons


@admin.register(Assignment)
class AssignmentAdmin(AuditedModelAdmin):
    list_display = ("event", "department", "post", "role", "status", "dispatched_at", "signed_at")
    list_filter = ("role", "status")
    raw_id_fields = ("event", "department", "post", "dispatched_by", "signed_by")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(AuditedModelAdmin):
    list_display = ("event", "requested_due_at", "status", "requested_at", "decided_at")
    list_filter = ("status",)
    raw_id_fields = ("event", "assignment", "requested_by", "decided_by")

    def has_change_permission(self, request, obj=None):
        return False


class SummonsInline(admin.TabularInline):
    model = WhistleSummons
    extra = 0
    raw_id_fields = ("department", "reported_in_by", "rated_by")


@admin.register(Whistle)
class WhistleAdmin(AuditedModelAdmin):
    list_display = ("event", "level", "area", "is_urgent", "blown_at", "report_in_due_at", "closed_at")
    raw_id_fields = ("event", "area", "blown_by")
    inlines = [SummonsInline]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WhistleSummons)
class WhistleSummonsAdmin(AuditedModelAdmin):
    list_display = ("whistle", "department", "status", "reported_in_at", "rating")
    list_filter = ("status",)
    raw_id_fields = ("whistle", "department", "reported_in_by", "rated_by")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WhistleRequest)
class WhistleRequestAdmin(AuditedModelAdmin):
    list_display = ("event", "level", "area", "is_urgent", "status", "requested_at", "decided_at")
    list_filter = ("status",)
    raw_id_fields = ("event", "area", "requested_by", "decided_by", "whistle")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WhistlePolicy)
class WhistlePolicyAdmin(AuditedModelAdmin):
    """Read here; set on /manage/whistles/ (the service checks the district and the version)."""

    list_display = ("district", "direct_whistle_allowed", "updated_at", "updated_by")
    raw_id_fields = ("district", "updated_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
