"""Services: addresses located in grids, duplicates by ID number, stale edits, move-out, key
persons, scope and audit rows."""

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.basedata.models import KeyGroup, KeyPerson, Resident
from jiewang.basedata.services import places, residents
from jiewang.basedata.testing import ID_LI, ID_ZHANG, house_at, resident_in
from jiewang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def test_key_groups_are_seeded_with_frequencies():
    groups = {g.code: g for g in KeyGroup.objects.all()}
    assert {"elderly_alone", "disabled", "low_income", "left_behind_child", "released", "community_correction",
            "mental_illness", "drug_user"} <= set(groups)
    assert groups["community_correction"].visit_days == 7 and groups["community_correction"].default_risk == "high"
    assert groups["drug_user"].sensitive and not groups["elderly_alone"].sensitive


def test_address_grid_located_from_a_point(tree, people, settings):
    settings.LOCATOR_REVISION_CHECK_SECONDS = 0
    a = places.address_create(actor=people.grid_worker, lon=106.06, lat=29.2, road="学府路", number="1号")
    assert (a.grid_id, a.area_path, a.text) == (tree.g1.pk, tree.g1.path, "学府路1号")
    assert AuditEntry.objects.filter(action="address.create", object_id=str(a.pk)).exists()
    with pytest.raises(ValidationFailed):
        places.address_create(actor=people.grid_worker, grid=tree.c1, road="学府路", number="2号")


def test_address_outside_scope_refused(tree, people):
    with pytest.raises(NotFound):
        places.address_create(actor=people.grid_worker, grid=tree.g2, road="学府路", number="3号")
    with pytest.raises(PermissionDenied):
        places.address_create(actor=people.town_leader, grid=tree.g1, road="学府路", number="3号")


def test_resident_from_id_number_and_duplicate_refused(tree, people):
    house = house_at(tree.g1)
    r = residents.resident_create(actor=people.grid_worker, house=house, name="张三", id_number=ID_ZHANG.lower())
    assert (r.gender, str(r.birth_date), r.id_masked) == ("female", "1949-12-31", "1101**********002X")
    other_house = house_at(tree.g1, room="502")
    with pytest.raises(Conflict) as exc:
        residents.resident_create(actor=people.community_staff, house=other_house, name="冒名", id_number=ID_ZHANG)
    assert exc.value.code == "basedata.duplicate_id" and exc.value.fields["resident_id"] == r.pk
    with pytest.raises(ValidationFailed) as exc:
        residents.resident_create(actor=people.grid_worker, house=house, name="错号", id_number=ID_ZHANG[:-1] + "1")
    assert exc.value.code == "basedata.bad_id_number"
    assert Resident.objects.count() == 1


def test_moved_out_frees_the_id_number(tree, people):
    house = house_at(tree.g1)
    r = resident_in(house)
    kp = residents.key_person_add(actor=people.grid_worker, resident=r, group=KeyGroup.objects.get(code="disabled"))
    moved = residents.resident_move_out(actor=people.grid_worker, resident=r, expected_version=1, note="迁往外地")
    assert not moved.is_active and moved.moved_out_at and moved.version == 2
    assert KeyPerson.objects.get(pk=kp.pk).ended_at is not None
    again = resident_in(house)
    assert again.pk != r.pk and Resident.objects.filter(is_active=True).count() == 1
    with pytest.raises(Conflict):
        residents.resident_move_out(actor=people.grid_worker, resident=moved, expected_version=2)


def test_stale_edit_refused(tree, people):
    r = resident_in(house_at(tree.g1))
    residents.resident_update(actor=people.grid_worker, resident=r, expected_version=1, name="张三丰")
    with pytest.raises(Conflict) as exc:
        residents.resident_update(actor=people.community_staff, resident=r, expected_version=1, name="张三")
    assert exc.value.code == "basedata.stale"
    assert Resident.objects.get(pk=r.pk).name == "张三丰"
    entry = AuditEntry.objects.get(action="resident.update")
    assert entry.data["fields"] == ["name"] and ID_ZHANG not in str(entry.data)


def test_update_moves_house_and_checks_duplicates(tree, people):
    r = resident_in(house_at(tree.g1))
    resident_in(house_at(tree.g1, room="601"), name="李四", id_number=ID_LI)
    with pytest.raises(Conflict):
        residents.resident_update(actor=people.grid_worker, resident=r, expected_version=1, id_number=ID_LI)
    h2 = house_at(tree.g2)
    with pytest.raises(NotFound):  # the grid worker of g1 may not write in g2
        residents.resident_update(actor=people.grid_worker, resident=r, expected_version=1, house=h2)
    kp = residents.key_person_add(actor=None, resident=r, group=KeyGroup.objects.get(code="low_income"))
    moved = residents.resident_update(actor=people.community_staff, resident=r, expected_version=1, house=h2)
    assert (moved.grid_id, moved.area_path) == (tree.g2.pk, tree.g2.path)
    assert KeyPerson.objects.get(pk=kp.pk).area_path == tree.g2.path


def test_key_person_defaults_and_duplicate(tree, people):
    r = resident_in(house_at(tree.g1))
    group = KeyGroup.objects.get(code="community_correction")
    kp = residents.key_person_add(actor=people.grid_worker, resident=r, group=group)
    assert (kp.risk, kp.visit_days) == ("high", 7)
    with pytest.raises(Conflict):
        residents.key_person_add(actor=people.grid_worker, resident=r, group=group)
    kp = residents.key_person_update(actor=people.grid_worker, key_person=kp, expected_version=1, visit_days=14)
    assert kp.visit_days == 14
    residents.key_person_end(actor=people.grid_worker, key_person=kp, expected_version=2)
    assert residents.key_person_add(actor=people.grid_worker, resident=r, group=group).pk != kp.pk


def test_overseas_resident_with_a_passport(tree, people):
    r = residents.resident_create(actor=people.grid_worker, house=house_at(tree.g1), name="John Smith",
                                  id_number="E12345678", kind="overseas", gender="male")
    assert r.id_masked == "E123*5678"
    assert Resident.objects.get(pk=r.pk).id_number == "E12345678"


def test_sensitive_groups_hidden_from_masked_roles(tree, people):
    from jiewang.basedata import selectors

    r = resident_in(house_at(tree.g1))
    residents.key_person_add(actor=None, resident=r, group=KeyGroup.objects.get(code="drug_user"))
    residents.key_person_add(actor=None, resident=r, group=KeyGroup.objects.get(code="elderly_alone"))
    seen = lambda u: sorted(selectors.key_person_list(user=u).values_list("group__code", flat=True))  # noqa: E731
    assert seen(people.grid_worker) == ["drug_user", "elderly_alone"]
    assert seen(people.community_staff) == ["drug_user", "elderly_alone"]
    assert seen(people.town_leader) == ["elderly_alone"]
    assert seen(people.other_community_staff) == []


def test_visits_due_and_households(tree, people):
    import datetime as dt

    from django.utils import timezone

    from jiewang.basedata import selectors

    now = timezone.now()
    r = resident_in(house_at(tree.g1))
    resident_in(house_at(tree.g1, room="601"), name="李四", id_number=ID_LI)
    house_at(tree.g1, room="701")  # vacant
    weekly = residents.key_person_add(actor=None, resident=r, group=KeyGroup.objects.get(code="community_correction"))
    monthly = residents.key_person_add(actor=None, resident=r, group=KeyGroup.objects.get(code="elderly_alone"))
    assert residents.key_person_record_visit(key_person=weekly, at=now - dt.timedelta(days=8))
    assert residents.key_person_record_visit(key_person=monthly, at=now - dt.timedelta(days=3))
    assert not residents.key_person_record_visit(key_person=monthly, at=now - dt.timedelta(days=9))  # never back
    due = selectors.key_persons_due(user=people.grid_worker, now=now)
    assert list(due.values_list("pk", flat=True)) == [weekly.pk]
    assert selectors.key_persons_due(user=people.town_leader, now=now).count() == 0  # sensitive: hidden
    assert selectors.households(user=people.community_staff).count() == 2
