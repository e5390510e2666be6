"""The duty log and the handover between shifts."""

from __future__ import annotations

import datetime as dt

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jiewang.duty.models import DutyHandover, DutyLogEntry
from jiewang.duty.services.log import duty_log_add, handover_confirm, handover_write
from jiewang.duty.testing import put_on_roster, today

pytestmark = pytest.mark.django_db
D = dt.timedelta(days=1)


def snapshot():
    return (DutyLogEntry.objects.count(), list(DutyHandover.objects.values_list("confirmed_by", "confirmed_at")),
            AuditEntry.objects.count())


def refused(fn, exc, code, **kw):
    before = snapshot()
    with pytest.raises(exc) as info:
        fn(**kw)
    assert info.value.code == code
    assert snapshot() == before


def test_people_on_duty_write_the_log(tree, people, loop, duty):
    put_on_roster(tree.t1, today(), duty.leader, [people.town_operator])
    e = duty_log_add(actor=people.town_operator, town=tree.t1, body="  接群众来电：路灯不亮  ")
    assert (e.date, e.author, e.body) == (today(), people.town_operator, "接群众来电：路灯不亮")
    assert AuditEntry.objects.filter(action="duty_log.add", actor=people.town_operator).count() == 1
    refused(duty_log_add, PermissionDenied, "duty.not_on_duty", actor=duty.commander, town=tree.t1, body="巡查")
    refused(duty_log_add, NotFound, "not_found", actor=duty.other_leader, town=tree.t1, body="巡查")
    refused(duty_log_add, ValidationFailed, "validation_failed", actor=duty.leader, town=tree.t1, body="  ")


def test_the_outgoing_leader_hands_over_and_the_incoming_one_confirms(tree, people, duty):
    put_on_roster(tree.t1, today(), duty.leader, [people.town_operator])
    put_on_roster(tree.t1, today() + D, duty.leader2)
    refused(handover_write, PermissionDenied, "duty.not_outgoing_leader", actor=people.town_operator, town=tree.t1,
            date=today(), summary="无")
    refused(handover_write, Conflict, "duty.handover_too_early", actor=duty.leader2, town=tree.t1,
            date=today() + D, summary="无")
    h = handover_write(actor=duty.leader, town=tree.t1, date=today(), summary="甲社区积水点持续关注")
    assert (h.outgoing, h.confirmed_at) == (duty.leader, None)
    refused(handover_write, Conflict, "duty.handover_exists", actor=duty.leader, town=tree.t1, date=today(),
            summary="再交一次")
    # Only the next day's leader on the roster takes it over.
    refused(handover_confirm, PermissionDenied, "duty.not_incoming_leader", actor=duty.commander, handover=h)
    refused(handover_confirm, NotFound, "not_found", actor=duty.other_leader, handover=h)
    h = handover_confirm(actor=duty.leader2, handover=h, note="已接班")
    assert (h.confirmed_by, h.confirm_note) == (duty.leader2, "已接班") and h.confirmed_at is not None
    refused(handover_confirm, Conflict, "duty.handover_confirmed", actor=duty.leader2, handover=h)
    assert list(AuditEntry.objects.filter(action__startswith="duty_handover.").order_by("id")
                .values_list("action", "actor")) == [("duty_handover.write", duty.leader.pk),
                                                     ("duty_handover.confirm", duty.leader2.pk)]


def test_a_handover_without_a_next_leader_waits(tree, people, duty):
    put_on_roster(tree.t1, today(), duty.leader)
    h = handover_write(actor=duty.leader, town=tree.t1, date=today(), summary="无")
    refused(handover_confirm, Conflict, "duty.no_incoming_leader", actor=duty.leader2, handover=h)


def test_yesterdays_night_shift_can_be_handed_over_not_older(tree, people, duty):
    put_on_roster(tree.t1, today() - D, duty.leader)
    put_on_roster(tree.t1, today() - 2 * D, duty.leader)
    assert handover_write(actor=duty.leader, town=tree.t1, date=today() - D, summary="夜班无事").pk
    refused(handover_write, Conflict, "duty.handover_too_late", actor=duty.leader, town=tree.t1,
            date=today() - 2 * D, summary="无")


def test_the_log_api(tree, people, loop, duty, client_for):
    put_on_roster(tree.t1, today(), duty.leader, [people.town_operator])
    c = client_for(people.town_operator)
    r = c.post(f"/api/duty/towns/{tree.t1.id}/log", data={"body": "接报"}, content_type="application/json")
    assert r.status_code == 201, r.content
    day = c.get(f"/api/duty/towns/{tree.t1.id}/log").json()
    assert [(e["body"], e["author"]["id"]) for e in day["entries"]] == [("接报", people.town_operator.id)]
    r = c.post(f"/api/duty/towns/{tree.t1.id}/log", data={"body": "x", "event_number": "nope"},
               content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (422, "duty.event_not_in_town")


def test_days_beyond_the_calendar_are_refused_not_a_server_error(tree, people, duty, client_for):
    c = client_for(people.town_operator)
    assert c.get(f"/api/duty/towns/{tree.t1.id}/log?date=0001-01-01").status_code == 422
    assert c.get(f"/duty/log/?town={tree.t1.id}&date=0001-01-01").status_code == 200
    r = client_for(duty.commander).put(f"/api/duty/towns/{tree.t1.id}/roster/0001-01-01", data={},
                                       content_type="application/json")
    assert r.status_code == 422
    assert client_for(duty.commander).get(f"/duty/{tree.t1.id}/0001-01-01/").status_code == 404
