"""Every shipped indicator on the October story of ``jiewang.assessment.testing`` (read its
docstring first): each expected (numerator, denominator) is counted by hand in the comments."""

from __future__ import annotations

import pytest
from django.db.models import F

from jiewang.assessment.models import Indicator, ListRule
from jiewang.assessment.seed_data import INDICATORS
from jiewang.assessment.services.engine import grade, run_compute, score_rows

pytestmark = pytest.mark.django_db


def table(run) -> dict:
    return {(r.indicator.code, r.member_id): (r.numerator, r.denominator, r.value)
            for r in run.results.select_related("indicator")}


def scores(run, population, scheme="general") -> list[tuple]:
    return [(s.member_name, s.score, s.grade, s.rank, s.list_kind)
            for s in run.scores.filter(population=population, scheme=scheme).order_by(
                F("rank").asc(nulls_last=True), "member_name")]


def test_every_shipped_indicator_is_loaded_and_names_a_formula():
    from jiewang.assessment.formulas import FORMULAS

    # higher apps ship indicators of their own (jiewang.supervision.indicators) through the registry
    assert {row[0] for row in INDICATORS} <= set(Indicator.objects.values_list("code", flat=True))
    for ind in Indicator.objects.all():
        assert ind.formula in FORMULAS and ind.population in FORMULAS[ind.formula].populations, ind.code


def test_october_story_events(october):
    o = october
    assert [e.status for e in (o.e1, o.e2, o.e3, o.e4, o.e5, o.e6, o.e7)] == [
        "rated", "rated", "rated", "handling", "closed", "voided", "rated"]
    assert (o.e3.rework_count, o.e5.accepted_at is not None, o.e6.accepted_at) == (1, True, None)


def test_departments(october, tree, loop):
    t = table(run_compute(actor=None, area=tree.t1, period="2026-10"))
    cgj, sthj = loop.cgj.pk, loop.sthj.pk
    expected = {
        # 处置率: closed in October (E1, E2) / (closed + open and overdue at the end: E4)
        ("dept.closure", cgj): (2, 3), ("dept.closure", sthj): (1, 1),
        # 按期处置率: E1 on time, E2's handling clock met after its due moment
        ("dept.on_time", cgj): (1, 2), ("dept.on_time", sthj): (1, 1),
        # 返工率: E3 failed its verification once
        ("dept.rework", cgj): (0, 2), ("dept.rework", sthj): (1, 1),
        # 超期率: E1, E2, E4 (closed or open) of which E2 (late) and E4 (overdue since 22 Oct)
        ("dept.overdue", cgj): (2, 3), ("dept.overdue", sthj): (0, 1),
        # 延期率: E3 had an approved extension
        ("dept.extension", cgj): (0, 2), ("dept.extension", sthj): (1, 1),
        # 按时签收率: sign-for clocks started in October: E1 ✓, E2 ✗ (2 h for 1 h), E4 ✓; E3 ✓
        # (E7's clock started in September)
        ("dept.sign", cgj): (2, 3), ("dept.sign", sthj): (1, 1),
        # 满意率: E1 满意, E2 基本满意; E3's visit reached nobody (no rating)
        ("dept.satisfaction", cgj): (2, 2), ("dept.satisfaction", sthj): (0, 0),
        # 12345 三率 over valid visits: E1 (contacted, resolved, 满意), E2 (contacted, not resolved,
        # 基本满意 = 0.9); E3 (not contacted)
        ("dept.hl_response", cgj): (2, 2), ("dept.hl_response", sthj): (0, 1),
        ("dept.hl_resolution", cgj): (1, 2), ("dept.hl_resolution", sthj): (0, 1),
        ("dept.hl_satisfaction", cgj): (1.9, 2), ("dept.hl_satisfaction", sthj): (0, 1),
        # 报到率 / 报到及时率 / 双向考核: E4's whistle — cgj on time rated 5, sthj late rated 3
        ("dept.report_in", cgj): (1, 1), ("dept.report_in", sthj): (1, 1),
        ("dept.report_in_on_time", cgj): (1, 1), ("dept.report_in_on_time", sthj): (0, 1),
        ("dept.rating", cgj): (5, 5), ("dept.rating", sthj): (3, 5),
    }
    assert {k: v[:2] for k, v in t.items() if k[0].startswith("dept.")} == expected
    assert t[("dept.closure", cgj)][2] == 0.666667 and t[("dept.hl_satisfaction", cgj)][2] == 0.95
    assert t[("dept.satisfaction", sthj)][2] is None  # zero denominator: no value, no score


def test_department_scores_grades_and_ranks(october, tree):
    run = run_compute(actor=None, area=tree.t1, period="2026-10")
    # cgj: 30×66.6667 + 20×50 + 20×(1−0)×100 + 20×(1−0.666667)×100 + 10×100 = 6666.667 → 66.67
    # sthj: 30×100 + 20×100 + 20×0 + 20×100 + 10×0 = 7000 → 70.0
    assert scores(run, "department") == [("北区生态环境局", 70.0, "C", 1, "red"),
                                         ("北区城市管理局", 66.67, "C", 2, "black")]
    # 三率: 0.1×100 + 0.5×50 + 0.4×95 = 73; sthj 0
    assert scores(run, "department", "hotline") == [("北区城市管理局", 73.0, "C", 1, "red"),
                                                    ("北区生态环境局", 0.0, "E", 2, "black")]
    # 吹哨: 0.3×100 + 0.3×100 + 0.4×100 = 100; sthj 0.3×100 + 0.3×0 + 0.4×60 = 54
    assert scores(run, "department", "whistle") == [("北区城市管理局", 100.0, "A", 1, "red"),
                                                    ("北区生态环境局", 54.0, "D", 2, "black")]


def test_regions_and_grid_workers(october, tree, people):
    run = run_compute(actor=None, area=tree.t1, period="2026-10")
    t = table(run)
    c1, c2, g1, g2, g3 = tree.c1.pk, tree.c2.pk, tree.g1.pk, tree.g2.pk, tree.g3.pk
    for prefix, first, second in (("community", c1, c2), ("grid", g1, g3)):
        got = {code: (t[(f"{prefix}.{code}", first)][:2], t[(f"{prefix}.{code}", second)][:2])
               for code in ("closure", "on_time", "overdue", "public_reports", "rework", "satisfaction")}
        assert got == {
            # c1/g1 closed E1, E2, E5 + E4 open and overdue; c2/g3 closed E3
            "closure": ((3, 4), (1, 1)),
            "on_time": ((2, 3), (1, 1)),  # E2 late
            "overdue": ((2, 4), (0, 1)),  # E2, E4
            # accepted in October: E1, E2, E4 (hotline complaints), E5 (patrol, self-handled); E3
            "public_reports": ((3, 4), (1, 1)),
            "rework": ((0, 3), (1, 1)),
            "satisfaction": ((2, 2), (0, 0)),
        }, prefix
    assert t[("grid.closure", g2)] == (0, 0, None)  # a grid with no events has no value
    gw = people.grid_worker.pk
    # 有效上报率: E5, E6 reported on patrol, E6 voided; 按期办结: E5; no rating
    assert (t[("worker.valid_reports", gw)][:2], t[("worker.on_time", gw)][:2],
            t[("worker.satisfaction", gw)][:2]) == ((1, 2), (1, 1), (0, 0))
    # c1: 10×25 + 30×75 + 40×66.6667 + 20×100 = 7166.668 → 71.67; c2: (30×100 + 40×100) / 80 = 87.5
    assert scores(run, "community") == [("乙社区", 87.5, "B", 1, "red"), ("甲社区", 71.67, "C", 2, "black")]
    assert scores(run, "grid")[:2] == [("乙社区第1网格", 87.5, "B", 1, "red"), ("甲社区第1网格", 71.67, "C", 2, "black")]
    assert run.scores.get(population="grid", member_id=g2).score is None  # no data, no rank
    # (40×50 + 30×100) / 70 = 71.43
    assert scores(run, "grid_worker") == [("grid_worker", 71.43, "C", 1, "")]


def test_district_run_assesses_towns_and_departments(october, tree, loop):
    run = run_compute(actor=None, area=tree.d1, period="2026-10")
    t = table(run)
    # 一街道 holds every event of the story; 二街道 none
    assert t[("town.closure", tree.t1.pk)][:2] == (4, 5)  # E1, E2, E3, E5 closed; E4 open overdue
    assert t[("town.closure", tree.t2.pk)] == (0, 0, None)
    assert t[("town.hl_satisfaction", tree.t1.pk)][:2] == (1.9, 3)  # E1 1 + E2 0.9 over 3 visits
    assert t[("dept.on_time", loop.cgj.pk)][:2] == (1, 2)
    assert not run.results.filter(population__in=["community", "grid", "post", "grid_worker"]).exists()


def _ind(code, weight, direction="higher", scheme="general"):
    return Indicator(code=code, name=code, scheme=scheme, formula="closure_rate", population="grid",
                     weight=weight, direction=direction)


def _row(ind, member_id, name, score):
    return {"indicator": ind, "population": "grid", "member_id": member_id, "member_name": name, "score": score}


@pytest.mark.parametrize("bound,letter", [(100, "A"), (90, "A"), (89.99, "B"), (75, "B"), (60, "C"), (40, "D"),
                                          (39.99, "E"), (0, "E"), (None, "")])
def test_grades(bound, letter):
    assert grade(bound) == letter


def test_ranking_ties_share_a_rank_and_lists_follow_the_rule():
    a, b = _ind("a", 3), _ind("b", 1, "lower")
    rows = []
    for mid, name, sa, sb in [(1, "甲", 80, 80), (2, "乙", 80, 80), (3, "丙", 100, 100), (4, "丁", 40, 40),
                              (5, "戊", None, None), (6, "己", 60, 20)]:
        rows += [_row(a, mid, name, sa), _row(b, mid, name, sb)]
    ListRule.objects.create(population="grid", red_top_n=1, black_bottom_n=1, black_max_score=55)
    out = sorted(score_rows(rows), key=lambda r: (r["rank"] or 99, r["member_name"]))
    # 己: (3×60 + 1×20) / 4 = 50; ties 甲/乙 share rank 2, the next is 4 (competition ranking)
    assert [(r["member_name"], r["score"], r["rank"], r["list_kind"]) for r in out] == [
        ("丙", 100.0, 1, "red"), ("乙", 80.0, 2, ""), ("甲", 80.0, 2, ""), ("己", 50.0, 4, "black"),
        ("丁", 40.0, 5, "black"), ("戊", None, None, "")]


def test_posts_and_boards(tree, people, loop):
    """November: P1 dispatched to 综治岗 (sign-for 2 h late, closed on time, 基本满意); P2 to the same
    post, signed on time, closed late after one failed verification; 二街道's post gets nothing."""
    from jiewang.accounts.models import Board, Post
    from jiewang.assessment.testing import G1, LIMITS, at, step
    from jiewang.dispatching.services import assignments as dsvc
    from jiewang.events.models import Event, MatterCategory
    from jiewang.events.services import actions
    from jiewang.events.services.intake import event_report

    post = Post.objects.create(board=Board.objects.create(town=tree.t1, kind="safety", name="平安法治"), name="综治岗")
    other = Post.objects.create(board=Board.objects.create(town=tree.t2, kind="safety", name="平安法治"), name="综治岗")
    cat = MatterCategory.objects.create(code="TASP", name="岗位事项", board_kind="safety", deadlines=LIMITS)
    admin = people.admin

    def fresh(e):
        return Event.objects.get(pk=e.pk)

    def story(day, sign_hour, feedback_day, fail):
        e, _ = step(at(11, day, 9), event_report, actor=people.town_operator, channel="hotline", category=cat,
                    title="岗位", reported_at=at(11, day, 9), **G1)
        step(at(11, day, 9), actions.event_accept, event=fresh(e), actor=admin)
        step(at(11, day, 9), dsvc.event_dispatch, event=fresh(e), actor=admin, lead=post)
        step(at(11, day, sign_hour), dsvc.assignment_sign, assignment=fresh(e).assignments.get(), actor=admin)
        if fail:
            step(at(11, day, 15), actions.event_feedback, event=fresh(e), actor=admin, comment="已办")
            step(at(11, day, 16), actions.event_verify, event=fresh(e), actor=admin, passed=False, comment="返工")
        step(at(11, feedback_day, 9), actions.event_feedback, event=fresh(e), actor=admin, comment="已办结")
        step(at(11, feedback_day, 10), actions.event_verify, event=fresh(e), actor=admin, passed=True)
        return e

    p1 = story(2, 11, 3, False)
    step(at(11, 4, 10), actions.event_return_visit, event=fresh(p1), actor=admin, contacted=True, resolved=True,
         satisfaction="basically")
    story(9, 9, 13, True)  # signed at once; reworked on the 9th (clock from 16:00, due the 11th); closed the 13th
    t = table(run_compute(actor=None, area=tree.t1, period="2026-11"))
    assert {k[0]: v[:2] for k, v in t.items() if k[1] == post.pk and k[0].startswith("post.")} == {
        "post.sign": (1, 2),  # P1 late, P2 on time
        "post.on_time": (1, 2),  # P2 closed after its reworked clock's due moment
        "post.rework": (1, 2),  # P2
        "post.satisfaction": (1, 1),  # P1 基本满意
    }
    assert not any(k[1] == other.pk for k in t if k[0].startswith("post."))  # another town's post
    # the post's board (平安法治 of 一街道) counts the same events
    assert {k[0]: v[:2] for k, v in t.items() if k[1] == post.board_id and k[0].startswith("board.")} == {
        "board.sign": (1, 2), "board.on_time": (1, 2), "board.rework": (1, 2), "board.satisfaction": (1, 1)}
    assert ("board.on_time", other.board_id) not in t  # 二街道's board is not 一街道's to assess
