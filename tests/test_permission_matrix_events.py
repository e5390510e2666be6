"""The four-case permission matrix for the closed-loop endpoints (events, dispatching).

Each case builds the state its verb needs, then checks: anonymous → 401; signed in with no role →
refused (404, or 403 for a channel); the role in scope → 2xx; the same kind of role in another
area → refused; refused calls change nothing (the event's version and the activity count stay).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiewang.events.models import Event, EventActivity
from jiewang.events.testing import make_event, png_bytes


@dataclass
class ECase:
    method: str
    template: str
    role: str  # attribute of People or Loop ("loop.cgj_staff")
    other: str
    setup: Callable  # (tree, people, loop) -> ctx dict (may hold "event")
    path: Callable  # (ctx) -> url
    body: Callable | None = None  # (ctx, tree, people, loop) -> dict
    multipart: bool = False
    visible: Callable | None = None  # for lists: (json, ctx) -> bool


def ev(state, **kw):
    return lambda t, p, lp: {"event": make_event(t, p, lp, state, **kw)}


def num(ctx):
    return ctx["event"].number


def whistle_ctx(t, p, lp):
    from jiewang.dispatching.services.whistles import whistle_blow

    e = make_event(t, p, lp, "reported", level="community")
    w = whistle_blow(event=e, actor=p.admin, departments=[lp.cgj], problem="请到场")
    return {"event": e, "summons": w.summonses.get()}


def reported_in_ctx(t, p, lp):
    from jiewang.dispatching.services.whistles import summons_report_in

    ctx = whistle_ctx(t, p, lp)
    summons_report_in(summons=ctx["summons"], actor=p.admin, responder_name="王")
    return ctx


def signed_ctx(t, p, lp):
    e = make_event(t, p, lp, "handling", level="town")
    return {"event": e, "assignment": e.assignments.get()}


def disputed_ctx(t, p, lp):
    from jiewang.dispatching.services.assignments import assignment_dispute

    ctx = signed_ctx(t, p, lp)
    assignment_dispute(assignment=ctx["assignment"], actor=p.admin, reason="不属本部门")
    ctx["event"] = Event.objects.get(pk=ctx["event"].pk)
    return ctx


def extension_ctx(t, p, lp):
    import datetime as dt

    from jiewang.dispatching.services.assignments import extension_request

    e = make_event(t, p, lp, "handling", level="town")
    r = extension_request(event=e, actor=p.admin, requested_due_at=e.due_at + dt.timedelta(days=3), reason="需采购")
    return {"event": Event.objects.get(pk=e.pk), "request": r}


def assignment_ctx(t, p, lp):
    e = make_event(t, p, lp, "dispatched", level="town")
    return {"event": e, "assignment": e.assignments.get()}


EVT = "/api/events/{number}"
V = lambda path: lambda c: path.format(number=num(c))  # noqa: E731
DEPT = lambda c, t, p, lp: {"lead_department_id": lp.cgj.id, "comment": "请办理"}  # noqa: E731

def _task_body(c, t, p, lp):
    import datetime as dt

    from django.utils import timezone

    return {"area_id": t.g1.id, "category_code": "LS01", "title": "排查独居老人",
            "due_at": (timezone.now() + dt.timedelta(days=2)).isoformat(), "checklist": ["走访登记"]}


MATRIX = [
    ECase("POST", "/api/tasks", "town_operator", "other_district_admin", lambda t, p, lp: {},
          lambda c: "/api/tasks", body=_task_body),
    ECase("POST", "/api/events", "grid_worker", "other_community_staff", lambda t, p, lp: {},
          lambda c: "/api/events",
          body=lambda c, t, p, lp: {"category": "LS01", "lon": 106.05, "lat": 29.2, "title": "巡查发现",
                                   "channel": "patrol"}),
    ECase("GET", "/api/events", "community_staff", "other_community_staff", ev("reported"),
          lambda c: "/api/events?limit=100", visible=lambda d, c: num(c) in [e["number"] for e in d["items"]]),
    ECase("GET", "/api/events/search", "grid_worker", "other_community_staff", ev("reported"),
          lambda c: "/api/events/search?page_size=200", visible=lambda d, c: num(c) in [e["number"] for e in d["items"]]),
    ECase("GET", EVT, "grid_worker", "other_community_staff", ev("reported"), V(EVT)),
    ECase("GET", EVT + "/timeline", "grid_worker", "other_community_staff", ev("reported"), V(EVT + "/timeline")),
    ECase("GET", EVT + "/assignments", "town_operator", "other_district_admin", ev("dispatched", level="town"),
          V(EVT + "/assignments")),
]
# City-wide, not area-scoped: covered by tests of their own below.
UNSCOPED = {("GET", "/api/catalog"), ("PATCH", "/api/catalog/{code}"),
            # one's own inbox: tested in jiewang/notifications/tests
            ("GET", "/api/inbox"), ("POST", "/api/inbox/read"),
            # rows are checked one by one by the intake service (channel roles): test_hotline.py
            ("POST", "/api/hotline/import"),
            # a workbook, not JSON: its scope (and 401/403/404) in jiewang/events/tests/test_search.py
            ("GET", "/api/events/export")}

# The verbs (/api/events/{number}/{action}, /api/assignments/{id}/sign …) are produced from the action
# registry; their matrix is tests/test_action_registry.py (one case per action).

REFUSAL_CODES = {"not_found", "event.not_found", "assignment.not_found", "summons.not_found",
                 "extension.not_found", "event.channel_not_permitted", "event.action_not_permitted",
                 "dispatch.not_your_assignment", "whistle.not_your_summons",
                 "area.not_found", "task.not_permitted"}  # a task sent down to an area outside scope


def who(name, people, loop):
    return getattr(loop, name.split(".")[1]) if name.startswith("loop.") else getattr(people, name)


def call(client, case, ctx, tree, people, loop):
    url = case.path(ctx)
    if case.multipart:
        return client.post(url, {"kind": "report", "file": SimpleUploadedFile("p.png", png_bytes(), "image/png")})
    body = case.body(ctx, tree, people, loop) if case.body else {}
    if case.method == "GET":
        return client.get(url)
    return getattr(client, case.method.lower())(url, data=json.dumps(body), content_type="application/json")


def state_of(ctx):
    e = ctx.get("event")
    counts = (Event.objects.count(), EventActivity.objects.count())
    return counts + ((Event.objects.get(pk=e.pk).version,) if e else ())




@pytest.mark.django_db
@pytest.mark.parametrize("case", MATRIX, ids=lambda c: f"{c.method} {c.template}")
@pytest.mark.parametrize("who_", ["anonymous", "nobody", "role", "other"])
def test_event_matrix(case, who_, tree, people, loop, client_for):
    ctx = case.setup(tree, people, loop)
    before = state_of(ctx)
    user = {"anonymous": None, "nobody": people.nobody, "role": who(case.role, people, loop),
            "other": who(case.other, people, loop)}[who_]
    resp = call(client_for(user), case, ctx, tree, people, loop)
    if who_ == "anonymous":
        assert resp.status_code == 401, resp.content
    elif who_ == "role":
        assert 200 <= resp.status_code < 300, resp.content
        if case.visible:
            assert case.visible(resp.json(), ctx)
        return
    elif case.visible is not None:
        assert resp.status_code == 200 and not case.visible(resp.json(), ctx)
    else:
        assert resp.status_code in (403, 404), resp.content
        assert resp.json()["code"] in REFUSAL_CODES, resp.content
    assert state_of(ctx) == before


@pytest.mark.django_db
def test_catalog_is_readable_by_roles_and_editable_by_district_admins(tree, people, loop, client_for):
    assert client_for(None).get("/api/catalog").status_code == 401
    cats = client_for(people.grid_worker).get("/api/catalog").json()
    assert {"LS01", "SL02", "PB05"} <= {c["code"] for c in cats} and len(cats) == 45
    body = json.dumps({"deadlines": {"normal": {"handle": [3, "working_days"]}}})
    r = client_for(people.community_staff).patch("/api/catalog/LS01", data=body, content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "catalog.not_admin"
    r = client_for(people.district_admin).patch("/api/catalog/LS01", data=body, content_type="application/json")
    assert r.status_code == 200 and r.json()["deadlines"] == {"normal": {"handle": [3, "working_days"]}}
    bad = json.dumps({"deadlines": {"normal": {"handle": [3, "fortnights"]}}})
    r = client_for(people.district_admin).patch("/api/catalog/LS01", data=bad, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "catalog.deadlines_invalid"
