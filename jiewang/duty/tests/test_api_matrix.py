"""The four-case permission matrix of the duty's endpoints (anonymous → 401, no role → refused,
the role in scope → 2xx, the same kind of role in another town → refused), and refused calls
change nothing (the duty's rows, the event timeline and the audit log stay as they were).
``tests/test_permission_matrix.py`` counts these routes as covered (``DUTY_ROUTES``). The
acknowledgement of an alarm is a registry action: its matrix is ``tests/test_action_registry.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.duty.models import Alarm, DutyDay, DutyHandover, DutyLogEntry
from jiewang.duty.testing import build_duty, put_on_roster, today, urgent_event
from jiewang.events.models import EventActivity


@dataclass
class DCase:
    method: str
    template: str
    role: str  # attribute of People, or "duty.<name>"
    other: str
    setup: Callable  # (tree, people, loop, duty) -> ctx
    path: Callable  # (ctx) -> url
    body: Callable | None = None  # (ctx) -> dict
    visible: Callable | None = None  # lists: (json, ctx) -> bool


def roster_today(t, p, lp, d):
    put_on_roster(t.t1, today(), d.leader, [p.town_operator])
    return {"town": t.t1}


def with_alarm(t, p, lp, d):
    event = urgent_event(t, p, lp)
    return {"town": t.t1, "alarm": Alarm.objects.get(event=event)}


def with_handover(t, p, lp, d):
    put_on_roster(t.t1, today(), d.leader)
    put_on_roster(t.t1, today() + dt.timedelta(days=1), p.town_leader)
    h = DutyHandover.objects.create(town=t.t1, date=today(), outgoing=d.leader, summary="无遗留")
    return {"town": t.t1, "handover": h}


def with_leader_on_duty(t, p, lp, d):
    put_on_roster(t.t1, today(), p.town_leader, [p.town_operator])
    return {"town": t.t1}


TOWN = lambda tail: lambda c: f"/api/duty/towns/{c['town'].id}{tail}"  # noqa: E731

CASES = [
    DCase("GET", "/api/duty/towns/{town_id}/roster", "town_operator", "duty.other_leader", roster_today,
          TOWN("/roster")),
    DCase("PUT", "/api/duty/towns/{town_id}/roster/{date}", "town_leader", "other_district_admin",
          lambda t, p, lp, d: {"town": t.t1},
          lambda c: f"/api/duty/towns/{c['town'].id}/roster/{today() + dt.timedelta(days=1)}",
          body=lambda c: {"leader_id": c["people"].town_leader.id, "operator_ids": [c["people"].town_operator.id]}),
    DCase("GET", "/api/duty/towns/{town_id}/today", "town_operator", "duty.other_leader", roster_today,
          TOWN("/today")),
    DCase("GET", "/api/duty/alarms", "town_operator", "duty.other_leader", with_alarm, lambda c: "/api/duty/alarms",
          visible=lambda data, c: c["alarm"].pk in [a["id"] for a in data]),
    DCase("GET", "/api/duty/alarms/{alarm_id}", "town_operator", "duty.other_leader", with_alarm,
          lambda c: f"/api/duty/alarms/{c['alarm'].pk}"),
    DCase("GET", "/api/duty/towns/{town_id}/log", "town_operator", "duty.other_leader", roster_today, TOWN("/log")),
    DCase("POST", "/api/duty/towns/{town_id}/log", "town_operator", "duty.other_leader", roster_today, TOWN("/log"),
          body=lambda c: {"body": "接群众来电一起"}),
    DCase("POST", "/api/duty/towns/{town_id}/handover", "town_leader", "duty.other_leader", with_leader_on_duty,
          TOWN("/handover"), body=lambda c: {"date": today().isoformat(), "summary": "无遗留事项"}),
    DCase("POST", "/api/duty/handovers/{handover_id}/confirm", "town_leader", "duty.other_leader", with_handover,
          lambda c: f"/api/duty/handovers/{c['handover'].pk}/confirm", body=lambda c: {"note": "已接班"}),
]
DUTY_ROUTES = {(c.method, c.template) for c in CASES}


def snapshot():
    return (DutyDay.objects.count(), sorted(DutyDay.objects.values_list("version", flat=True)),
            DutyLogEntry.objects.count(), list(DutyHandover.objects.values_list("confirmed_at", flat=True)),
            list(Alarm.objects.values_list("state", "stage")), EventActivity.objects.count(),
            AuditEntry.objects.count())


def who(name, people, duty):
    return getattr(duty, name.split(".")[1]) if name.startswith("duty.") else getattr(people, name)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.template}")
@pytest.mark.parametrize("who_", ["anonymous", "nobody", "role", "other"])
def test_duty_matrix(case, who_, tree, people, loop, client_for):
    duty = build_duty(tree, people)
    ctx = case.setup(tree, people, loop, duty)
    ctx["people"] = people
    before = snapshot()
    user = {"anonymous": None, "nobody": people.nobody, "role": who(case.role, people, duty),
            "other": who(case.other, people, duty)}[who_]
    client = client_for(user)
    url = case.path(ctx)
    if case.method == "GET":
        resp = client.get(url)
    else:
        resp = getattr(client, case.method.lower())(url, data=json.dumps(case.body(ctx) if case.body else {}),
                                                    content_type="application/json")
    if who_ == "role":
        assert 200 <= resp.status_code < 300, resp.content
        if case.visible:
            assert case.visible(resp.json(), ctx)
        if case.method != "GET":
            assert AuditEntry.objects.count() > before[-1]
        return
    if who_ == "anonymous":
        assert resp.status_code == 401, resp.content
    elif case.visible is not None:
        assert resp.status_code == 200 and not case.visible(resp.json(), ctx)
    else:
        assert resp.status_code in (403, 404), resp.content
        assert resp.json()["code"] in {"not_found", "permission_denied"}, resp.content
    assert snapshot() == before
