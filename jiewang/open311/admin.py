from django import forms
from django.contrib import admin, messages

from jiewang.audit.admin_audit import AuditedModelAdmin
from jiewang.core.errors import ValidationFailed

from .models import ApiKey, Submission
from .services import api_key_generate, check_key_area


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("name", "organization", "area", "is_active")

    def clean_area(self):
        area = self.cleaned_data.get("area")
        try:
            check_key_area(area)
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return area


@admin.register(ApiKey)
class ApiKeyAdmin(AuditedModelAdmin):
    """Keys of Open311 clients. Adding one shows the clear key once (only its hash is kept);
    untick "active" to cut a client off. The area (a town or higher) is optional: bound to a town,
    the client may post requests located by an address only."""

    form = ApiKeyForm
    list_display = ("name", "organization", "area", "prefix", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "organization", "prefix")
    raw_id_fields = ("area",)
    fields = ("name", "organization", "area", "is_active", "prefix", "created_at", "created_by", "last_used_at")
    readonly_fields = ("prefix", "created_at", "created_by", "last_used_at")

    def save_model(self, request, obj, form, change):
        if not change:
            from jiewang.audit.services import audit_record

            clear, obj.prefix, obj.key_hash = api_key_generate()
            obj.created_by = request.user
            super().save_model(request, obj, form, change)
            audit_record(actor=request.user, action="open311_key.create", obj=obj,
                         data={"name": obj.name, "prefix": obj.prefix,
                               "area": obj.area.code if obj.area_id else None})
            messages.warning(request, f"Open311 API key for {obj.name}: {clear} — copy it now, it is not shown "
                                      "again. / 请立即复制此密钥，之后不再显示。")
            return
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # submissions keep pointing to their key; deactivate instead


@admin.register(Submission)
class SubmissionAdmin(AuditedModelAdmin):
    """Read-only record of what each client submitted (contact e-mail stays out of lists)."""

    list_display = ("event", "api_key", "device_id", "account_id", "created_at")
    list_filter = ("api_key",)
    search_fields = ("event__number", "device_id", "account_id")
    raw_id_fields = ("event",)
    readonly_fields = ("event", "api_key", "idempotency_key", "body_sha256", "device_id", "account_id", "email",
                       "media_url", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
