"""Staffing services: history (assign, end, reassign, past dates), overlap, scope, phones, and
"my grids"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jiewang.audit.models import AuditEntry
from jiewang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jiewang.staffing.models import GridMember, Person
from jiewang.staffing.selectors import member_list, mine_first, my_grid_ids, my_grids
from jiewang.staffing.services.members import member_assign, member_end
from jiewang.staffing.services.people import person_create, person_phones_reveal, person_update
from jiewang.staffing.testing import assign, person

pytestmark = pytest.mark.django_db

TODAY = None


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def test_history_assign_end_reassign_and_past_dates(tree, people):
    zhang = person(tree.c1, "张三")
    first = member_assign(actor=people.community_staff, person=zhang, grid=tree.g1, kind="full_time",
                          start_date=days(-100))
    member_end(actor=people.community_staff, member=first, reason="调岗", end_date=days(-40))
    second = member_assign(actor=people.community_staff, person=zhang, grid=tree.g1, kind="full_time",
                           start_date=days(-10))
    rows = GridMember.objects.filter(person=zhang).order_by("start_date")
    assert [(r.start_date, r.end_date) for r in rows] == [(days(-100), days(-40)), (days(-10), None)]
    def active_on(day):
        return {m.pk for m in member_list(user=people.community_staff, grid=tree.g1, on=day)}

    assert active_on(days(-100)) == {first.pk}
    assert active_on(days(-41)) == {first.pk}
    assert active_on(days(-40)) == set()  # the end date is the first day no longer served
    assert active_on(days(-11)) == set()
    assert active_on(days(0)) == {second.pk}
    assert active_on(days(-101)) == set()
    actions = list(AuditEntry.objects.filter(object_type="staffing.gridmember").values_list("action", flat=True)
                   .order_by("id"))
    assert actions == ["grid_member.assign", "grid_member.end", "grid_member.assign"]
    first.refresh_from_db()
    assert first.end_reason == "调岗" and first.ended_by == people.community_staff


def test_overlap_refused_with_nothing_changed(tree, people):
    zhang = person(tree.c1, "张三")
    member_assign(actor=people.community_staff, person=zhang, grid=tree.g1, kind="full_time", start_date=days(-5))
    before = (GridMember.objects.count(), AuditEntry.objects.count())
    for start in (days(-5), days(-30), days(3)):
        with pytest.raises(Conflict) as exc:
            member_assign(actor=people.community_staff, person=zhang, grid=tree.g1, kind="full_time",
                          start_date=start)
        assert exc.value.code == "staffing.overlap"
    assert (GridMember.objects.count(), AuditEntry.objects.count()) == before
    # Another kind in the same grid, or the same kind in another grid, is fine.
    member_assign(actor=people.community_staff, person=zhang, grid=tree.g1, kind="volunteer")
    member_assign(actor=people.community_staff, person=zhang, grid=tree.g2, kind="full_time")


def test_overlap_with_an_ended_assignment_refused(tree, people):
    zhang = person(tree.c1, "张三")
    m = assign(zhang, tree.g1, start=days(-50))
    member_end(actor=None, member=m, reason="离职", end_date=days(-20))
    with pytest.raises(Conflict):
        assign(zhang, tree.g1, start=days(-30))
    assert assign(zhang, tree.g1, start=days(-20)).start_date == days(-20)


def test_dates_validated(tree, people):
    zhang = person(tree.c1)
    m = assign(zhang, tree.g1, start=days(-5))
    with pytest.raises(ValidationFailed) as exc:
        member_end(actor=None, member=m, reason="x", end_date=days(-6))
    assert exc.value.code == "staffing.end_before_start"
    with pytest.raises(ValidationFailed):
        member_end(actor=None, member=m, reason="  ")
    with pytest.raises(ValidationFailed):
        assign(zhang, tree.g2, start=days(-366 * 6))
    with pytest.raises(ValidationFailed):
        assign(zhang, tree.c1)  # not a grid
    with pytest.raises(ValidationFailed):
        member_assign(actor=None, person=zhang, grid=tree.g2, kind="boss")
    member_end(actor=None, member=m, reason="离职")
    with pytest.raises(Conflict):
        member_end(actor=None, member=m, reason="again")


def test_scope_another_community_refused(tree, people):
    zhang = person(tree.c1)
    before = (GridMember.objects.count(), AuditEntry.objects.count())
    with pytest.raises(NotFound):
        member_assign(actor=people.other_community_staff, person=zhang, grid=tree.g1, kind="full_time")
    with pytest.raises(NotFound):  # their grid, but a person they cannot see
        member_assign(actor=people.other_community_staff, person=zhang, grid=tree.g4, kind="full_time")
    with pytest.raises(PermissionDenied):  # a grid worker sees the grid but does not manage it
        member_assign(actor=people.grid_worker, person=zhang, grid=tree.g1, kind="full_time")
    m = assign(zhang, tree.g1)
    before = (GridMember.objects.count(), AuditEntry.objects.count())
    with pytest.raises(NotFound):
        member_end(actor=people.other_community_staff, member=m, reason="x")
    with pytest.raises(NotFound):
        person_create(actor=people.other_community_staff, area=tree.c1, name="李四")
    with pytest.raises(NotFound):
        person_update(actor=people.other_community_staff, person=zhang, expected_version=1, name="王五")
    assert (GridMember.objects.count(), AuditEntry.objects.count()) == before
    m.refresh_from_db()
    assert m.end_date is None
    # Town operators and district admins manage their subtree.
    member_assign(actor=people.town_operator, person=zhang, grid=tree.g3, kind="part_time")
    member_assign(actor=people.district_admin, person=zhang, grid=tree.g2, kind="part_time")


def test_person_update_stale_refused(tree, people):
    zhang = person(tree.c1)
    person_update(actor=people.community_staff, person=zhang, expected_version=1, unit="甲社区居委会")
    with pytest.raises(Conflict) as exc:
        person_update(actor=people.community_staff, person=zhang, expected_version=1, name="覆盖")
    assert exc.value.code == "staffing.person_stale"
    zhang.refresh_from_db()
    assert (zhang.name, zhang.unit, zhang.version) == ("张网格", "甲社区居委会", 2)


def test_phones_encrypted_masked_and_reveal_audited(tree, people):
    from django.db import connection

    zhang = person(tree.c1, work_phone="13800001111", personal_phone="13900002222")
    assign(zhang, tree.g1)
    with connection.cursor() as cur:
        cur.execute("SELECT work_phone, personal_phone FROM staffing_person WHERE id = %s", [zhang.pk])
        raw = cur.fetchone()
    assert "13800001111" not in raw[0] and "13900002222" not in raw[1]
    assert Person.objects.get(work_phone_index=zhang.work_phone_index) == zhang
    assert zhang.work_phone_masked == "138****1111"
    with pytest.raises(PermissionDenied):
        person_phones_reveal(actor=people.grid_worker, person=zhang)
    with pytest.raises(NotFound):
        person_phones_reveal(actor=people.other_community_staff, person=zhang)
    assert not AuditEntry.objects.filter(action="grid_person.reveal_phones").exists()
    assert person_phones_reveal(actor=people.community_staff, person=zhang)["work_phone"] == "13800001111"
    entry = AuditEntry.objects.get(action="grid_person.reveal_phones")
    assert entry.actor == people.community_staff and entry.object_id == str(zhang.pk)


def test_my_grids_assignments_first_then_grants(tree, people):
    from jiewang.accounts.models import RoleGrant
    from jiewang.areas.models import Area

    worker = people.grid_worker  # granted grid_worker on g1
    assert my_grid_ids(worker) == [tree.g1.pk]
    zhang = person(tree.c1, user=worker)
    assign(zhang, tree.g2, kind="volunteer")
    assign(zhang, tree.g3, kind="full_time")
    ended = assign(zhang, tree.g4, kind="full_time", start=days(-10))
    member_end(actor=None, member=ended, reason="调离", end_date=days(-1))
    assert my_grid_ids(worker) == [tree.g3.pk, tree.g2.pk, tree.g1.pk]
    assert my_grid_ids(worker, on=days(-2)) == [tree.g4.pk, tree.g1.pk]
    assert [a.pk for a in my_grids(worker)] == [tree.g3.pk, tree.g2.pk, tree.g1.pk]
    grids = Area.objects.filter(level=5).order_by("path")
    ordered = [a.pk for a in mine_first(grids, worker, field="pk")]
    assert ordered == [tree.g3.pk, tree.g2.pk, tree.g1.pk, tree.g4.pk]
    RoleGrant.objects.filter(user=worker).update(valid_to=timezone.now())
    worker._jiewang_grants = None
    assert my_grid_ids(worker) == [tree.g3.pk, tree.g2.pk]
    assert my_grid_ids(people.community_staff) == [] and my_grid_ids(None) == []


def test_only_the_keeper_edits_a_profile_others_serving_read_it(tree, people):
    from jiewang.core.scope import Action, restrict

    cadre = person(tree.t1, "街道干部")  # kept by the town
    assign(cadre, tree.g1, kind="instructor")
    stranger = person(tree.c2, "乙社区居民")
    visible = {p.pk for p in restrict(Person.objects.all(), people.community_staff, Action.VIEW)}
    assert cadre.pk in visible and stranger.pk not in visible
    with pytest.raises(PermissionDenied):
        person_update(actor=people.community_staff, person=cadre, expected_version=1, unit="x")
    person_update(actor=people.town_operator, person=cadre, expected_version=1, unit="一街道办事处")
    member_assign(actor=people.community_staff, person=cadre, grid=tree.g2, kind="instructor")
