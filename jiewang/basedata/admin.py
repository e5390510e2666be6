"""Admin of base data. The key groups are configuration (their default risk grade and visit
frequency: editable, audited). Everything else is written by the services and the import (scope,
validation, audit rows), so the admin only shows it — and never personal data in clear: the
resident and unit pages list the masked ID number and phones only."""

from django.contrib import admin

from jiewang.audit.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin

from .models import Address, Building, House, ImportRun, KeyGroup, KeyPerson, Resident, Unit


@admin.register(KeyGroup)
class KeyGroupAdmin(AuditedModelAdmin):
    list_display = ("name", "code", "default_risk", "visit_days", "sensitive", "is_active", "order")
    list_editable = ("default_risk", "visit_days", "is_active")
    readonly_fields = ("code",)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # memberships refer to it: deactivate instead


@admin.register(Building)
class BuildingAdmin(ReadOnlyModelAdmin):
    list_display = ("__str__", "grid")
    search_fields = ("road", "number", "name")
    fields = ("grid", "road", "number", "name", "lon", "lat", "version")


@admin.register(Address)
class AddressAdmin(ReadOnlyModelAdmin):
    list_display = ("text", "grid")
    search_fields = ("text",)
    fields = ("grid", "building", "text", "road", "number", "building_name", "unit", "room", "lon", "lat", "version")


@admin.register(House)
class HouseAdmin(ReadOnlyModelAdmin):
    list_display = ("address", "use", "area_m2", "grid")
    list_filter = ("use",)
    fields = ("grid", "address", "use", "area_m2", "owner_name", "version")


@admin.register(Resident)
class ResidentAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "id_masked", "phone_masked", "kind", "relation", "is_active", "grid")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    fields = ("grid", "house", "name", "gender", "birth_date", "id_masked", "phone_masked", "kind", "relation",
              "is_active", "moved_out_at", "note", "version")  # never the clear id_number / phone


@admin.register(Unit)
class UnitAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "kind", "credit_code", "grid")
    list_filter = ("kind",)
    search_fields = ("name", "credit_code")
    fields = ("grid", "address", "name", "kind", "credit_code", "contact_name", "contact_phone_masked", "is_active",
              "version")


@admin.register(KeyPerson)
class KeyPersonAdmin(ReadOnlyModelAdmin):
    list_display = ("resident", "group", "risk", "visit_days", "last_visited_at", "ended_at")
    list_filter = ("group", "risk")
    fields = ("grid", "resident", "group", "risk", "visit_days", "since", "last_visited_at", "ended_at", "note")


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "area", "actor", "mode", "rows", "imported")
    fields = ("created_at", "area", "actor", "filename", "mode", "rows", "imported", "errors")
