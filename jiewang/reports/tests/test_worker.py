"""The worker's job ``reports.monthly_bulletins`` (``generate_due``): nothing before the first
working day of the month (the working-day calendar: 1–7 October 2026 are the National Day
holidays, so October's first working day is Thursday the 8th; a local day off recorded as a
WorkdayOverride moves it too), then last month's bulletin for every town and district, once;
a new version only when the published assessment changes. And ``manage.py bulletins``."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from jiewang.reports.models import Bulletin
from jiewang.reports.services.bulletins import first_workday, generate_due

pytestmark = pytest.mark.django_db

AREAS = 5  # 北区, 南区 and the towns 一街道, 二街道, 三镇


def made(rows) -> list[tuple]:
    return sorted((b.area.code, b.period, b.version) for b in rows)


def test_nothing_before_the_first_working_day_when_the_first_is_a_holiday(tree, people):
    assert first_workday(dt.date(2026, 10, 1)) == dt.date(2026, 10, 8)
    for day in range(1, 8):
        assert generate_due(dt.date(2026, 10, day)) == []
    assert Bulletin.objects.count() == 0
    rows = generate_due(dt.date(2026, 10, 8))
    assert made(rows) == [(code, "2026-09", 1) for code in
                          ("500101", "500101001", "500101002", "500102", "500102001")]
    assert all(b.generated_by is None and b.status == "current" for b in rows)


def test_a_local_day_off_moves_the_first_working_day(tree, people):
    from jiewang.core.models import WorkdayOverride

    assert first_workday(dt.date(2026, 9, 1)) == dt.date(2026, 9, 1)  # a Tuesday
    WorkdayOverride.objects.create(date=dt.date(2026, 9, 1), is_workday=False, name="台风停工")
    assert first_workday(dt.date(2026, 9, 1)) == dt.date(2026, 9, 2)
    assert generate_due(dt.date(2026, 9, 1)) == []
    assert len(generate_due(dt.date(2026, 9, 2))) == AREAS


def test_running_twice_makes_no_duplicate(tree, people):
    assert len(generate_due(dt.date(2026, 10, 8))) == AREAS
    assert generate_due(dt.date(2026, 10, 8)) == []
    assert generate_due(dt.date(2026, 10, 9)) == []  # later days of the month find them too
    assert Bulletin.objects.count() == AREAS and Bulletin.objects.filter(version__gt=1).count() == 0


def test_a_few_per_run_until_all_are_made(tree, people):
    assert len(generate_due(dt.date(2026, 10, 8), limit=2)) == 2
    assert len(generate_due(dt.date(2026, 10, 8), limit=2)) == 2
    assert len(generate_due(dt.date(2026, 10, 8), limit=2)) == 1
    assert generate_due(dt.date(2026, 10, 8), limit=2) == []
    assert Bulletin.objects.count() == AREAS


def test_a_published_assessment_brings_a_new_version_once(tree, people):
    from jiewang.assessment.services.engine import run_compute, run_publish

    generate_due(dt.date(2026, 10, 8))
    run = run_compute(actor=None, area=tree.t1, period="2026-09")
    assert generate_due(dt.date(2026, 10, 9)) == []  # a draft changes nothing
    run_publish(actor=None, run=run)
    rows = generate_due(dt.date(2026, 10, 9))
    assert made(rows) == [("500101001", "2026-09", 2)] and rows[0].run_id == run.pk
    assert generate_due(dt.date(2026, 10, 9)) == []
    assert list(Bulletin.objects.filter(area=tree.t1).order_by("version").values_list("version", "status")) == [
        (1, "superseded"), (2, "current")]


def test_the_job_is_registered():
    from jiewang.core.worker import JOBS

    assert JOBS["reports.monthly_bulletins"].target == "jiewang.reports.services.bulletins:run_periodic"


def test_command_generates_missing_and_regenerates_on_request(tree, people):
    out = StringIO()
    call_command("bulletins", "--period", "2026-09", "--area", "500101001", stdout=out)
    assert "500101001 一街道 2026-09 v1 (pdf" in out.getvalue() and "1 bulletins generated" in out.getvalue()
    out = StringIO()
    call_command("bulletins", "--period", "2026-09", stdout=out)
    assert "500101001 一街道 2026-09: exists" in out.getvalue() and "4 bulletins generated" in out.getvalue()
    call_command("bulletins", "--period", "2026-09", "--area", "500101001", "--regenerate", stdout=StringIO())
    assert Bulletin.objects.count() == AREAS + 1
    assert Bulletin.objects.get(area=tree.t1, status="current").version == 2


@pytest.mark.parametrize("args,message", [(["--period", "2099-01"], "尚未结束"),
                                          (["--period", "2026-09", "--area", "999"], "no town or district")])
def test_command_refusals(tree, people, args, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("bulletins", *args, stdout=StringIO())
    assert Bulletin.objects.count() == 0


def test_waits_for_the_rollups_to_hold_the_whole_month(tree, people, loop):
    from jiewang.assessment.testing import build_october
    from jiewang.stats.services.rollups import rollups_rebuild

    build_october(tree, people, loop)  # activities in September and October, not yet in the rollups
    assert generate_due(dt.date(2026, 11, 2)) == []
    rollups_rebuild()
    rows = generate_due(dt.date(2026, 11, 2))
    assert len(rows) == AREAS
    t1 = next(b for b in rows if b.area_id == tree.t1.id)
    assert t1.summary.startswith("2026年10月，一街道共新增事件5件（上月1件，")
