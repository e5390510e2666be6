"""The shared frame (:class:`jiewang.assessment.formulas.Frame`: a period's rows read once for
the whole city, used when many areas are computed in a row) gives exactly the numbers of the
per-area queries, on the October story, with and without an approved exclusion."""

from __future__ import annotations

import pytest

from jiewang.assessment.formulas import Frame
from jiewang.assessment.models import Exclusion, Run
from jiewang.assessment.services.engine import compute, compute_last_month, frame_for
from jiewang.assessment.services.periods import parse_period

pytestmark = pytest.mark.django_db


def rows(results, scores) -> tuple[list, list]:
    return ([(r["population"], r["indicator"].code, r["member_id"], r["member_name"], r["numerator"],
              r["denominator"], r["value"], r["score"], r["target_met"]) for r in results],
            [tuple(sorted(s.items())) for s in scores])


@pytest.mark.parametrize("excluded", [False, True])
def test_frame_gives_the_per_area_numbers(october, tree, excluded):
    if excluded:  # E2 out of 按期 and the whole of E4
        Exclusion.objects.create(event=october.e2, area_path=tree.t1.path, indicator_codes=["dept.on_time"],
                                 kind="extension", reason="批准延期", status="approved")
        Exclusion.objects.create(event=october.e4, area_path=tree.t1.path, kind="force_majeure", reason="暴雨",
                                 status="approved")
    kind, start, end = parse_period("2026-10")
    frames: dict = {}
    for area in (tree.t1, tree.t3, tree.d1):
        frame = frame_for(area, start, end, frames)
        assert isinstance(frame, Frame) and len(frames) == 1
        assert rows(*compute(area, kind, start, end, frame)) == rows(*compute(area, kind, start, end))
        if area != tree.t3:  # the story's events are all in 一街道 (t1) of d1
            assert any(r[5] for r in rows(*compute(area, kind, start, end, frame))[0])


def test_monthly_job_uses_one_frame_and_matches(october, tree, monkeypatch):
    import datetime as dt

    import gc

    made = []
    real = Frame.__init__

    def counting(self, *a, **kw):
        made.append(gc.isenabled())
        real(self, *a, **kw)

    monkeypatch.setattr(Frame, "__init__", counting)
    runs = compute_last_month(dt.date(2026, 11, 2))
    assert runs and made == [False]  # one frame, read with the cyclic collector paused (core.memory)
    assert gc.isenabled()
    kind, start, end = parse_period("2026-10")
    run = Run.objects.get(area=tree.t1, period="2026-10")
    got = sorted((r.indicator.code, r.member_id, r.numerator, r.denominator) for r in run.results.all())
    want = sorted((r["indicator"].code, r["member_id"], r["numerator"], r["denominator"])
                  for r in compute(tree.t1, kind, start, end)[0])
    assert got == want


def test_a_single_run_reads_its_own_area_once_and_matches(october, tree, monkeypatch):
    from jiewang.assessment.services.engine import run_compute

    made = []
    real = Frame.__init__

    def counting(self, *a, **kw):
        made.append(a[0])
        real(self, *a, **kw)

    monkeypatch.setattr(Frame, "__init__", counting)
    run = run_compute(actor=None, area=tree.t1, period="2026-10")
    assert made == [tree.t1.path]
    kind, start, end = parse_period("2026-10")
    got = sorted((r.indicator.code, r.member_id, r.numerator, r.denominator, r.value, r.score)
                 for r in run.results.all())
    want = sorted((r["indicator"].code, r["member_id"], r["numerator"], r["denominator"], r["value"], r["score"])
                  for r in compute(tree.t1, kind, start, end)[0])
    assert got == want and any(g[3] for g in got)
