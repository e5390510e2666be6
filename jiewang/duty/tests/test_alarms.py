"""The story: an urgent event alarms the duty leader and the commander at once, and climbs to the
commander and then to the district when nobody acknowledges in time; acknowledging stops it;
each rung fires once; another town's duty knows nothing of it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from jiewang.audit.models import AuditEntry
from jiewang.duty.choices import AlarmStage, AlarmState
from jiewang.duty.models import Alarm
from jiewang.duty.services.alarms import alarm_sweep
from jiewang.duty.services.common import local
from jiewang.duty.testing import put_on_roster, today, urgent_event
from jiewang.events.models import EventActivity
from jiewang.notifications.models import Notification, OutboundMessage

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


def inbox(user, kind="duty.alarm"):
    return list(Notification.objects.filter(recipient=user, kind=kind).order_by("id").values_list("title", flat=True))


def texts():
    return sorted((m.recipient_id, m.body) for m in OutboundMessage.objects.all())


def state(alarm):
    a = Alarm.objects.get(pk=alarm.pk)
    return (a.state, a.stage, a.next_step_at, Notification.objects.count(), OutboundMessage.objects.count(),
            EventActivity.objects.count(), AuditEntry.objects.count())


def test_urgent_event_alarms_duty_leader_and_escalates_when_nobody_acknowledges(tree, people, loop, duty):
    put_on_roster(tree.t1, today(), duty.leader, [people.town_operator])
    event = urgent_event(tree, people, loop)
    alarm = Alarm.objects.get(event=event)
    assert (alarm.state, alarm.stage, alarm.severity, alarm.duty_leader) == ("open", 0, "urgent", duty.leader)
    assert alarm.respond_by == alarm.raised_at + 15 * M == alarm.next_step_at
    # At once: the duty leader and the commander, inbox and SMS; nobody else of the duty.
    assert inbox(duty.leader) == ["紧急告警：化工厂泄漏"] and inbox(duty.commander) == ["紧急告警：化工厂泄漏"]
    assert inbox(duty.deputy) == inbox(people.district_admin) == inbox(duty.other_leader) == []
    sms = {m.recipient_id: m.body for m in OutboundMessage.objects.filter(recipient__in=[duty.leader, duty.commander])}
    deadline = local(alarm.respond_by).strftime("%m-%d %H:%M")
    reported = local(event.reported_at).strftime("%m-%d %H:%M")
    assert set(sms) == {duty.leader.pk, duty.commander.pk}
    assert sms[duty.leader.pk] == (f"【结网】紧急告警：化工厂泄漏 {event.number}，一街道，{reported} 上报。"
                                   f"请于 {deadline} 前响应。")
    assert EventActivity.objects.filter(event=event, action="alarm").count() == 1

    t0 = alarm.raised_at
    # Not yet: a minute before the clock runs out nothing climbs.
    assert alarm_sweep(t0 + 14 * M) == {"commander": 0, "district": 0}
    assert Alarm.objects.get(pk=alarm.pk).stage == AlarmStage.RAISED
    # The clock runs out: to the commander and the deputy commander.
    assert alarm_sweep(t0 + 15 * M) == {"commander": 1, "district": 0}
    a = Alarm.objects.get(pk=alarm.pk)
    assert (a.stage, a.escalated_commander_at, a.next_step_at) == (AlarmStage.COMMANDER, t0 + 15 * M, t0 + 30 * M)
    assert inbox(duty.deputy) == ["紧急告警无人响应：化工厂泄漏"]
    assert inbox(duty.commander) == ["紧急告警：化工厂泄漏", "紧急告警无人响应：化工厂泄漏"]
    assert inbox(people.district_admin) == []
    # The same rung never fires twice, however often the sweep runs.
    before = state(alarm)
    assert alarm_sweep(t0 + 16 * M) == {"commander": 0, "district": 0}
    assert state(alarm) == before
    # A second period later: the district's administrators (not another district's).
    assert alarm_sweep(t0 + 30 * M) == {"commander": 0, "district": 1}
    a = Alarm.objects.get(pk=alarm.pk)
    assert (a.stage, a.escalated_district_at, a.next_step_at, a.state) == (AlarmStage.DISTRICT, t0 + 30 * M, None,
                                                                          "open")
    assert inbox(people.district_admin) == ["紧急告警无人响应：化工厂泄漏"]
    assert inbox(people.other_district_admin) == []
    before = state(alarm)
    assert alarm_sweep(t0 + 120 * M) == {"commander": 0, "district": 0}
    assert state(alarm) == before
    assert list(EventActivity.objects.filter(event=event, action__startswith="alarm").values_list(
        "action", "data__stage")) == [("alarm", 0), ("alarm_escalate", 1), ("alarm_escalate", 2)]
    assert list(AuditEntry.objects.filter(action__startswith="alarm.").order_by("id").values_list("action", flat=True)) == [
        "alarm.raise", "alarm.escalate", "alarm.escalate"]


def test_acknowledging_stops_the_clock(tree, people, loop, duty, client_for):
    put_on_roster(tree.t1, today(), duty.leader)
    event = urgent_event(tree, people, loop, urgency="emergency")
    alarm = Alarm.objects.get(event=event)
    assert alarm.severity == "major" and inbox(duty.leader) == ["重大告警：化工厂泄漏"]
    r = client_for(duty.leader).post(f"/api/alarms/{alarm.pk}/acknowledge", data=json.dumps({"note": "已赶赴现场"}),
                                     content_type="application/json")
    assert r.status_code == 200, r.content
    assert (r.json()["state"], r.json()["acknowledged_by"]["id"], r.json()["note"]) == (
        "acknowledged", duty.leader.pk, "已赶赴现场")
    a = Alarm.objects.get(pk=alarm.pk)
    assert (a.state, a.next_step_at, a.acknowledged_by) == (AlarmState.ACKNOWLEDGED, None, duty.leader)
    # The commander, told of the alarm, hears that it was answered (the acknowledger does not).
    assert inbox(duty.commander, "duty.alarm_acknowledged") == ["告警已由 duty_leader 响应：化工厂泄漏"]
    assert inbox(duty.leader, "duty.alarm_acknowledged") == []
    act = EventActivity.objects.get(event=event, action="acknowledge_alarm")
    assert (act.actor, act.actor_role, act.comment) == (duty.leader, "duty_leader", "已赶赴现场")
    before = state(alarm)
    assert alarm_sweep(alarm.raised_at + 60 * M) == {"commander": 0, "district": 0}
    assert state(alarm) == before
    # A second answer is refused and changes nothing.
    r = client_for(duty.commander).post(f"/api/alarms/{alarm.pk}/acknowledge", data="{}",
                                        content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (409, "alarm.not_open")
    assert state(alarm) == before


def test_acknowledging_after_an_escalation_stops_the_next_rung(tree, people, loop, duty, client_for):
    event = urgent_event(tree, people, loop)
    alarm = Alarm.objects.get(event=event)
    alarm_sweep(alarm.raised_at + 15 * M)
    r = client_for(duty.commander).post(f"/api/events/{event.number}/acknowledge-alarm",
                                        data=json.dumps({"alarm_id": alarm.pk}), content_type="application/json")
    assert r.status_code == 200, r.content
    assert alarm_sweep(alarm.raised_at + 45 * M) == {"commander": 0, "district": 0}
    assert Alarm.objects.get(pk=alarm.pk).stage == AlarmStage.COMMANDER
    assert inbox(people.district_admin) == []


def test_scope_another_towns_duty_leader_gets_404_and_operators_403(tree, people, loop, duty, client_for):
    event = urgent_event(tree, people, loop)
    alarm = Alarm.objects.get(event=event)
    before = state(alarm)
    other = client_for(duty.other_leader)
    assert other.get(f"/api/duty/alarms/{alarm.pk}").status_code == 404
    assert other.get("/api/duty/alarms").json() == []
    r = other.post(f"/api/alarms/{alarm.pk}/acknowledge", data="{}", content_type="application/json")
    assert r.status_code == 404
    assert other.get(f"/events/{event.number}/").status_code == 404
    r = client_for(people.town_operator).post(f"/api/alarms/{alarm.pk}/acknowledge", data="{}",
                                              content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (403, "event.action_not_permitted")
    assert state(alarm) == before
    # The operator sees it (the command center's banner), as the leader does.
    assert [a["id"] for a in client_for(people.town_operator).get("/api/duty/alarms?state=open").json()] == [alarm.pk]


def test_no_duty_leader_on_the_roster_alarms_the_commander(tree, people, loop, duty):
    event = urgent_event(tree, people, loop)
    alarm = Alarm.objects.get(event=event)
    assert alarm.duty_leader is None
    assert inbox(duty.commander) == ["紧急告警：化工厂泄漏"] and inbox(duty.leader) == []
    assert "no duty leader" in EventActivity.objects.get(event=event, action="alarm").comment or \
        "未排值班长" in EventActivity.objects.get(event=event, action="alarm").comment


def test_an_ordinary_event_raises_no_alarm(tree, people, loop, duty):
    urgent_event(tree, people, loop, urgency="normal")
    assert Alarm.objects.count() == 0
    assert Notification.objects.filter(kind="duty.alarm").count() == 0


def test_an_event_whose_work_ends_cancels_its_alarm(tree, people, loop, duty):
    from jiewang.events.services import actions

    event = urgent_event(tree, people, loop)
    actions.event_void(event=event, actor=people.admin, reason="重复")
    a = Alarm.objects.get(event=event)
    assert (a.state, a.next_step_at) == (AlarmState.CANCELLED, None)
    assert alarm_sweep(a.raised_at + 60 * M) == {"commander": 0, "district": 0}


def test_a_backdated_report_raises_no_alarm(tree, people, loop, duty):
    from jiewang.events.models import MatterCategory
    from jiewang.events.services.intake import event_report

    event_report(actor=None, channel="resident_web", category=MatterCategory.objects.get(code="LS01"), lon=106.05,
                 lat=29.2, title="历史", urgency="urgent", reported_at=timezone.now() - dt.timedelta(days=30))
    assert Alarm.objects.count() == 0


def test_the_sweep_is_a_worker_job():
    from jiewang.core.worker import JOBS

    assert JOBS["duty.alarm_sweep"].target == "jiewang.duty.services.alarms:run_periodic_sweep"
