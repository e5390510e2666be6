"""Audit rows for writes made in the Django admin.

The admin is a superuser's tool beside the services; whatever it writes still leaves the row a
service would (who, what, which fields), in the same transaction (the admin's views are atomic).
The admin reports every write it makes — add and change pages, inline rows, list edits, the
password form, single and bulk deletes — through its ``log_*`` methods; this mixin turns each into
an :class:`~jiewang.audit.models.AuditEntry` with the admin's own change message. Admins of
models that may be written there use it; the others are read-only or call the services
themselves (``AreaAdmin``). ``jiewang/core/tests/test_admin.py`` holds every writable admin to
that.
"""

from __future__ import annotations

import json

from django.contrib import admin

from .services import audit_record


def _message(message) -> object:
    if isinstance(message, str) and message.startswith("["):
        try:
            return json.loads(message)
        except ValueError:
            pass
    return message or ""


class AuditedModelAdmin(admin.ModelAdmin):
    def log_addition(self, request, obj, message):
        audit_record(actor=request.user, action=f"{obj._meta.model_name}.admin_create", obj=obj,
                     data={"admin": _message(message)})
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit_record(actor=request.user, action=f"{obj._meta.model_name}.admin_change", obj=obj,
                     data={"admin": _message(message)})
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        # Called before the rows go: their ids and names are still there.
        for obj in queryset:
            audit_record(actor=request.user, action=f"{obj._meta.model_name}.admin_delete", obj=obj)
        return super().log_deletions(request, queryset)


class ReadOnlyModelAdmin(AuditedModelAdmin):
    """An admin that only shows: for rows written by services alone (the audit log, derived
    rollups, published assessment runs, the duty), where an edit here would bypass their checks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
