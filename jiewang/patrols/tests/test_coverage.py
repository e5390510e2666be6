"""Coverage figures against values counted by hand, per grid, community, town and worker, and the
assessment's visit coverage."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from jiewang.basedata.models import KeyGroup, KeyPerson
from jiewang.basedata.services.residents import key_person_add
from jiewang.basedata.testing import ID_LI, ID_WANG, house_at, resident_in
from jiewang.patrols.coverage import coverage_report, patrol_days_due, month_of
from jiewang.patrols.models import Patrol, Visit
from jiewang.patrols.services.rules import rule_create
from jiewang.patrols.services.visits import visit_record
from jiewang.patrols.testing import other_grid_worker

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def oct_(day, hour=10):
    return dt.datetime(2026, 10, day, hour, tzinfo=SH)


def visit(worker, when, **kw):
    v, _ = visit_record(actor=worker, **kw)
    Visit.objects.filter(pk=v.pk).update(visited_at=when)
    return v


def patrol(worker, grid, day):
    Patrol.objects.create(worker=worker, grid=grid, area_path=grid.path, status="ended", day=day,
                          started_at=dt.datetime.combine(day, dt.time(9), SH),
                          ended_at=dt.datetime.combine(day, dt.time(10), SH))


@pytest.fixture
def october(tree, people):
    """g1 (甲社区, the grid worker's): h1 self-occupied, h2 rented, h3 vacant, h4 self-occupied;
    g3 (乙社区, another worker's): h5. Rules: g1 weekly patrols, g3 monthly."""
    gw, other = people.grid_worker, other_grid_worker(tree)
    h1 = house_at(tree.g1, room="101")
    h2 = house_at(tree.g1, room="102", use="rented")
    h3 = house_at(tree.g1, room="103", use="vacant")
    h4 = house_at(tree.g1, room="104")
    h5 = house_at(tree.g3, road="清风路", room="201")
    group = KeyGroup.objects.get(code="elderly_alone")
    kp1 = key_person_add(actor=None, resident=resident_in(h2, name="甲"), group=group, visit_days=7)
    kp2 = key_person_add(actor=None, resident=resident_in(h1, name="乙", id_number=ID_LI), group=group, visit_days=90)
    kp3 = key_person_add(actor=None, resident=resident_in(h5, name="丙", id_number=ID_WANG), group=group,
                         visit_days=30)
    KeyPerson.objects.filter(pk=kp3.pk).update(since=dt.date(2026, 9, 1))
    KeyPerson.objects.filter(pk=kp2.pk).update(since=timezone.localdate())
    rule_create(actor=None, grid=tree.g1, kind="patrol", every=1, unit="week")
    rule_create(actor=None, grid=tree.g3, kind="patrol", every=1, unit="month")
    visit(gw, oct_(3), house=h1, findings="一")
    visit(gw, oct_(20), house=h1, findings="二")  # h1 again: one household
    visit(gw, oct_(8), house=h3)  # vacant: not a household
    visit(gw, oct_(15), key_person=kp1)  # at h2
    visit(gw, dt.datetime(2026, 9, 30, 10, tzinfo=SH), house=h4)  # September
    patrol(gw, tree.g1, dt.date(2026, 10, 5))
    patrol(gw, tree.g1, dt.date(2026, 10, 5))  # the same day twice: one patrol day
    patrol(gw, tree.g1, dt.date(2026, 10, 12))
    patrol(gw, tree.g1, dt.date(2026, 11, 2))  # November
    patrol(other, tree.g3, dt.date(2026, 10, 20))
    return gw, other


def figures(f):
    return (f.households, f.visited, f.visit_rate, f.patrol_days, f.patrol_days_due, f.key_persons, f.overdue)


def test_month_rules_counted_by_hand():
    m = month_of("2026-10", today=dt.date(2026, 11, 30))
    # October 2026 runs Thursday 1st to Saturday 31st: ISO weeks 40, 41, 42, 43, 44
    assert patrol_days_due(1, "week", m) == 5
    assert patrol_days_due(2, "week", m) == 2.5
    assert patrol_days_due(1, "month", m) == 1
    part = month_of("2026-10", today=dt.date(2026, 10, 7))  # counted up to today: weeks 40, 41
    assert patrol_days_due(1, "week", part) == 2


def test_coverage_equals_the_figures_counted_by_hand(tree, people, october):
    gw, other = october
    report = coverage_report(user=people.admin, area=tree.t1, month="2026-10")
    # 一街道: households h1 h2 h4 h5 = 4; visited h1, h2 (kp1 at home) = 2; patrol days 2 (g1) + 1 (g3) = 3;
    # due 5 weeks + 1 month = 6; key persons 3, overdue kp1 (last visit 15 Oct, every 7 days) and kp3
    # (never visited since 1 Sep, every 30 days)
    assert figures(report["area"]) == (4, 2, 0.5, 3, 6, 3, 2)
    by_name = {c.name: c for c in report["children"]}
    assert figures(by_name["甲社区"]) == (3, 2, 0.6667, 2, 5, 2, 1)
    assert figures(by_name["乙社区"]) == (1, 0, 0.0, 1, 1, 1, 1)
    assert report["area"].patrol_rate == 0.5  # 3 / 6

    community = coverage_report(user=people.admin, area=tree.c1, month="2026-10")
    grids = {c.name: c for c in community["children"]}
    assert figures(grids["甲社区第1网格"]) == (3, 2, 0.6667, 2, 5, 2, 1)
    assert figures(grids["甲社区第2网格"]) == (0, 0, None, 0, 0, 0, 0)
    assert [(w.name, w.households, w.visited, w.patrol_days) for w in community["workers"]] == [
        ("grid_worker", 3, 2, 2)]


def test_coverage_through_the_api_and_its_scope(tree, people, client_for, october):
    r = client_for(people.community_staff).get(f"/api/patrols/coverage?area_id={tree.c1.pk}&month=2026-10")
    assert r.status_code == 200, r.content
    assert (r.json()["area"]["visited"], r.json()["area"]["households"]) == (2, 3)
    # the community's staff see their community, not the town around it
    assert client_for(people.community_staff).get(f"/api/patrols/coverage?area_id={tree.t1.pk}").status_code == 404
    assert client_for(people.grid_worker).get(f"/api/patrols/coverage?area_id={tree.c1.pk}").status_code == 404
    r = client_for(people.grid_worker).get(f"/api/patrols/coverage?area_id={tree.g1.pk}&month=2026-10")
    assert r.json()["area"]["patrol_days"] == 2
    r = client_for(people.town_leader).get(f"/api/patrols/coverage/overdue?area_id={tree.t1.pk}")
    assert [(o["name"], o["grid"]) for o in r.json()] == [("丙", "乙社区第1网格"), ("甲", "甲社区第1网格")]


def test_visit_coverage_is_an_assessment_input(tree, people, october):
    from jiewang.assessment.services.engine import run_compute

    run = run_compute(actor=None, area=tree.t1, period="2026-10")
    got = {(r.indicator.code, r.member_id): (r.numerator, r.denominator, r.value)
           for r in run.results.select_related("indicator") if r.indicator.formula == "visit_coverage"}
    assert got[("grid.visit_coverage", tree.g1.pk)] == (2, 3, 0.666667)
    assert got[("grid.visit_coverage", tree.g3.pk)] == (0, 1, 0.0)
    assert got[("grid.visit_coverage", tree.g2.pk)] == (0, 0, None)
    assert got[("gw.visit_coverage", people.grid_worker.pk)] == (2, 3, 0.666667)


def test_a_month_in_bad_form_is_refused(tree, people, client_for):
    r = client_for(people.town_leader).get(f"/api/patrols/coverage?area_id={tree.t1.pk}&month=2026-13")
    assert r.status_code == 422
    assert json.loads(r.content)["code"] == "validation_failed"


def test_visit_coverage_with_the_shared_frame_equals_per_area(tree, people, october):
    """The city's month computed with one frame (``CoverageFrame``, read once for the city) gives
    every area's visit coverage exactly as its own queries do."""
    from jiewang.assessment.services.engine import compute, frame_for
    from jiewang.assessment.services.periods import parse_period

    kind, start, end = parse_period("2026-10")
    frames: dict = {}

    def coverage(area, frame):
        return sorted((r["population"], r["member_id"], r["numerator"], r["denominator"])
                      for r in compute(area, kind, start, end, frame)[0] if r["indicator"].formula == "visit_coverage")

    for area in (tree.t1, tree.t3, tree.d1):
        assert coverage(area, frame_for(area, start, end, frames)) == coverage(area, None)
    got = coverage(tree.t1, frame_for(tree.t1, start, end, frames))
    assert ("grid", tree.g1.pk, 2.0, 3.0) in got and ("grid_worker", people.grid_worker.pk, 2.0, 3.0) in got
