"""The "every building once a week" rule counted: a check-in names a building (楼栋) of the
patrol's grid (another grid's refused), the phone's list of buildings (the worker's own grids
only), and building coverage per grid, community, town and worker against figures counted by
hand, and as an assessment input."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from jiewang.audit.models import AuditEntry
from jiewang.basedata.services.places import address_create
from jiewang.patrols.coverage import building_coverage_counts, coverage_report, month_of
from jiewang.patrols.models import CheckIn, Patrol
from jiewang.patrols.services.patrols import checkin_add
from jiewang.patrols.testing import INSIDE, OUTSIDE, other_grid_worker, start

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def building(grid, number, name=""):
    return address_create(actor=None, grid=grid, road="学府路", number=number, building=name).building


def ended_patrol(worker, grid, day):
    at = dt.datetime.combine(day, dt.time(9), SH)
    return Patrol.objects.create(worker=worker, grid=grid, area_path=grid.path, status="ended", day=day,
                                 started_at=at, ended_at=at + dt.timedelta(hours=2))


def checkin(patrol, b, hour=10, outside=False):
    at = dt.datetime.combine(patrol.day, dt.time(hour), SH)
    return CheckIn.objects.create(patrol=patrol, client_id=str(uuid.uuid4()), at=at, lon=INSIDE[0], lat=INSIDE[1],
                                  building=b, outside=outside, outside_m=500.0 if outside else None)


@pytest.fixture
def week(tree, people):
    """October 2026 counted on 30 November: its last week is Monday 26 – Saturday 31 October.
    g1 (the grid worker's): B1, B2, B3; g2 (no worker): B4; g3 (another worker's): B5."""
    gw, other = people.grid_worker, other_grid_worker(tree)
    b1, b2, b3 = building(tree.g1, "12号", "3栋"), building(tree.g1, "12号", "4栋"), building(tree.g1, "14号")
    b4, b5 = building(tree.g2, "20号"), building(tree.g3, "30号")
    p27 = ended_patrol(gw, tree.g1, dt.date(2026, 10, 27))
    checkin(p27, b1)
    checkin(p27, None, hour=11)  # no building named: counts for none
    checkin(ended_patrol(gw, tree.g1, dt.date(2026, 10, 28)), b1)  # B1 checked twice: one building
    checkin(ended_patrol(gw, tree.g1, dt.date(2026, 10, 20)), b2)  # the week before
    checkin(ended_patrol(gw, tree.g1, dt.date(2026, 10, 29)), b3, outside=True)  # 500 m outside the grid
    checkin(ended_patrol(other, tree.g3, dt.date(2026, 10, 30)), b5)
    checkin(ended_patrol(gw, tree.g1, dt.date(2026, 11, 2)), b2)  # November
    return {"gw": gw, "other": other, "b": (b1, b2, b3, b4, b5)}


def bfig(f):
    return (f.buildings_checked, f.buildings, f.building_rate)


def test_the_week_of_a_month():
    m = month_of("2026-10", today=dt.date(2026, 11, 30))
    assert [d.date() for d in m.week] == [dt.date(2026, 10, 26), dt.date(2026, 11, 1)]  # cut at the month's end
    assert m.week_label == "2026-10-26/2026-10-31"
    now = month_of("2026-11", today=dt.date(2026, 11, 26))  # a Thursday: this week, Monday 23 on
    assert now.week_label == "2026-11-23/2026-11-29"


def test_building_coverage_counted_by_hand(tree, people, week):
    report = coverage_report(user=people.admin, area=tree.t1, month="2026-10")
    # g1: B1 (twice) of B1 B2 B3 — B2 the week before, B3 outside the grid; g3: B5 of B5; g2: none of B4
    assert bfig(report["area"]) == (2, 5, 0.4)
    by_name = {c.name: c for c in report["children"]}
    assert bfig(by_name["甲社区"]) == (1, 4, 0.25)
    assert bfig(by_name["乙社区"]) == (1, 1, 1.0)
    community = coverage_report(user=people.admin, area=tree.c1, month="2026-10")
    grids = {c.name: c for c in community["children"]}
    assert bfig(grids["甲社区第1网格"]) == (1, 3, 0.3333)
    assert bfig(grids["甲社区第2网格"]) == (0, 1, 0.0)
    assert [(w.name, bfig(w)) for w in community["workers"]] == [("grid_worker", (1, 3, 0.3333))]
    town_workers = coverage_report(user=people.admin, area=tree.c2, month="2026-10")["workers"]
    assert [(w.name, bfig(w)) for w in town_workers] == [("李四", (1, 1, 1.0))]


def test_building_coverage_through_the_api(tree, people, client_for, week):
    r = client_for(people.community_staff).get(f"/api/patrols/coverage?area_id={tree.c1.pk}&month=2026-10")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["week"] == "2026-10-26/2026-10-31"
    assert (body["area"]["buildings_checked"], body["area"]["buildings"], body["area"]["building_rate"]) == (1, 4, 0.25)
    assert [(w["name"], w["buildings_checked"], w["buildings"]) for w in body["workers"]] == [("grid_worker", 1, 3)]


def test_building_coverage_is_an_assessment_input(tree, people, week):
    """Over the period (October): B1 and B2 in g1 (B3 only outside the grid), B5 in g3."""
    from jiewang.assessment.services.engine import run_compute

    start = dt.datetime(2026, 10, 1, tzinfo=SH)
    end = dt.datetime(2026, 11, 1, tzinfo=SH)
    assert building_coverage_counts(tree.t1.path, start, end, "town") == {tree.t1.pk: (3.0, 5.0)}
    assert building_coverage_counts(tree.t1.path, start, end, "community") == {tree.c1.pk: (2.0, 4.0),
                                                                               tree.c2.pk: (1.0, 1.0)}
    run = run_compute(actor=None, area=tree.t1, period="2026-10")
    got = {(r.indicator.code, r.member_id): (r.numerator, r.denominator, r.value)
           for r in run.results.select_related("indicator") if r.indicator.formula == "building_coverage"}
    assert got[("grid.building_coverage", tree.g1.pk)] == (2, 3, 0.666667)
    assert got[("grid.building_coverage", tree.g2.pk)] == (0, 1, 0.0)
    assert got[("grid.building_coverage", tree.g3.pk)] == (1, 1, 1.0)
    assert got[("gw.building_coverage", people.grid_worker.pk)] == (2, 3, 0.666667)
    assert got[("gw.building_coverage", week["other"].pk)] == (1, 1, 1.0)


def test_a_check_in_names_a_building_of_the_patrols_grid(tree, people, client_for):
    b1, b3 = building(tree.g1, "12号", "3栋"), building(tree.g3, "30号")
    patrol = start(people.grid_worker, tree.g1)
    c = client_for(people.grid_worker)
    url = f"/api/patrols/{patrol.pk}/checkins"
    body = {"client_id": "c-1", "at": timezone.now().isoformat(), "lon": INSIDE[0], "lat": INSIDE[1]}
    r = c.post(url, {**body, "building_id": b1.pk})
    assert r.status_code == 201, r.content
    assert r.json()["building_id"] == b1.pk
    assert CheckIn.objects.get(client_id="c-1").building_id == b1.pk
    audits = AuditEntry.objects.count()
    r = c.post(url, {**body, "client_id": "c-2", "building_id": b3.pk})  # another grid's building
    assert (r.status_code, r.json()["code"]) == (422, "patrol.building_not_in_grid")
    r = c.post(url, {**body, "client_id": "c-3", "building_id": 10 ** 9})  # no such building: the same answer
    assert (r.status_code, r.json()["code"]) == (422, "patrol.building_not_in_grid")
    assert not CheckIn.objects.filter(client_id__in=["c-2", "c-3"]).exists()
    assert AuditEntry.objects.count() == audits
    # outside the grid, naming a building: stored and flagged (not counted by coverage)
    ci, created = checkin_add(actor=people.grid_worker, patrol=patrol, client_id="c-4", at=timezone.now(),
                              lon=OUTSIDE[0], lat=OUTSIDE[1], building_id=b1.pk)
    assert created and ci.outside and ci.building_id == b1.pk


def test_the_phones_list_of_buildings(tree, people, client_for):
    b1, b2 = building(tree.g1, "12号", "3栋"), building(tree.g1, "14号")
    building(tree.g2, "20号")
    building(tree.g3, "30号")
    c = client_for(people.grid_worker)
    r = c.get("/api/patrols/buildings")
    assert r.status_code == 200
    assert [(b["id"], b["name"], b["grid_id"]) for b in r.json()] == [
        (b1.pk, "学府路12号3栋", tree.g1.pk), (b2.pk, "学府路14号", tree.g1.pk)]
    assert [b["id"] for b in c.get(f"/api/patrols/buildings?grid_id={tree.g1.pk}").json()] == [b1.pk, b2.pk]
    for grid in (tree.g2, tree.g3):  # not their grids
        r = c.get(f"/api/patrols/buildings?grid_id={grid.pk}")
        assert (r.status_code, r.json()["code"]) == (404, "patrol.not_your_grid")
    # community staff read the grid but patrol none: no buildings to check in at
    assert client_for(people.community_staff).get("/api/patrols/buildings").json() == []
    r = client_for(people.community_staff).get(f"/api/patrols/buildings?grid_id={tree.g1.pk}")
    assert r.status_code == 404


@pytest.fixture
def city_october(tree, people, week):
    """The week's story, widened to the city for the shared frame: the grid worker holds g2 too
    (B4 checked in October), a micro-grid of g1 with its own building (M1, checked), 丙村第1网格 g4
    (三镇, 南区) with B6 — its worker never checked in; B6 checked on a patrol of g4 by g3's worker
    (it counts for the grid, not for them: not their grid) —, a grid-worker grant on a community
    (no grid: not a member) and one that ended."""
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User
    from jiewang.areas.choices import AreaLevel
    from jiewang.areas.services import area_create
    from jiewang.core.testing import square

    gw, other = week["gw"], week["other"]
    RoleGrant.objects.create(user=gw, role=Role.GRID_WORKER, area=tree.g2)
    micro = area_create(actor=None, parent=tree.g1, level=AreaLevel.MICROGRID, code="500101001001001001",
                        name="甲社区第1网格第1微网格", geometry=square(106.0, 29.0, 106.05, 29.2),
                        valid_from=dt.date(2020, 1, 1))
    m1 = building(micro, "40号")
    b4, b6 = week["b"][3], building(tree.g4, "60号")
    checkin(ended_patrol(gw, tree.g2, dt.date(2026, 10, 9)), b4)
    checkin(ended_patrol(gw, micro, dt.date(2026, 10, 9)), m1)
    checkin(ended_patrol(other, tree.g4, dt.date(2026, 10, 12)), b6)
    g4_worker = User.objects.create_user("g4_worker", password="pw-g4-2026", display_name="王五")
    RoleGrant.objects.create(user=g4_worker, role=Role.GRID_WORKER, area=tree.g4)
    RoleGrant.objects.create(user=User.objects.create_user("no_grid", password="pw-ng-2026"),
                             role=Role.GRID_WORKER, area=tree.c2)
    RoleGrant.objects.create(user=User.objects.create_user("gone", password="pw-gone-2026"),
                             role=Role.GRID_WORKER, area=tree.g3,
                             valid_to=dt.datetime(2026, 1, 1, tzinfo=SH))
    return {**week, "micro": micro, "g4_worker": g4_worker}


def test_building_coverage_with_the_shared_frame_equals_per_area(tree, people, city_october):
    """``BuildingCoverageFrame`` (read once for the city) gives every area's building coverage,
    for each population, exactly as :func:`building_coverage_counts` does — the same members
    (grid workers who never checked in too) and the same floats —, directly and through the
    engine."""
    from jiewang.assessment.formulas import FORMULAS, Context
    from jiewang.assessment.services.engine import compute, frame_for
    from jiewang.assessment.services.periods import parse_period

    kind, start, end = parse_period("2026-10")
    frames: dict = {}
    fn = FORMULAS["building_coverage"].fn
    for area in (tree.t1, tree.t3, tree.d1, tree.d2, tree.c1, tree.t2, tree.city):
        frame = frame_for(area, start, end, frames)
        for population in ("grid", "community", "town", "grid_worker"):
            framed = fn(Context(area.path, start, end, frame=frame, area_id=area.pk), population, set())
            own = building_coverage_counts(area.path, start, end, population)
            assert framed == own, (area.name, population)
            assert [type(x) for v in framed.values() for x in v] == [float] * 2 * len(framed)
    assert len(frames) == 1

    def ctx(area):
        return Context(area.path, start, end, frame=frame, area_id=area.pk)

    gw, other, g4_worker = city_october["gw"], city_october["other"], city_october["g4_worker"]
    # gw: g1 (B1 B2 B3), g2 (B4) — B1 twice, B2, B4 in October; B3 only outside the grid
    assert fn(ctx(tree.t1), "grid_worker", set()) == {gw.pk: (3.0, 4.0), other.pk: (1.0, 1.0)}
    assert fn(ctx(tree.d2), "grid_worker", set()) == {g4_worker.pk: (0.0, 1.0)}
    assert fn(ctx(tree.t3), "grid", set()) == {tree.g4.pk: (1.0, 1.0)}
    assert fn(ctx(tree.d1), "town", set()) == {tree.t1.pk: (5.0, 6.0)}
    assert fn(ctx(tree.c1), "grid", set())[city_october["micro"].pk] == (1.0, 1.0)

    def coverage(area, frame):
        return sorted((r["population"], r["member_id"], r["numerator"], r["denominator"])
                      for r in compute(area, kind, start, end, frame)[0] if r["indicator"].formula == "building_coverage")

    for area in (tree.t1, tree.t3, tree.d1):
        assert coverage(area, frame_for(area, start, end, frames)) == coverage(area, None)


def test_building_coverage_with_a_frame_reads_once_for_the_city(tree, people, city_october):
    """With the shared frame, computing more areas makes no more queries for building coverage:
    its rows are read once for the city (a handful of GROUP BYs), not once per area."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiewang.assessment.formulas import FORMULAS, Context
    from jiewang.assessment.services.engine import compute, frame_for
    from jiewang.assessment.services.periods import parse_period

    kind, start, end = parse_period("2026-10")
    fn = FORMULAS["building_coverage"].fn

    def formula_queries(areas) -> int:
        frame = frame_for(areas[0], start, end, {})
        with CaptureQueriesContext(connection) as seen:
            for area in areas:
                for population in ("grid", "community", "town", "grid_worker"):
                    fn(Context(area.path, start, end, frame=frame, area_id=area.pk), population, set())
        return len(seen)

    one = formula_queries([tree.t1])
    assert one <= 6
    assert formula_queries([tree.t1, tree.t2, tree.t3, tree.d1, tree.d2]) == one

    def engine_queries(areas) -> int:  # the month of several areas through the engine, one frame
        frames: dict = {}
        with CaptureQueriesContext(connection) as seen:
            for area in areas:
                compute(area, kind, start, end, frame_for(area, start, end, frames))
        return sum(1 for q in seen.captured_queries if "patrols_checkin" in q["sql"] or "basedata_building" in q["sql"])

    assert engine_queries([tree.t1]) == engine_queries([tree.t1, tree.t3, tree.d1, tree.d2]) <= 4
