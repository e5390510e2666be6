"""Administration pages (/manage/): who may enter, the catalog form and its validation, users,
grants and revocations."""

import pytest

from jiewang.accounts.models import RoleGrant, User
from jiewang.events.models import MatterCategory


@pytest.fixture
def catalog(db):
    from jiewang.events.services.catalog import catalog_seed

    catalog_seed()


def deadline_form(category, **over) -> dict:
    data = {"name": category.name, "keywords": category.keywords, "closable_level": category.closable_level,
            "default_department_codes": ", ".join(category.default_department_codes), "is_active": "1"}
    if category.grid_may_self_handle:
        data["grid_may_self_handle"] = "1"
    for urgency, steps in category.deadlines.items():
        for step, (amount, unit) in steps.items():
            data[f"dl-{urgency}-{step}-amount"] = str(amount)
            data[f"dl-{urgency}-{step}-unit"] = unit
    data.update(over)
    return data


@pytest.mark.django_db
def test_who_may_enter(people, client_for, catalog):
    for u in (people.community_staff, people.grid_worker, people.department_staff, people.town_operator,
              people.resident, people.nobody):
        c = client_for(u)
        assert c.get("/manage/").status_code == 403, u
        assert c.get("/manage/catalog/").status_code == 403
        assert c.get("/manage/users/").status_code == 403
    assert client_for(None).get("/manage/").status_code == 302  # sign in first
    leader = client_for(people.town_leader)
    assert leader.get("/manage/").url == "/manage/users/"
    assert leader.get("/manage/users/").status_code == 200
    assert leader.get("/manage/catalog/").status_code == 403  # town leaders see users only
    admin = client_for(people.district_admin)
    page = admin.get("/manage/").content.decode()
    assert "/manage/catalog/" in page and "/manage/users/" in page
    page = admin.get("/manage/catalog/").content.decode()
    assert "占道经营" in page and "SL01" in page


@pytest.mark.django_db
def test_catalog_edit_saves_and_validates(people, client_for, catalog):
    c = client_for(people.district_admin)
    cat = MatterCategory.objects.get(code="SL01")
    assert c.get("/manage/catalog/SL01/").status_code == 200
    r = c.post("/manage/catalog/SL01/", deadline_form(cat, **{
        "dl-normal-handle-amount": "5", "dl-normal-handle-unit": "working_days",
        "dl-emergency-handle-amount": "6", "dl-emergency-handle-unit": "calendar_hours",
        "default_department_codes": "cgj，ghzy", "closable_level": "town"}))
    assert r.status_code == 302 and r.url == "/manage/catalog/"
    cat.refresh_from_db()
    assert cat.deadlines["normal"]["handle"] == [5, "working_days"]
    assert cat.deadlines["emergency"]["handle"] == [6, "calendar_hours"]
    assert cat.default_department_codes == ["cgj", "ghzy"] and cat.closable_level == "town"
    before = cat.deadlines
    # A zero limit is refused by the service: shown inline, nothing saved.
    r = c.post("/manage/catalog/SL01/", deadline_form(cat, **{"dl-normal-accept-amount": "0"}))
    page = r.content.decode()
    assert r.status_code == 422 and "无效" in page and "cell-error" in page
    cat.refresh_from_db()
    assert cat.deadlines == before
    # Not a number: marked cell, nothing saved.
    r = c.post("/manage/catalog/SL01/", deadline_form(cat, **{"dl-normal-verify-amount": "abc"}))
    assert r.status_code == 422 and 'aria-invalid="true"' in r.content.decode()
    # A name taken by a sibling.
    sibling = MatterCategory.objects.filter(parent=cat.parent).exclude(pk=cat.pk).first()
    r = c.post("/manage/catalog/SL01/", deadline_form(cat, name=sibling.name))
    assert r.status_code == 422 and "同名类别已存在" in r.content.decode()
    cat.refresh_from_db()
    assert cat.name == "占道经营"
    assert c.get("/manage/catalog/NOPE/").status_code == 404


@pytest.mark.django_db
def test_users_create_grant_and_revoke(tree, people, client_for):
    c = client_for(people.town_leader)  # manages 一街道
    page = c.get("/manage/users/").content.decode()
    assert "community_staff" in page and "other_community_staff" not in page
    r = c.post("/manage/users/", {"username": "new_gw", "display_name": "新网格员", "password": "a-long-pass-2026",
                                  "role": "grid_worker", "area": tree.g2.pk})
    assert r.status_code == 302
    new = User.objects.get(username="new_gw")
    assert r.url == f"/manage/users/{new.pk}/"
    grant = RoleGrant.objects.get(user=new)
    assert grant.role == "grid_worker" and grant.area_id == tree.g2.pk
    # A role on a wrong level is refused with the service's message, nothing granted.
    r = c.post(f"/manage/users/{new.pk}/", {"role": "community_staff", "area": tree.g1.pk})
    assert r.status_code == 422 and "该角色只能授予在" in r.content.decode()
    assert RoleGrant.objects.filter(user=new).count() == 1
    # Outside the leader's town: the area is not found.
    r = c.post(f"/manage/users/{new.pk}/", {"role": "community_staff", "area": tree.c3.pk})
    assert r.status_code == 422 and RoleGrant.objects.filter(user=new).count() == 1
    r = c.post(f"/manage/users/{new.pk}/", {"role": "community_staff", "area": tree.c1.pk})
    assert r.status_code == 302 and RoleGrant.objects.active().filter(user=new).count() == 2
    r = c.post(f"/manage/users/{new.pk}/grants/{grant.pk}/revoke/")
    assert r.status_code == 302
    grant.refresh_from_db()
    assert grant.valid_to is not None
    assert "甲社区第2网格" not in c.get(f"/manage/users/{new.pk}/").content.decode()
    # A failed create (duplicate username) keeps the form and creates nothing.
    r = c.post("/manage/users/", {"username": "new_gw", "role": "grid_worker", "area": tree.g2.pk})
    assert r.status_code == 422 and User.objects.filter(username__iexact="new_gw").count() == 1
    # A failed grant on create rolls the user back.
    r = c.post("/manage/users/", {"username": "half", "role": "grid_worker", "area": tree.c1.pk})
    assert r.status_code == 422 and not User.objects.filter(username="half").exists()
    # Users of another district are not found.
    other = client_for(people.other_district_admin)
    assert other.get(f"/manage/users/{new.pk}/").status_code == 404
    r = other.post(f"/manage/users/{new.pk}/grants/{grant.pk}/revoke/")
    assert r.status_code == 302  # back with a message; nothing changed


@pytest.mark.django_db
def test_area_picker_searches_within_scope(tree, people, client_for):
    c = client_for(people.town_leader)
    page = c.get("/manage/areas/", {"area_q": "社区"}).content.decode()
    assert "甲社区" in page and "乙社区" in page and "丙村" not in page
    page = c.get("/manage/users/", {"area_q": "甲社区第2"}).content.decode()
    assert f'<option value="{tree.g2.pk}">' in page
