import pytest
from django.apps import apps
from django.contrib import admin


def test_every_project_model_has_an_admin():
    ours = [m for m in apps.get_models() if m.__module__.startswith("jiewang.")]
    missing = [m._meta.label for m in ours if m not in admin.site._registry]
    assert missing == []


@pytest.mark.django_db
def test_admin_changelists_render(people, client_for):
    c = client_for(people.admin)
    for model in admin.site._registry:
        if not model.__module__.startswith("jiewang."):
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert c.get(url).status_code == 200, url


# Admins that write through the services (which write the audit rows) instead of the mixin.
WRITES_THROUGH_SERVICES = {"areas.Area", "core.WorkdayOverride"}


@pytest.mark.django_db
def test_every_writable_admin_leaves_audit_rows(people, rf):
    from jiewang.audit.admin_audit import AuditedModelAdmin

    request = rf.get("/admin/")
    request.user = people.admin
    unaudited = []
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("jiewang."):
            continue
        writes = (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
                  or model_admin.has_delete_permission(request))
        if writes and not isinstance(model_admin, AuditedModelAdmin) \
                and model._meta.label not in WRITES_THROUGH_SERVICES:
            unaudited.append(model._meta.label)
    assert unaudited == []


@pytest.mark.django_db
def test_admin_edits_are_audited(tree, people, client_for):
    from jiewang.accounts.models import Department, RoleGrant
    from jiewang.audit.models import AuditEntry

    c = client_for(people.admin)
    dept = people.department
    url = f"/admin/accounts/department/{dept.pk}/change/"
    page = c.get(url)
    assert page.status_code == 200
    form = {"area": tree.d1.pk, "name": "北区城市管理局（新）", "code": dept.code,
            "phone": "", "is_active": "on"}
    r = c.post(url, form)
    assert r.status_code == 302, r.content[:500]
    assert Department.objects.get(pk=dept.pk).name == "北区城市管理局（新）"
    entry = AuditEntry.objects.get(action="department.admin_change")
    assert entry.actor == people.admin and entry.object_id == str(dept.pk)
    assert entry.data["admin"] == [{"changed": {"fields": ["Name"]}}]

    grant = RoleGrant.objects.get(user=people.grid_worker)
    r = c.post(f"/admin/accounts/rolegrant/{grant.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302 and not RoleGrant.objects.filter(pk=grant.pk).exists()
    gone = AuditEntry.objects.get(action="rolegrant.admin_delete")
    assert gone.object_id == str(grant.pk) and gone.actor == people.admin
