"""Editing the roster: who may, which days, whom it may name; each refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jiewang.duty.models import DutyDay
from jiewang.duty.services.roster import duty_day_set
from jiewang.duty.testing import today

pytestmark = pytest.mark.django_db
D = dt.timedelta(days=1)


def snapshot():
    return (list(DutyDay.objects.values_list("date", "leader_id", "version", "note")),
            sorted(DutyDay.operators.through.objects.values_list("dutyday_id", "user_id")), AuditEntry.objects.count())


def refused(exc, code, **kw):
    before = snapshot()
    with pytest.raises(exc) as info:
        duty_day_set(**kw)
    assert info.value.code == code
    assert snapshot() == before


def test_the_commander_plans_a_day_and_changes_it(tree, people, duty):
    day = duty_day_set(actor=duty.commander, town=tree.t1, date=today() + 3 * D, leader=duty.leader,
                       operators=[people.town_operator, duty.leader], note="国庆值守")
    assert (day.leader, list(day.operators.all()), day.version, day.note) == (
        duty.leader, [people.town_operator], 1, "国庆值守")  # the leader is not also an operator
    entry = AuditEntry.objects.get(action="duty_day.set")
    assert entry.actor == duty.commander and entry.data["operators"] == [people.town_operator.pk]
    day = duty_day_set(actor=people.town_leader, town=tree.t1, date=today() + 3 * D, leader=people.town_leader,
                       operators=[], expected_version=1)
    assert (day.leader, list(day.operators.all()), day.version) == (people.town_leader, [], 2)
    refused(Conflict, "duty.stale", actor=duty.commander, town=tree.t1, date=today() + 3 * D, leader=duty.leader,
            operators=[], expected_version=1)


def test_today_and_a_month_ahead_are_editable_not_the_past_nor_further(tree, people, duty):
    assert duty_day_set(actor=duty.commander, town=tree.t1, date=today(), leader=duty.leader, operators=[]).pk
    assert duty_day_set(actor=duty.commander, town=tree.t1, date=today() + 31 * D, leader=duty.leader,
                        operators=[]).pk
    refused(Conflict, "duty.day_past", actor=duty.commander, town=tree.t1, date=today() - D, leader=duty.leader,
            operators=[])
    refused(ValidationFailed, "duty.day_too_far", actor=duty.commander, town=tree.t1, date=today() + 32 * D,
            leader=duty.leader, operators=[])


def test_a_past_day_stays_as_it_was(tree, people, duty):
    yesterday = today() - D
    DutyDay.objects.create(town=tree.t1, date=yesterday, leader=duty.leader)
    refused(Conflict, "duty.day_past", actor=duty.commander, town=tree.t1, date=yesterday, leader=duty.leader2,
            operators=[])


def test_only_people_of_the_town_are_on_its_roster(tree, people, duty):
    kw = {"actor": duty.commander, "town": tree.t1, "date": today() + D}
    # another town's duty leader
    refused(ValidationFailed, "duty.not_town_member", **kw, leader=duty.other_leader, operators=[])
    # a grid worker of the town's own grid holds no town role
    refused(ValidationFailed, "duty.not_town_member", **kw, leader=duty.leader, operators=[people.grid_worker])
    # a district administrator is not the town's
    refused(ValidationFailed, "duty.not_town_member", **kw, leader=people.district_admin, operators=[])
    # an operator may not lead the duty
    refused(ValidationFailed, "duty.not_a_leader", **kw, leader=people.town_operator, operators=[])


def test_who_may_keep_the_roster(tree, people, duty):
    kw = {"town": tree.t1, "date": today() + D, "leader": duty.leader, "operators": []}
    refused(PermissionDenied, "permission_denied", actor=people.town_operator, **kw)
    refused(PermissionDenied, "permission_denied", actor=duty.leader, **kw)
    refused(NotFound, "not_found", actor=duty.other_leader, **kw)
    refused(NotFound, "not_found", actor=people.other_district_admin, **kw)
    refused(NotFound, "not_found", actor=people.grid_worker, **kw)
    assert duty_day_set(actor=people.district_admin, **kw).version == 1
    assert duty_day_set(actor=duty.deputy, **kw).version == 2


def test_the_roster_api_lists_a_month(tree, people, duty, client_for):
    c = client_for(duty.commander)
    day = today() + D
    r = c.put(f"/api/duty/towns/{tree.t1.id}/roster/{day}", data={"leader_id": duty.leader.id,
                                                                  "operator_ids": [people.town_operator.id]},
              content_type="application/json")
    assert r.status_code == 200, r.content
    assert (r.json()["leader"]["id"], [o["id"] for o in r.json()["operators"]], r.json()["editable"]) == (
        duty.leader.id, [people.town_operator.id], True)
    got = c.get(f"/api/duty/towns/{tree.t1.id}/roster?month={day:%Y-%m}").json()
    assert [d["date"] for d in got] == [day.isoformat()]
    r = c.put(f"/api/duty/towns/{tree.t1.id}/roster/{today() - D}", data={"leader_id": duty.leader.id},
              content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (409, "duty.day_past")
    r = c.put(f"/api/duty/towns/{tree.t1.id}/roster/{today() + D}", data={"leader_id": duty.other_leader.id},
              content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (422, "duty.not_town_member")
    assert c.get(f"/api/duty/towns/{tree.t1.id}/roster?month=2026-13").status_code == 422
