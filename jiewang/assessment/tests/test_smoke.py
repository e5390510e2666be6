import pytest


@pytest.mark.django_db
def test_story_builds(october, tree):
    from jiewang.assessment.services.engine import run_compute
    o = october
    for e in (o.e1, o.e2, o.e3, o.e4, o.e5, o.e6, o.e7):
        print(e.number, e.status, e.channel, e.reporter_id, e.accepted_at, e.closed_at, e.rework_count, e.grid_id)
    run = run_compute(actor=None, area=tree.t1, period="2026-10")
    for r in run.results.select_related("indicator").order_by("population", "member_id", "indicator__code"):
        print(r.population, r.member_name, r.indicator.code, r.numerator, r.denominator, r.value, r.score)
    for s in run.scores.all():
        print(s.population, s.scheme, s.member_name, s.score, s.grade, s.rank, s.list_kind)
