from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from jiewang.audit.admin_audit import AuditedModelAdmin

from .models import Area, AreaBoundary, BoundaryRevision


class AreaAdminForm(forms.ModelForm):
    """The area form, with the code rule of :mod:`.codes` checked as a form error (rather than a
    refused service call) and its explicit override."""

    allow_foreign_code = forms.BooleanField(
        label=_("Allow a code that does not extend the parent's code"), required=False)

    class Meta:
        model = Area
        fields = "__all__"  # noqa: DJ007 - a placeholder: ModelAdmin.get_form passes its own field list

    def clean(self):
        from .codes import extends_parent_code, foreign_code_message

        data = super().clean()
        parent, code = data.get("parent"), (data.get("code") or "").strip()
        changed = self.instance.pk is None or "code" in self.changed_data or "parent" in self.changed_data
        if (changed and parent is not None and code and not data.get("allow_foreign_code")
                and not extends_parent_code(code, parent.code, parent.level)):
            self.add_error("code", foreign_code_message(code, parent.code, parent.level))
        return data


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    form = AreaAdminForm
    list_display = ("name", "code", "level", "grid_type", "households", "population", "valid_from", "valid_to")
    list_filter = ("level", "grid_type")
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)
    readonly_fields = ("path", "min_lon", "min_lat", "max_lon", "max_lat", "version", "created_at", "updated_at")
    list_select_related = ("parent",)
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        # Admin edits go through the services so that paths, history, revisions and audit hold
        # (a parent change is a move: the subtree's paths follow).
        from . import services

        if change:
            fields = {f: form.cleaned_data[f] for f in form.changed_data if f in services.EDITABLE_FIELDS}
            if fields:
                services.area_update(actor=request.user, area=obj, **fields,
                                     allow_foreign_code=form.cleaned_data.get("allow_foreign_code", False))
            if "parent" in form.changed_data and form.cleaned_data["parent"] is not None:
                services.area_move(actor=request.user, area=obj, parent=form.cleaned_data["parent"],
                                   reason="admin")
            if "geometry" in form.changed_data:
                services.area_set_boundary(actor=request.user, area=obj, geometry=form.cleaned_data["geometry"],
                                           reason="admin")
        else:
            created = services.area_create(
                actor=request.user, parent=obj.parent, level=obj.level, code=obj.code, name=obj.name,
                grid_type=obj.grid_type, population=obj.population, households=obj.households,
                geometry=obj.geometry, valid_from=obj.valid_from,
                allow_foreign_code=form.cleaned_data.get("allow_foreign_code", False),
            )
            obj.pk = created.pk


@admin.register(AreaBoundary)
class AreaBoundaryAdmin(AuditedModelAdmin):
    list_display = ("area", "valid_from", "valid_to", "reason", "changed_by")
    raw_id_fields = ("area", "changed_by")
    search_fields = ("area__name", "area__code")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BoundaryRevision)
class BoundaryRevisionAdmin(AuditedModelAdmin):
    list_display = ("revision", "changed_at")

    def has_change_permission(self, request, obj=None):
        return False
