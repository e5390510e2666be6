"""Drafts, publishing, versions with their differences, exclusions, and refusals that change
nothing (services; the API has its own tests)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from jiewang.assessment.models import Exclusion, MemberScore, Result, Run
from jiewang.assessment.services.engine import compute_last_month, run_compute, run_publish
from jiewang.assessment.services.exclusions import exclusion_decide, exclusion_request
from jiewang.audit.models import AuditEntry
from jiewang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def frozen_rows(run) -> tuple:
    return (sorted(Result.objects.filter(run=run).values_list("indicator__code", "member_id", "numerator",
                                                             "denominator", "value", "score")),
            sorted(MemberScore.objects.filter(run=run).values_list("population", "scheme", "member_id", "score",
                                                                  "grade", "rank", "list_kind")))


def state() -> tuple:
    return (sorted(Run.objects.values_list("id", "version", "status", "published_at")),
            Result.objects.count(), MemberScore.objects.count(),
            sorted(Exclusion.objects.values_list("id", "status", "decided_at")), AuditEntry.objects.count())


def test_recomputing_a_draft_rewrites_it_in_place(october, tree, people):
    first = run_compute(actor=people.town_leader, area=tree.t1, period="2026-10")
    again = run_compute(actor=people.town_leader, area=tree.t1, period="2026-10")
    assert (again.pk, again.version, again.status, again.diff) == (first.pk, 1, "draft", [])
    assert Run.objects.count() == 1
    assert AuditEntry.objects.filter(action="assessment.compute").count() == 2


def test_an_approved_exclusion_changes_exactly_its_numbers_and_the_published_version_stays(
        october, tree, people, loop):
    v1 = run_publish(actor=people.town_leader, run=run_compute(actor=people.town_leader, area=tree.t1,
                                                               period="2026-10"))
    published = frozen_rows(v1)
    # cgj asks that E2 (late) not count in 按期处置率; the town leader approves
    ex = exclusion_request(actor=people.department_staff, event=october.e2, kind="force_majeure",
                           reason="暴雨停工", indicator_codes=["dept.on_time"])
    assert ex.status == "pending" and ex.area_path == tree.t1.path
    exclusion_decide(actor=people.town_leader, exclusion=ex, approve=True, comment="属实")
    assert frozen_rows(Run.objects.get(pk=v1.pk)) == published  # the published numbers never move

    v2 = run_compute(actor=people.town_leader, area=tree.t1, period="2026-10")
    assert (v2.version, v2.status, v2.based_on_id) == (2, "draft", v1.pk)
    cgj, sthj = loop.cgj.pk, loop.sthj.pk
    # only cgj's 按期处置率 (1/2 → 1/1), hence its composite (66.67 → 76.67, now first) and
    # sthj's rank (1 → 2)
    assert v2.diff == [
        {"population": "department", "member_id": cgj, "member_name": "北区城市管理局", "indicator": "dept.on_time",
         "old": [1.0, 2.0, 0.5], "new": [1.0, 1.0, 1.0]},
        {"population": "department", "member_id": cgj, "member_name": "北区城市管理局",
         "indicator": "score:general", "old": [66.67, "C", 2], "new": [76.67, "B", 1]},
        {"population": "department", "member_id": sthj, "member_name": "北区生态环境局",
         "indicator": "score:general", "old": [70.0, "C", 1], "new": [70.0, "C", 2]},
    ]
    new, old = dict(((c, m), (n, d)) for c, m, n, d, *_ in frozen_rows(v2)[0]), \
        dict(((c, m), (n, d)) for c, m, n, d, *_ in published[0])
    assert {k for k in new if new[k] != old[k]} == {("dept.on_time", cgj)}

    run_publish(actor=people.district_admin, run=v2)
    assert dict(Run.objects.values_list("version", "status")) == {1: "superseded", 2: "published"}
    assert frozen_rows(Run.objects.get(pk=v1.pk)) == published


def test_corrected_data_gives_a_new_version_with_its_diff(october, tree, people, loop):
    from jiewang.assessment.testing import at, step
    from jiewang.events.models import Event
    from jiewang.events.services import actions

    v1 = run_publish(actor=None, run=run_compute(actor=None, area=tree.t1, period="2026-10"))
    published = frozen_rows(v1)
    # E4 turns out to have been finished on 31 October: its feedback and verification are entered late
    step(at(10, 31, 9), actions.event_feedback, event=Event.objects.get(pk=october.e4.pk), actor=people.admin,
         comment="已办结")
    step(at(10, 31, 10), actions.event_verify, event=Event.objects.get(pk=october.e4.pk), actor=people.admin,
         passed=True)
    assert frozen_rows(Run.objects.get(pk=v1.pk)) == published
    v2 = run_compute(actor=None, area=tree.t1, period="2026-10")
    changed = {(d["indicator"], d["member_id"]): (d["old"], d["new"]) for d in v2.diff}
    cgj = loop.cgj.pk
    # cgj: closed E1, E2, E4 now; E4 closed late (due 22 Oct)
    assert changed[("dept.closure", cgj)] == ([2.0, 3.0, 0.666667], [3.0, 3.0, 1.0])
    assert changed[("dept.on_time", cgj)] == ([1.0, 2.0, 0.5], [1.0, 3.0, 0.333333])
    assert ("dept.overdue", cgj) not in changed  # still 2 of 3 late
    assert changed[("community.closure", tree.c1.pk)] == ([3.0, 4.0, 0.75], [4.0, 4.0, 1.0])


def test_a_refused_exclusion_changes_nothing_in_the_numbers(october, tree, people):
    before = frozen_rows(run_compute(actor=None, area=tree.t1, period="2026-10"))
    ex = exclusion_request(actor=people.department_staff, event=october.e2, kind="other", reason="申请")
    exclusion_decide(actor=people.town_leader, exclusion=ex, approve=False, comment="理由不充分")
    assert Exclusion.objects.get().status == "refused"
    assert frozen_rows(run_compute(actor=None, area=tree.t1, period="2026-10")) == before


def test_an_exclusion_of_all_indicators_removes_the_event_everywhere(october, tree, loop):
    ex = exclusion_request(actor=None, event=october.e4, kind="extension", reason="已批准延期")
    exclusion_decide(actor=None, exclusion=ex, approve=True)
    run = run_compute(actor=None, area=tree.t1, period="2026-10")
    t = {(r.indicator.code, r.member_id): (r.numerator, r.denominator) for r in run.results.select_related("indicator")}
    # E4 leaves 处置率 and 超期率; its whistle leaves 报到率 and the ratings
    assert t[("dept.closure", loop.cgj.pk)] == (2, 2)
    assert t[("dept.overdue", loop.cgj.pk)] == (1, 2)
    assert t[("dept.report_in", loop.sthj.pk)] == (0, 0)
    assert t[("dept.rating", loop.cgj.pk)] == (0, 0)


def test_refusals_change_nothing(october, tree, people):
    draft = run_compute(actor=None, area=tree.t1, period="2026-10")
    before = state()
    with pytest.raises(PermissionDenied):  # an operator reads the town's runs but does not compute
        run_compute(actor=people.town_operator, area=tree.t1, period="2026-10")
    with pytest.raises(PermissionDenied):
        run_publish(actor=people.town_operator, run=draft)
    with pytest.raises(NotFound):  # another district
        run_compute(actor=people.other_district_admin, area=tree.t1, period="2026-10")
    with pytest.raises(NotFound):  # a town leader does not compute the district
        run_compute(actor=people.town_leader, area=tree.d1, period="2026-10")
    with pytest.raises(ValidationFailed):
        run_compute(actor=people.town_leader, area=tree.t1, period="2026-13")
    with pytest.raises(ValidationFailed):
        run_compute(actor=people.town_leader, area=tree.t1, period="2099-01")
    assert state() == before
    run_publish(actor=people.town_leader, run=draft)
    before = state()
    with pytest.raises(Conflict):
        run_publish(actor=people.town_leader, run=draft)
    ex_count = Exclusion.objects.count()
    with pytest.raises(PermissionDenied):  # a town leader decides, does not ask
        exclusion_request(actor=people.town_leader, event=october.e1, kind="other", reason="x")
    with pytest.raises(NotFound):
        exclusion_request(actor=people.other_community_staff, event=october.e1, kind="other", reason="x")
    with pytest.raises(ValidationFailed):
        exclusion_request(actor=people.town_operator, event=october.e1, kind="other", reason="x",
                          indicator_codes=["nope"])
    assert Exclusion.objects.count() == ex_count and state() == before
    ex = exclusion_request(actor=people.town_operator, event=october.e1, kind="other", reason="x")
    before = state()
    with pytest.raises(Conflict):
        exclusion_request(actor=people.town_operator, event=october.e1, kind="other", reason="again")
    with pytest.raises(PermissionDenied):  # the operator asks, the leaders decide
        exclusion_decide(actor=people.town_operator, exclusion=ex, approve=True)
    with pytest.raises(NotFound):
        exclusion_decide(actor=people.other_district_admin, exclusion=ex, approve=True)
    with pytest.raises(ValidationFailed):  # a refusal needs a reason
        exclusion_decide(actor=people.town_leader, exclusion=ex, approve=False)
    assert state() == before
    exclusion_decide(actor=people.town_leader, exclusion=ex, approve=True)
    before = state()
    with pytest.raises(Conflict):
        exclusion_decide(actor=people.town_leader, exclusion=ex, approve=False, comment="改主意")
    assert state() == before


def test_assess_command_and_the_monthly_job(october, tree, capsys):
    call_command("assess", "--period", "2026-10", "--area", tree.t1.code, "--publish")
    run = Run.objects.get(area=tree.t1)
    assert (run.version, run.status) == (1, "published")
    assert "v1 published" in capsys.readouterr().out
    import datetime as dt

    assert compute_last_month(dt.date(2026, 11, 3)) == []  # not the first working day
    made = compute_last_month(dt.date(2026, 11, 2))  # Monday 2 November 2026
    # every town and district but 一街道 (already has a run of October)
    assert sorted(r.area.code for r in made) == sorted(["500101", "500102", "500101002", "500102001"])
    assert compute_last_month(dt.date(2026, 11, 2)) == []  # a second run does nothing


def test_the_monthly_job_is_registered():
    from jiewang.core.worker import JOBS

    job = JOBS["assessment.last_month"]
    assert (job.target, job.every_seconds) == ("jiewang.assessment.services.engine:run_periodic", 3600)


@pytest.mark.parametrize("text,kind,start,end", [
    ("2026-11", "month", (2026, 11, 1), (2026, 12, 1)),
    ("2026-12", "month", (2026, 12, 1), (2027, 1, 1)),
    ("2026-Q4", "quarter", (2026, 10, 1), (2027, 1, 1)),
    ("2026-Q1", "quarter", (2026, 1, 1), (2026, 4, 1)),
    ("2026", "year", (2026, 1, 1), (2027, 1, 1)),
])
def test_periods(text, kind, start, end):
    import datetime as dt

    from jiewang.assessment.services.periods import local_zone, parse_period

    got = parse_period(text)
    assert got == (kind, dt.datetime(*start, tzinfo=local_zone()), dt.datetime(*end, tzinfo=local_zone()))


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-Q5", "26-11", "1999", "2026-1", ""])
def test_bad_periods(text):
    from jiewang.assessment.services.periods import parse_period

    with pytest.raises(ValidationFailed):
        parse_period(text)


def test_a_quarter_run_counts_the_months_indicators(october, tree, loop):
    run = run_compute(actor=None, area=tree.t1, period="2026-Q4")
    r = run.results.get(indicator__code="dept.on_time", member_id=loop.cgj.pk)
    assert (r.numerator, r.denominator) == (1, 2)  # E7 (September) is in Q3
