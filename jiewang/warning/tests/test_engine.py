"""Each rule kind fires exactly once for planted data and never for the control data beside it
(just below the threshold, outside the window, another category, a grid that is not a
neighbour); evaluating again raises nothing new."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jiewang.audit.models import AuditEntry
from jiewang.warning.models import Alert, SensorReading, WarningCursor
from jiewang.warning.services import adjacency
from jiewang.warning.services.engine import evaluate_events, evaluate_trend, run_periodic
from jiewang.warning.services.rules import DEFAULT_KEYWORDS
from jiewang.warning.testing import G1, G2, G3, device, evaluate, report, rule

pytestmark = pytest.mark.django_db


def offset(at, metres_east):
    return (at[0] + metres_east / (111_320.0 * 0.8746), at[1])  # cos(29.2°) ≈ 0.8746


def test_cluster_fires_once_and_not_on_control(tree, people, loop):
    r = rule(tree.t1, "cluster", {"category": "LS01", "count": 3, "hours": 2})
    planted = [report(at=G1, hours_ago=h) for h in (1.5, 1.0, 0.2)]
    report(at=G2, hours_ago=0.5), report(at=G2, hours_ago=0.1)  # below the count
    for h in (5.0, 2.6, 0.1):  # outside the window: never three within two hours
        report(at=G3, hours_ago=h)
    for h in (1.0, 0.5, 0.1):  # another category
        report("LS02", at=G1, hours_ago=h)
    report(at=(106.7, 29.5), hours_ago=0.1)  # 三镇: outside the rule's area
    raised = evaluate()
    assert [(a.rule_id, a.kind, a.area_id) for a in raised] == [(r.pk, "cluster", tree.g1.id)]
    assert raised[0].event_ids == [e.pk for e in planted]
    assert raised[0].detail["count"] == 3
    assert AuditEntry.objects.filter(action="alert.raise").count() == 1
    # one more event in the same cluster, and the job run again: nothing new
    report(at=G1, hours_ago=0.05)
    assert evaluate() == [] and evaluate() == []
    assert Alert.objects.count() == 1


def test_hotspot_across_neighbouring_grids(tree, people, loop):
    assert adjacency.neighbours(tree.g1.id) == {tree.g2.id}
    assert adjacency.neighbours(tree.g2.id) == {tree.g1.id, tree.g3.id}
    assert tree.g3.id in adjacency.neighbours(tree.g1.id, 15_000)
    r = rule(tree.t1, "hotspot", {"category": "LS01", "count": 4, "hours": 3})
    planted = [report(at=G1, hours_ago=2), report(at=G2, hours_ago=1.5), report(at=G1, hours_ago=1),
               report(at=G2, hours_ago=0.5)]
    raised = evaluate()
    assert [(a.rule_id, a.kind, a.area_id) for a in raised] == [(r.pk, "hotspot", tree.c1.id)]
    assert raised[0].detail["grids"] == [tree.g1.id, tree.g2.id]
    assert raised[0].event_ids == [e.pk for e in planted]
    report(at=G2, hours_ago=0.1)  # the same hot spot growing
    assert evaluate() == []
    assert Alert.objects.count() == 1


def test_hotspot_control_data(tree, people, loop):
    rule(tree.t1, "hotspot", {"category": "LS01", "count": 4, "hours": 3})
    for h in (2, 1.5):
        report(at=G1, hours_ago=h)
    for h in (1, 0.5):
        report(at=G3, hours_ago=h)  # 乙社区第1网格: not a neighbour of 甲社区第1网格
    for at in (G1, G2, G1, G2):
        report("LS02", at=at, hours_ago=1)  # another category
    report(at=G2, hours_ago=5), report(at=G2, hours_ago=4)  # outside the window (with G1's: 3 within 3 h)
    assert evaluate() == []
    # within 15 km, 甲社区第1网格 and 乙社区第1网格 are neighbours: the same rows make a hot spot
    r2 = rule(tree.t1, "hotspot", {"category": "LS01", "count": 4, "hours": 3, "distance_m": 15_000})
    WarningCursor.objects.all().delete()
    raised = evaluate()
    assert [(a.rule_id, a.area_id) for a in raised] == [(r2.pk, tree.t1.id)]  # their common ancestor
    assert evaluate_events() == []


def test_repeat_at_one_place(tree, people, loop):
    r = rule(tree.t1, "repeat", {"category": "LS01", "count": 3, "radius_m": 50, "days": 7})
    planted = [report(at=G1, hours_ago=72), report(at=offset(G1, 20), hours_ago=30), report(at=G1, hours_ago=1)]
    other = (106.08, 29.3)
    report(at=other, hours_ago=5), report(at=other, hours_ago=1)  # twice only
    far = (106.09, 29.4)
    for days in (20, 10, 1):  # three times, but over 19 days
        report(at=far, hours_ago=24 * days)
    spread = (106.1, 29.1)
    for m in (0, 200, 400):  # three times, 200 m apart
        report(at=offset(spread, m), hours_ago=1)
    for h in (3, 2, 1):
        report("LS02", at=G1, hours_ago=h)  # another category at the planted place
    raised = evaluate()
    assert [(a.rule_id, a.kind, a.area_id) for a in raised] == [(r.pk, "repeat", tree.g1.id)]
    assert raised[0].event_ids == [e.pk for e in planted]
    report(at=G1, hours_ago=0.5)  # a fourth time
    assert evaluate() == []


def test_keyword(tree, people, loop):
    r = rule(tree.t1, "keyword", {"words": DEFAULT_KEYWORDS})
    planted = report(title="农民工讨薪", description="工地门口二十多人讨要工资")
    report(title="路灯不亮", description="小区门口路灯坏了三天")
    report(title="汽车爆胎占道", description="")
    report(at=(106.7, 29.5), title="有人扬言跳楼")  # outside the rule's area
    raised = evaluate()
    assert [(a.rule_id, a.kind, a.area_id, a.event_ids) for a in raised] == [(r.pk, "keyword", tree.g1.id,
                                                                              [planted.pk])]
    assert raised[0].detail["words"] == ["讨薪"]
    WarningCursor.objects.all().delete()  # a rebuilt cursor: the same rows evaluated again
    assert evaluate() == []


def test_disabled_rule_is_silent(tree, people, loop):
    from jiewang.warning.services.rules import rule_update

    r = rule(tree.t1, "keyword", {"words": ["讨薪"]})
    rule_update(actor=None, rule=r, expected_version=1, enabled=False)
    report(title="农民工讨薪")
    assert evaluate() == []


def test_sensor_reading_over_threshold(tree, people, loop):
    from jiewang.warning.services.devices import readings_ingest

    r = rule(tree.t1, "sensor", {"reading": "water_level", "threshold": 3.0, "category": "LS01",
                                 "quiet_hours": 1})
    dev, _ = device(tree.g1)
    other, _ = device(tree.g4, at=(106.7, 29.5), name="三镇水位计")  # outside the rule's area
    now = timezone.now()
    readings_ingest(device=dev, readings=[
        {"kind": "water_level", "value": 2.5, "time": now - dt.timedelta(minutes=30)},
        {"kind": "water_level", "value": 3.0, "time": now - dt.timedelta(minutes=20)},  # equal: not over
        {"kind": "gas", "value": 99.0, "time": now - dt.timedelta(minutes=15)},  # another kind
        {"kind": "water_level", "value": 3.4, "time": now - dt.timedelta(minutes=10)},
        {"kind": "water_level", "value": 3.6, "time": now - dt.timedelta(minutes=5)},  # same quiet hour
    ])
    readings_ingest(device=other, readings=[{"kind": "water_level", "value": 9.0, "time": now}])
    raised = evaluate()
    assert [(a.rule_id, a.kind, a.device_id, a.area_id) for a in raised] == [(r.pk, "sensor", dev.pk, tree.g1.id)]
    assert raised[0].detail["value"] == 3.4
    assert evaluate() == []
    assert SensorReading.objects.count() == 6


def _assignment(dept, days_ago: float, overdue: bool):
    from jiewang.dispatching.models import Assignment
    from jiewang.events.models import Deadline

    at = timezone.now() - dt.timedelta(days=days_ago)
    event = report(hours_ago=24 * days_ago + 1)
    a = Assignment.objects.create(event=event, department=dept, role="lead", dispatched_at=at)
    Deadline.objects.create(event=event, kind="sign", subject_type="assignment", subject_id=a.pk, started_at=at,
                            due_at=at + dt.timedelta(hours=2), warn_at=at + dt.timedelta(hours=1),
                            state="overdue" if overdue else "met",
                            overdue_at=at + dt.timedelta(hours=2) if overdue else None)
    return a


def test_trend_overdue_rate_rising(tree, people, loop):
    r = rule(tree.t1, "trend", {"points": 30, "min_assignments": 5})
    # 城管局: 0 of 5 overdue the week before, 3 of 5 this week (+60 points)
    for i in range(5):
        _assignment(loop.cgj, 10, False)
        _assignment(loop.cgj, 2, i < 3)
    # 生态环境局: 1 of 5 before, 2 of 5 now (+20 points: below 30)
    for i in range(5):
        _assignment(loop.sthj, 10, i < 1)
        _assignment(loop.sthj, 2, i < 2)
    # a department with a rising rate but only 4 assignments this week (below min_assignments)
    from jiewang.accounts.models import Department

    small = Department.objects.create(area=tree.d1, name="北区水利局", code="slj")
    for _ in range(4):
        _assignment(small, 2, True)
    raised = evaluate_trend()
    assert [(a.rule_id, a.kind, a.department_id, a.area_id) for a in raised] == [(r.pk, "trend", loop.cgj.pk,
                                                                                  tree.t1.id)]
    assert raised[0].detail == {"target": "department", "rate": 60.0, "previous_rate": 0.0, "assignments": 5,
                                "overdue": 3, "previous_assignments": 5}
    assert evaluate_trend() == []


def test_periodic_job_twice_fires_nothing_new(tree, people, loop):
    rule(tree.t1, "keyword", {"words": ["讨薪"]})
    rule(tree.t1, "cluster", {"category": "LS01", "count": 2, "hours": 1})
    report(title="讨薪"), report(title="讨薪")
    assert run_periodic() == {"events": 3, "readings": 0}
    assert run_periodic() == {"events": 0, "readings": 0}
    assert Alert.objects.count() == 3


def test_history_is_no_trigger_and_late_commits_are_caught(tree, people, loop):
    from jiewang.events.models import Event

    rule(tree.t1, "keyword", {"words": ["讨薪"]})
    report(title="讨薪", hours_ago=24 * 5)  # a backdated import
    assert evaluate() == []
    # an id below the mark that was missing when it moved (a transaction committed late)
    late = report(title="讨薪")
    newer = report(title="路灯不亮")
    cursor = WarningCursor.objects.get(name="events")
    row = {f.attname: getattr(late, f.attname) for f in Event._meta.concrete_fields}
    Event.objects.filter(pk=late.pk).delete()
    assert evaluate() == []
    assert late.pk in [g[0] for g in WarningCursor.objects.get(name="events").gaps]
    assert WarningCursor.objects.get(name="events").last_id == newer.pk > cursor.last_id
    Event.objects.create(**row)
    (alert,) = evaluate()
    assert alert.event_ids == [late.pk]
    assert late.pk not in [g[0] for g in WarningCursor.objects.get(name="events").gaps]


def test_a_new_alert_reaches_the_towns_command_center(tree, people, loop):
    from jiewang.duty.testing import build_duty
    from jiewang.notifications.models import Notification, OutboundMessage

    duty = build_duty(tree, people)
    rule(tree.t1, "keyword", {"words": ["讨薪"]})
    report(title="农民工讨薪")
    (alert,) = evaluate()
    told = set(Notification.objects.filter(kind="warning.alert").values_list("recipient_id", flat=True))
    assert told == {people.town_operator.pk, duty.commander.pk, duty.leader.pk, duty.leader2.pk}
    texted = set(OutboundMessage.objects.filter(body__contains="讨薪").values_list("recipient_id", flat=True))
    assert texted == {duty.commander.pk, duty.leader.pk, duty.leader2.pk}
    assert Notification.objects.get(kind="warning.alert", recipient=people.town_operator).url == "/command/"
    # 二街道's duty leader hears nothing of it
    assert not Notification.objects.filter(recipient=duty.other_leader).exists()
    assert AuditEntry.objects.get(action="alert.raise").data["notified"] == sorted(told)


def _evaluate_all(limit: int) -> list[tuple]:
    """Every event evaluated in batches of ``limit`` until the mark reaches the last one; the alerts
    raised, in the order raised."""
    from jiewang.events.models import Event

    last = Event.objects.order_by("-id").values_list("id", flat=True).first()
    out = []
    while not WarningCursor.objects.filter(name="events", last_id__gte=last).exists():
        out += [(a.rule_id, a.kind, a.area_id, a.window_key, a.event_ids, a.detail, a.observed_at, a.lon, a.lat)
                for a in evaluate_events(limit)]
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batches_raise_what_one_by_one_evaluation_raises(tree, people, loop, seed):
    """A randomized history (three grids, two categories, reports out of time order, some older
    than the trigger age, keywords now and then) with rules of every event kind: evaluating it in
    batches of 1,000 or of 7 raises the same alerts, in the same order, as evaluating one event per
    batch."""
    import random

    rng = random.Random(seed)
    rule(tree.t1, "cluster", {"category": "LS01", "count": 3, "hours": 2})
    rule(tree.t1, "cluster", {"category": "LS02", "count": 2, "hours": 1})
    rule(tree.t1, "hotspot", {"category": "LS01", "count": 4, "hours": 3})
    rule(tree.t1, "hotspot", {"category": "LS02", "count": 3, "hours": 2, "distance_m": 15_000})
    rule(tree.t1, "repeat", {"category": "LS01", "count": 2, "radius_m": 40, "days": 1})
    rule(tree.t1, "repeat", {"category": "LS02", "count": 3, "radius_m": 80, "days": 2})
    rule(tree.c1, "keyword", {"words": ["讨薪", "爆炸"]})
    for _ in range(90):
        at = offset(rng.choice([G1, G2, G3]), rng.choice([0, 0, 15, 30, 70, 300]))
        hours_ago = rng.choice([rng.uniform(0, 12), rng.uniform(0, 12), rng.uniform(60, 100)])
        report(rng.choice(["LS01", "LS01", "LS02"]), at=at, hours_ago=hours_ago,
               title=rng.choice(["路灯不亮", "井盖缺失", "农民工讨薪", "燃气爆炸隐患"]))
    one_by_one = _evaluate_all(1)
    assert {a[1] for a in one_by_one} == {"cluster", "hotspot", "repeat", "keyword"}
    for limit in (1000, 7):
        Alert.objects.all().delete()
        WarningCursor.objects.all().delete()
        assert _evaluate_all(limit) == one_by_one
