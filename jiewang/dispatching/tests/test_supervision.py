"""催办 / 督办 by hand (remind / supervise): who may, on which events, and what it leaves — a note
on the timeline, no status change, the ones who must act told (and the town leaders for a
supervision, by SMS when the event is urgent)."""

from __future__ import annotations

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.core.errors import ValidationFailed
from jiewang.dispatching.services.supervision import event_supervise
from jiewang.events.models import Event, EventActivity
from jiewang.notifications.models import Notification, OutboundMessage

from .helpers import api, fresh, refused, snapshot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["remind", "supervise"])
def test_who_may_urge(walk, tree, people, loop, client_for, action):
    e = walk("handling")
    before = snapshot(e)
    for user in (people.community_staff, people.grid_worker, loop.cgj_staff):
        refused(api(client_for(user), f"/events/{e.number}/{action}", {"comment": "x"}), 403,
                "event.action_not_permitted")
    for user in (people.other_district_admin, people.other_community_staff):
        refused(api(client_for(user), f"/events/{e.number}/{action}", {}), 404, "event.not_found")
    assert snapshot(e) == before
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User

    commander = User.objects.create(username="commander", display_name="指挥长")
    RoleGrant.objects.create(user=commander, role=Role.COMMANDER, area=tree.t1)  # the town's 指挥长 supervises too
    for user, role in ((people.town_operator, "town_operator"), (people.town_leader, "town_leader"),
                       (people.district_admin, "district_admin"), (commander, "commander")):
        r = api(client_for(user), f"/events/{e.number}/{action}", {"comment": f"{role} 请加快"})
        assert r.status_code == 200, r.content
        note = EventActivity.objects.filter(event=e, action=action).latest("id")
        assert (note.actor_id, note.actor_role, note.comment, note.data) == (
            user.pk, role, f"{role} 请加快", {"manual": True})
    ev = fresh(e)
    assert (ev.status, ev.version) == (e.status, e.version)  # a note changes no status
    assert AuditEntry.objects.filter(action=f"event.{action}").count() == 4


@pytest.mark.parametrize("state", ["reported", "accepted", "dispatched", "handling", "feedback"])
def test_every_open_step_may_be_urged(walk, people, loop, client_for, state):
    e = walk(state)
    r = api(client_for(people.town_operator), f"/events/{e.number}/remind", {})
    assert r.status_code == 200, r.content
    assert EventActivity.objects.get(event=e, action="remind").comment == "指挥中心催办"


@pytest.mark.parametrize("state", ["closed", "shelved"])
def test_nothing_to_urge(walk, people, client_for, state):
    e = walk(state)
    before = snapshot(e)
    for action in ("remind", "supervise"):
        refused(api(client_for(people.town_operator), f"/events/{e.number}/{action}", {}), 409,
                "supervision.not_open")
    assert snapshot(e) == before


def test_the_ones_who_must_act_are_told(walk, people, loop, client_for):
    e = walk("accepted")
    from jiewang.dispatching.services import assignments as svc

    svc.event_dispatch(event=e, actor=people.admin, lead=loop.cgj, assists=[loop.sthj])
    e = fresh(e)
    count = lambda u, kind: Notification.objects.filter(recipient=u, kind=kind, event_number=e.number).count()  # noqa
    api(client_for(people.town_operator), f"/events/{e.number}/remind", {"comment": "请尽快签收"})
    assert (count(loop.cgj_staff, "event.remind"), count(loop.sthj_staff, "event.remind")) == (1, 1)
    assert count(people.town_operator, "event.remind") == 0  # not the one who urged
    assert count(people.town_leader, "event.remind") == 0
    api(client_for(people.town_operator), f"/events/{e.number}/supervise", {})
    assert (count(loop.cgj_staff, "event.supervise"), count(people.town_leader, "event.supervise")) == (1, 1)
    assert not OutboundMessage.objects.exists()  # a normal event: inbox only
    Event.objects.filter(pk=e.pk).update(urgency="urgent")
    api(client_for(people.town_operator), f"/events/{e.number}/supervise", {})
    assert OutboundMessage.objects.filter(channel="sms", recipient=people.town_leader).count() == 1


def test_the_service_refuses_an_unknown_kind(walk, people):
    e = walk("handling")
    before = snapshot(e)
    with pytest.raises(ValidationFailed):
        event_supervise(event=e, actor=people.town_operator, action="scold")
    assert snapshot(e) == before
