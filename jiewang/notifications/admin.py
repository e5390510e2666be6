from django.contrib import admin

from jiewang.audit.admin_audit import AuditedModelAdmin

from .models import Notification, OutboundMessage


@admin.register(Notification)
class NotificationAdmin(AuditedModelAdmin):
    list_display = ("recipient", "kind", "title", "event_number", "created_at", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("recipient",)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(AuditedModelAdmin):
    list_display = ("recipient", "channel", "status", "attempts", "created_at", "sent_at")
    list_filter = ("channel", "status")
    exclude = ("address",)
    raw_id_fields = ("recipient",)

    def has_change_permission(self, request, obj=None):
        return False
