"""双报到率, 微心愿办结率 and 三张清单匹配率 on October 2026 of 一街道 (甲社区 c1, 乙社区 c2), every number
counted by hand (Asia/Shanghai).

In-service members and their report-ins (home community → report-in):
  A  home c1 → c1 confirmed 1 Sep                                 → counted, reported
  B  home c1 → c2 confirmed 1 Sep (not their home community)       → counted, not reported
  C  home c1 → c1 confirmed 5 Nov (after the period)               → counted, not reported
  D  home c1 → c1 confirmed 1 Sep, ended 20 Oct (moved away)       → counted, not reported
  E  home c2 → c2 confirmed 10 Oct                                 → counted, reported
  F  home c2, no report-in                                         → counted, not reported
  G  home c1, retired (not in service); H home c1, no longer active; I home c1 enrolled 2 Nov;
  J  no home community known                                       → none counted
双报到率: c1 1/4, c2 1/2, 一街道 2/6.

Wishes (wanted-by day = the deadline):
  W1 c1 (grid g1) due 10 Oct, done 9 Oct → in time; W2 c1 due 15 Oct, done 16 Oct → late;
  W3 c1 due 20 Oct, still claimed → not done; W4 c1 due 25 Oct, withdrawn → left out;
  W5 c2 due 31 Oct, done 31 Oct 23:00 → in time; W6 c1 due 2 Nov; W7 c1 without a day → not due.
微心愿办结率: c1 1/3, c2 1/1, 一街道 2/4.

Needs: N1 c1 listed 3 Oct, matched 5 Oct → matched; N2 c1 listed 20 Oct, matched 3 Nov → not by
the end; N3 c1 listed 21 Oct, open; N4 c2 listed 30 Oct, matched 31 Oct; N5 c1 listed 30 Sep.
三张清单匹配率: c1 1/3, c2 1/1, 一街道 2/4.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(month, day, hour=10):
    return dt.datetime(2026, month, day, hour, tzinfo=SH)


@pytest.fixture
def world(tree):
    from jiewang.party import models as m

    street = m.PartyOrg.objects.create(name="一街道党工委", kind="working_committee", area=tree.t1,
                                       area_path=tree.t1.path)
    unit = m.PartyOrg.objects.create(name="某公司党支部", kind="unit", area=tree.t1, area_path=tree.t1.path)

    def member(name, home, kind="in_service", active=True, created=None):
        created = created or at(1, 5)
        mem = m.PartyMember.objects.create(name=name, org=unit, area_path=unit.area_path, kind=kind, active=active,
                                           home_community=home)
        m.PartyMember.objects.filter(pk=mem.pk).update(created_at=created)
        return mem

    def report_in(mem, community, confirmed, ended=None):
        m.ReportIn.objects.create(member=mem, community=community, area_path=community.path, unit_org=unit,
                                  status="ended" if ended else "confirmed", service_post="volunteer",
                                  registered_at=confirmed, confirmed_at=confirmed, ended_at=ended)

    c1, c2 = tree.c1, tree.c2
    a, b, c, d = (member(x, c1) for x in "ABCD")
    e, _f = member("E", c2), member("F", c2)
    member("G", c1, kind="retired"), member("H", c1, active=False), member("I", c1, created=at(11, 2))
    member("J", None)
    report_in(a, c1, at(9, 1))
    report_in(b, c2, at(9, 1))
    report_in(c, c1, at(11, 5))
    report_in(d, c1, at(9, 1), ended=at(10, 20))
    report_in(e, c2, at(10, 10))

    def wish(area, due, status, done=None):
        community = area if area.level == 4 else area.parent
        m.Wish.objects.create(community=community, grid=None if area is community else area, area_path=area.path,
                              title="心愿", category="repair", requester_name="王奶奶", wanted_by=due, status=status,
                              posted_at=at(9, 20), done_at=done)

    wish(tree.g1, dt.date(2026, 10, 10), "done", at(10, 9))
    wish(c1, dt.date(2026, 10, 15), "rated", at(10, 16))
    wish(c1, dt.date(2026, 10, 20), "claimed")
    wish(c1, dt.date(2026, 10, 25), "withdrawn")
    wish(c2, dt.date(2026, 10, 31), "done", at(10, 31, 23))
    wish(c1, dt.date(2026, 11, 2), "published")
    wish(c1, None, "done", at(10, 12))

    def need(community, listed, matched=None):
        m.Need.objects.create(community=community, area_path=community.path, title="需求", category="children",
                              source="residents", status="matched" if matched else "open", created_at=listed,
                              matched_at=matched)

    need(c1, at(10, 3), at(10, 5))
    need(c1, at(10, 20), at(11, 3))
    need(c1, at(10, 21))
    need(c2, at(10, 30), at(10, 31))
    need(c1, at(9, 30), at(10, 2))
    return street


def _ctx(area):
    from jiewang.assessment.formulas import Context

    return Context(area_path=area.path, start=at(10, 1, 0), end=at(11, 1, 0))


def test_the_formulas_are_registered():
    from jiewang.assessment.formulas import FORMULAS

    assert {"party_report_in_rate", "party_wish_done_rate", "party_need_match_rate"} <= set(FORMULAS)
    assert FORMULAS["party_report_in_rate"].populations == frozenset({"community", "town"})


@pytest.mark.parametrize("key, c1, c2, town", [
    ("party_report_in_rate", (1, 4), (1, 2), (2, 6)),
    ("party_wish_done_rate", (1, 3), (1, 1), (2, 4)),
    ("party_need_match_rate", (1, 3), (1, 1), (2, 4)),
])
def test_hand_counted(world, tree, key, c1, c2, town):
    from jiewang.assessment.formulas import FORMULAS

    fn = FORMULAS[key].fn
    assert fn(_ctx(tree.t1), "community", set()) == {tree.c1.pk: c1, tree.c2.pk: c2}
    assert fn(_ctx(tree.d1), "town", set()) == {tree.t1.pk: town}
    assert fn(_ctx(tree.t2), "community", set()) == {}  # another town's run sees none of it


def test_a_town_run_shows_them_with_weight_zero(world, tree):
    from jiewang.assessment.models import Indicator
    from jiewang.assessment.services.engine import run_compute

    assert set(Indicator.objects.filter(code__startswith="party.").values_list("weight", flat=True)) == {0}
    run = run_compute(actor=None, area=tree.t1, period="2026-10")
    got = {(r.indicator.code, r.member_id): (r.numerator, r.denominator)
           for r in run.results.select_related("indicator") if r.indicator.code.startswith("party.")}
    assert got[("party.community_report_in", tree.c1.pk)] == (1, 4)
    assert got[("party.community_wish_done", tree.c2.pk)] == (1, 1)
    assert got[("party.community_need_match", tree.c1.pk)] == (1, 3)


@pytest.fixture
def wider(world, tree):
    """The story plus 三镇 (t3, 南区) of the city: K home 丙村 (c3) reported in there, L home c3
    rejected, M home c3 reported in and ended after the period; wishes of 丙村第1网格 (g4) due in
    October: one done in time, one refused; a need of c3 listed in October, matched."""
    from jiewang.party import models as m

    unit = m.PartyOrg.objects.get(name="某公司党支部")
    c3 = tree.c3

    def member(name):
        mem = m.PartyMember.objects.create(name=name, org=unit, area_path=unit.area_path, kind="in_service",
                                           home_community=c3)
        m.PartyMember.objects.filter(pk=mem.pk).update(created_at=at(1, 5))
        return mem

    for name, status, ended in (("K", "confirmed", None), ("L", "rejected", None), ("M", "ended", at(11, 20))):
        m.ReportIn.objects.create(member=member(name), community=c3, area_path=c3.path, unit_org=unit, status=status,
                                  service_post="volunteer", registered_at=at(9, 1), confirmed_at=at(9, 2),
                                  ended_at=ended)
    for due, status, done in ((dt.date(2026, 10, 8), "done", at(10, 7)), (dt.date(2026, 10, 9), "refused", None)):
        m.Wish.objects.create(community=c3, grid=tree.g4, area_path=tree.g4.path, title="心愿", category="repair",
                              requester_name="李爷爷", wanted_by=due, status=status, posted_at=at(9, 20), done_at=done)
    m.Need.objects.create(community=c3, area_path=c3.path, title="需求", category="children", source="residents",
                          status="matched", created_at=at(10, 4), matched_at=at(10, 6))
    return world


KEYS = ("party_report_in_rate", "party_wish_done_rate", "party_need_match_rate")


def test_the_shared_frame_gives_the_per_area_numbers(wider, tree):
    """With the assessment's shared frame (the month of every town and district in a row) each
    formula reads its rows once for the city and gives every area exactly its per-area numbers,
    directly and through the engine."""
    from jiewang.assessment.formulas import FORMULAS, Context
    from jiewang.assessment.services.engine import compute, frame_for
    from jiewang.assessment.services.periods import parse_period

    kind, start, end = parse_period("2026-10")
    frames: dict = {}
    for area in (tree.t1, tree.t2, tree.t3, tree.d1, tree.d2, tree.c1, tree.city):
        frame = frame_for(area, start, end, frames)
        for key in KEYS:
            fn = FORMULAS[key].fn
            for population in ("community", "town"):
                framed = fn(Context(area.path, start, end, frame=frame, area_id=area.pk), population, set())
                assert framed == fn(Context(area.path, start, end), population, set()), (area.name, key, population)
    assert len(frames) == 1
    frame = frames[next(iter(frames))]

    def framed(key, area, population):
        return FORMULAS[key].fn(Context(area.path, start, end, frame=frame, area_id=area.pk), population, set())

    assert framed("party_report_in_rate", tree.t3, "community") == {tree.c3.pk: (2.0, 3.0)}
    assert framed("party_report_in_rate", tree.d1, "town") == {tree.t1.pk: (2.0, 6.0)}
    assert framed("party_wish_done_rate", tree.t3, "community") == {tree.c3.pk: (1.0, 1.0)}
    assert framed("party_wish_done_rate", tree.t1, "community") == {tree.c1.pk: (1.0, 3.0), tree.c2.pk: (1.0, 1.0)}
    assert framed("party_need_match_rate", tree.city, "town") == {tree.t1.pk: (2.0, 4.0), tree.t3.pk: (1.0, 1.0)}

    def party(area, frame):
        return sorted((r["population"], r["indicator"].code, r["member_id"], r["numerator"], r["denominator"])
                      for r in compute(area, kind, start, end, frame)[0] if r["indicator"].formula in KEYS)

    for area in (tree.t1, tree.t3, tree.d1):
        got = party(area, frame_for(area, start, end, frames))
        assert got == party(area, None) and got


def test_with_a_frame_more_areas_make_no_more_queries(wider, tree):
    """The party formulas' rows are read once per frame (one query each, two for the report-ins),
    whatever the number of areas computed with it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiewang.assessment.formulas import FORMULAS, Context
    from jiewang.assessment.services.engine import compute, frame_for
    from jiewang.assessment.services.periods import parse_period

    kind, start, end = parse_period("2026-10")

    def formula_queries(areas) -> int:
        frame = frame_for(areas[0], start, end, {})
        with CaptureQueriesContext(connection) as seen:
            for area in areas:
                for key in KEYS:
                    for population in ("community", "town"):
                        FORMULAS[key].fn(Context(area.path, start, end, frame=frame, area_id=area.pk), population,
                                         set())
        return len(seen)

    assert formula_queries([tree.t1]) == formula_queries([tree.t1, tree.t2, tree.t3, tree.d1, tree.d2]) == 4

    def engine_queries(areas) -> int:
        frames: dict = {}
        with CaptureQueriesContext(connection) as seen:
            for area in areas:
                compute(area, kind, start, end, frame_for(area, start, end, frames))
        return sum(1 for q in seen.captured_queries if '"party_' in q["sql"])

    assert engine_queries([tree.t1]) == engine_queries([tree.t1, tree.t3, tree.d1, tree.d2]) == 4
