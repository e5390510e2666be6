"""The situation API's exact numbers on a small hand-made history, its scope, and the pages."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from jiewang.stats.services.rollups import rollups_apply

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
G1, G2, G3, G4 = (106.05, 29.2), (106.2, 29.2), (106.3, 29.2), (106.7, 29.5)


def at(y, m, d, h=10):
    return time_machine.travel(dt.datetime(y, m, d, h, 0, tzinfo=SH), tick=False)


@pytest.fixture
def history(tree, people, loop):
    """e1 g1 reported and closed today; e2 g1 reported 11-10, overdue, closed today, rated 基本满意;
    e3 g3 reported 11-05 and voided; e4 in another town today; e5 g2 reported 10-20, overdue,
    handling, with a whistle to 生态环境局 not reported in."""
    from jiewang.dispatching.services.whistles import whistle_blow
    from jiewang.events.models import Event
    from jiewang.events.services import actions
    from jiewang.events.services.sweep import deadline_sweep
    from jiewang.events.testing import make_event

    admin = people.admin
    with at(2026, 10, 20):
        e5 = make_event(tree, people, loop, "handling", at=G2)
    with at(2026, 11, 5):
        e3 = make_event(tree, people, loop, "reported", level="town", at=G3)
        actions.event_void(event=e3, actor=admin, reason="无效")
    with at(2026, 11, 10):
        e2 = make_event(tree, people, loop, "handling", at=G1)
    with at(2026, 11, 29):
        deadline_sweep(now=dt.datetime(2026, 11, 29, 10, 0, tzinfo=SH))
        whistle_blow(event=Event.objects.get(pk=e5.pk), actor=admin, departments=[loop.sthj], problem="联合执法")
    with at(2026, 11, 30, 9):
        e1 = make_event(tree, people, loop, "closed", at=G1)
        e4 = make_event(tree, people, loop, "grid_closed", at=G4)
        actions.event_feedback(event=Event.objects.get(pk=e2.pk), actor=admin, comment="已办结")
        actions.event_verify(event=Event.objects.get(pk=e2.pk), actor=admin, passed=True)
        actions.event_return_visit(event=Event.objects.get(pk=e2.pk), actor=admin, contacted=True, resolved=True,
                                   satisfaction="basically")
    rollups_apply()
    e = {n: Event.objects.get(pk=x.pk) for n, x in (("e1", e1), ("e2", e2), ("e3", e3), ("e4", e4), ("e5", e5))}
    assert e["e2"].is_overdue and e["e5"].is_overdue and not e["e1"].is_overdue
    assert (e["e1"].status, e["e2"].status, e["e3"].status, e["e5"].status) == ("closed", "rated", "voided", "handling")
    return e


def get(client, **params):
    with time_machine.travel(NOW, tick=False):
        return client.get("/api/situation", params)


def test_exact_numbers_of_a_town(tree, people, loop, history, client_for):
    r = get(client_for(people.town_leader), area=tree.t1.id)
    assert r.status_code == 200, r.content
    s = r.json()
    assert s["area"]["id"] == tree.t1.id and s["today"] == "2026-11-30" and s["month_start"] == "2026-11-01"
    assert s["now"] == {"open": 1, "overdue": 1}  # e5
    assert s["periods"]["today"] == {"new": 1, "closed": 2, "overdue": 0, "closed_on_time": 1, "rated": 1,
                                     "satisfied": 0, "basically_satisfied": 1, "on_time_rate": 0.5,
                                     "satisfaction_rate": 0.9}
    assert s["periods"]["month"] == {"new": 2, "closed": 2, "overdue": 1, "closed_on_time": 1, "rated": 1,
                                     "satisfied": 0, "basically_satisfied": 1, "on_time_rate": 0.5,
                                     "satisfaction_rate": 0.9}
    board = {b["board"]: b for b in s["by_board"]}[history["e1"].board_kind]
    assert (board["today"], board["month"]) == ({"new": 1, "closed": 2, "overdue": 0},
                                                {"new": 2, "closed": 2, "overdue": 1})
    assert [(c["category_id"], c["month"]["new"]) for c in s["by_category"]] == [(history["e1"].category_id, 2)]
    assert [(a["area_id"], a["month"], a["open_now"], a["overdue_now"]) for a in s["by_area"]] == [
        (tree.c1.id, {"new": 2, "closed": 2, "overdue": 1}, 1, 1),
        (tree.c2.id, {"new": 0, "closed": 0, "overdue": 0}, 0, 0)]
    assert s["top_grids"] == [{"area_id": tree.g1.id, "name": tree.g1.name, "new": 2, "overdue": 1}]
    assert s["overdue_units"] == [{"kind": "department", "id": loop.cgj.id, "name": loop.cgj.name, "overdue": 1}]
    assert s["whistles_pending"]["count"] == 1
    assert s["whistles_pending"]["rows"][0]["department"] == loop.sthj.name
    series = {d["day"]: d for d in s["trend"]["series"]}
    assert s["trend"]["days"] == 30 and len(series) == 30 and min(series) == "2026-11-01"
    assert series["2026-11-30"] == {"day": "2026-11-30", "new": 1, "closed": 2, "overdue": 0}
    assert series["2026-11-10"] == {"day": "2026-11-10", "new": 1, "closed": 0, "overdue": 1}
    assert series["2026-11-05"]["new"] == 0  # voided
    assert sum(d["new"] for d in s["trend"]["series"]) == 2


def test_a_district_sees_its_towns_and_a_year(tree, people, loop, history, client_for):
    r = get(client_for(people.district_admin), area=tree.d1.id, days=365)
    assert r.status_code == 200, r.content
    s = r.json()
    assert s["periods"]["month"]["new"] == 2 and s["now"] == {"open": 1, "overdue": 1}
    assert [(a["area_id"], a["month"]["new"]) for a in s["by_area"]] == [(tree.t1.id, 2), (tree.t2.id, 0)]
    assert len(s["trend"]["series"]) == 365
    assert {d["day"]: d["new"] for d in s["trend"]["series"]}["2026-10-20"] == 1
    city = get(client_for(people.admin), area=tree.city.id).json()
    assert city["periods"]["today"]["new"] == 2  # e1 and e4


def test_scope(tree, people, loop, history, client_for):
    staff = client_for(people.community_staff)
    r = get(staff)
    assert r.status_code == 200, r.content
    s = r.json()  # default: the user's own area
    assert s["area"]["id"] == tree.c1.id and s["periods"]["month"]["new"] == 2
    assert get(staff, area=tree.t1.id).status_code == 404  # the town above: not its situation
    assert get(staff, area=tree.c2.id).status_code == 404
    assert get(client_for(people.town_leader), area=tree.t3.id).status_code == 404  # another town
    assert get(client_for(people.town_leader), area=999999).status_code == 404
    assert get(client_for(people.department_staff)).status_code == 403
    assert get(client_for(people.resident)).status_code == 403
    assert get(client_for(None)).status_code == 401
    assert get(client_for(people.town_leader), days=7).status_code == 422


def test_pages_render_for_command_roles(tree, people, loop, history, client_for):
    for user in (people.town_leader, people.town_operator, people.district_admin):
        c = client_for(user)
        with time_machine.travel(NOW, tick=False):
            page = c.get("/command/")
            screen = c.get("/command/screen/")
        assert page.status_code == 200
        assert b'id="situation"' in page.content and b"vendor/echarts/echarts.min.js" in page.content
        assert screen.status_code == 200
        assert b'data-situation-url="/api/situation' in screen.content
    assert client_for(people.community_staff).get("/command/screen/").status_code in (403, 404)
