"""Loading an official arrangement: it changes the working-time answers at once, clears the
provisional flag and the notice, replaces a year whole, and a refused load writes nothing.

The 2027 arrangement below is made up for the tests (the real notice was not out when they were
written): bridging days 9–11 Feb after the statutory 5–8 Feb, make-up workdays Sun 14 and Sat 20 Feb.
"""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from jiewang.audit.models import AuditEntry
from jiewang.core import worktime
from jiewang.core.errors import PermissionDenied, ValidationFailed
from jiewang.core.models import HolidayArrangement, HolidayArrangementDay
from jiewang.holidays import services
from jiewang.holidays.parsing import parse_ranges
from jiewang.holidays.selectors import notice_year, year_statuses
from jiewang.holidays.services import holiday_arrangement_check, holiday_arrangement_load

SH = ZoneInfo("Asia/Shanghai")
D = dt.date
NOTICE = "国务院办公厅关于2027年部分节假日安排的通知（测试）"
HOLIDAYS = ("2027-01-01..2027-01-03, 2027-02-05..2027-02-11, 2027-04-03..2027-04-05, 2027-05-01..2027-05-05, "
            "2027-06-09, 2027-09-15, 2027-10-01..2027-10-07")
WORKDAYS = "2027-02-14, 2027-02-20"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("provisional_2027")]


def at(y, m, d, hh=0, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


def load(actor, holidays=HOLIDAYS, workdays=WORKDAYS, **over):
    kwargs = {"actor": actor, "year": 2027, "notice": NOTICE, "published_on": D(2026, 11, 12),
              "holidays": parse_ranges(holidays, field="holidays"),
              "workdays": parse_ranges(workdays, field="workdays")} | over
    return holiday_arrangement_load(**kwargs)


def snapshot():
    return (list(HolidayArrangement.objects.values_list("year", "notice")),
            sorted(HolidayArrangementDay.objects.values_list("date", "is_workday")),
            AuditEntry.objects.filter(action__startswith="holiday_arrangement").count())


def test_loading_changes_the_answers_and_clears_the_flag_and_the_notice(people):
    start = at(2027, 2, 4, 10)
    november = D(2026, 11, 30)
    assert worktime.deadline_after(start, 3, "working_days") == at(2027, 2, 11, 10)
    assert worktime.is_provisional_year(2027)
    assert notice_year(user=people.district_admin, today=november) == 2027

    arrangement = load(people.district_admin)

    # Bridging days 9–11 Feb are off, Sun 14 Feb is worked: Fri 12 (1), Sun 14 (2), Mon 15 (3).
    assert worktime.deadline_after(start, 3, "working_days") == at(2027, 2, 15, 10)
    assert worktime.is_workday(D(2027, 2, 14)) is True and worktime.is_workday(D(2027, 2, 13)) is False
    # Thu 30 Sep + 1 over 1–7 Oct → Fri 8 Oct; Fri 30 Apr + 1 over 1–5 May → Thu 6 May.
    assert worktime.deadline_after(at(2027, 9, 30, 10), 1, "working_days") == at(2027, 10, 8, 10)
    assert worktime.deadline_after(at(2027, 4, 30, 10), 1, "working_days") == at(2027, 5, 6, 10)
    assert worktime.is_provisional_year(2027) is False
    assert notice_year(user=people.district_admin, today=november) is None
    assert [(s.year, s.source) for s in year_statuses(user=people.district_admin, today=november)] == \
        [(2025, "package"), (2026, "package"), (2027, "loaded")]

    assert (arrangement.year, arrangement.notice, arrangement.published_on, arrangement.loaded_by) == \
        (2027, NOTICE, D(2026, 11, 12), people.district_admin)
    days = dict(arrangement.days.values_list("date", "is_workday"))
    assert len(days) == 3 + 7 + 3 + 5 + 1 + 1 + 7 + 2
    assert [d for d, working in sorted(days.items()) if working] == [D(2027, 2, 14), D(2027, 2, 20)]
    entry = AuditEntry.objects.get(action="holiday_arrangement.load")
    assert (entry.actor, entry.object_id) == (people.district_admin, str(arrangement.pk))
    assert entry.data == {
        "year": 2027, "notice": NOTICE, "published_on": "2026-11-12",
        "holidays": HOLIDAYS, "workdays": WORKDAYS, "missing_statutory": [], "replaced": None,
    }


def test_reloading_a_year_replaces_it_whole(people):
    first = load(people.district_admin)
    second = load(people.admin, holidays="2027-01-01, 2027-02-05..2027-02-08", workdays="",
                  notice="更正通知")
    assert HolidayArrangement.objects.get().pk == second.pk != first.pk
    assert sorted(HolidayArrangementDay.objects.values_list("date", flat=True)) == \
        [D(2027, 1, 1)] + [D(2027, 2, d) for d in range(5, 9)]
    assert worktime.deadline_after(at(2027, 2, 4, 10), 3, "working_days") == at(2027, 2, 11, 10)
    entry = AuditEntry.objects.filter(action="holiday_arrangement.load").latest("id")
    assert entry.actor == people.admin
    assert entry.data["replaced"] == {"notice": NOTICE, "published_on": "2026-11-12",
                                      "loaded_at": first.loaded_at.isoformat(), "holidays": HOLIDAYS,
                                      "workdays": WORKDAYS}
    # Statutory days the notice leaves out are written down (清明, 劳动节, 端午, 中秋, 国庆).
    assert len(entry.data["missing_statutory"]) == 8


@pytest.mark.parametrize("over, code, field", [
    ({"holidays": "2026-12-31..2027-01-03"}, "holidays.date_outside_year", "holidays"),
    ({"workdays": "2028-01-08"}, "holidays.date_outside_year", "workdays"),
    ({"workdays": "2027-02-06"}, "holidays.overlap", "workdays"),  # Sat 6 Feb is a holiday
    ({"workdays": "2027-02-15"}, "holidays.workday_not_weekend", "workdays"),  # a Monday
    ({"holidays": "2027-02-11..2027-02-05"}, "holidays.range_invalid", "holidays"),
    ({"holidays": ""}, "holidays.holidays_required", "holidays"),
    ({"notice": "  "}, "holidays.notice_required", "notice"),
    ({"notice": "通" * 201}, "holidays.notice_too_long", "notice"),
    ({"published_on": D(2025, 12, 1)}, "holidays.published_invalid", "published_on"),
    ({"published_on": None}, "holidays.published_required", "published_on"),
    ({"year": 1999}, "holidays.year_invalid", "year"),
])
def test_invalid_loads_are_refused_and_write_nothing(people, over, code, field):
    load(people.district_admin)  # an arrangement already there must survive a refused reload
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        load(people.district_admin, **over)
    assert exc.value.code == code and field in exc.value.fields
    assert snapshot() == before
    assert worktime.deadline_after(at(2027, 2, 4, 10), 3, "working_days") == at(2027, 2, 15, 10)


def test_every_problem_is_reported_at_once(people):
    with pytest.raises(ValidationFailed) as exc:
        load(people.district_admin, holidays="2028-01-01", workdays="2027-02-15", notice="")
    assert set(exc.value.fields) == {"notice", "holidays", "workdays"}
    assert exc.value.code == "holidays.notice_required"
    assert snapshot() == ([], [], 0)


def test_only_district_administrators_and_superusers_load(people):
    for user in (people.town_leader, people.town_operator, people.community_staff, people.grid_worker,
                 people.department_staff, people.resident, people.nobody):
        with pytest.raises(PermissionDenied) as exc:
            load(user)
        assert exc.value.code == "holidays.not_admin"
        assert notice_year(user=user, today=D(2026, 11, 30)) is None
    assert snapshot() == ([], [], 0)
    load(people.other_district_admin)  # any district: the arrangement is national
    load(people.admin)
    assert AuditEntry.objects.filter(action="holiday_arrangement.load").count() == 2


def test_a_failure_inside_the_load_rolls_everything_back(people, monkeypatch):
    load(people.district_admin)
    before = snapshot()

    def boom(**_kwargs):
        raise RuntimeError("listener failed")

    monkeypatch.setattr(services, "LOAD_LISTENERS", [boom])
    with pytest.raises(RuntimeError):
        load(people.admin, holidays="2027-01-01", workdays="")
    assert snapshot() == before
    assert worktime.deadline_after(at(2027, 2, 4, 10), 3, "working_days") == at(2027, 2, 15, 10)


def test_the_check_shows_what_a_load_would_do(people):
    plan = holiday_arrangement_check(actor=people.district_admin, year=2027, notice=NOTICE,
                                     published_on=D(2026, 11, 12),
                                     holidays=parse_ranges("2027-01-01, 2027-02-05..2027-02-08", field="holidays"))
    assert plan.holidays_text == "2027-01-01, 2027-02-05..2027-02-08"
    assert [name for _d, name in plan.missing_statutory] == \
        ["清明节", "劳动节", "劳动节", "端午节", "中秋节", "国庆节", "国庆节", "国庆节"]
    assert plan.replaces is None and plan.package_knows is False
    assert snapshot() == ([], [], 0)


def test_notice_from_november_until_loaded(people):
    admin = people.district_admin
    assert notice_year(user=admin, today=D(2026, 10, 31)) is None
    assert notice_year(user=admin, today=D(2026, 11, 1)) == 2027
    assert notice_year(user=admin, today=D(2027, 3, 1)) == 2027  # still not loaded in the year itself
    assert notice_year(user=people.admin, today=D(2026, 12, 31)) == 2027
    load(admin)
    assert notice_year(user=admin, today=D(2026, 11, 1)) is None
    assert notice_year(user=admin, today=D(2027, 11, 1)) == 2028


# --- the command ------------------------------------------------------------------------------

def run(*args, **opts):
    out = StringIO()
    call_command("load_holidays", *args, stdout=out, **opts)
    return out.getvalue()


def test_command_loads_from_options(people):
    out = run("2027", notice=NOTICE, published="2026-11-12", holidays=HOLIDAYS.replace(" ", ""), workdays=WORKDAYS)
    assert out.splitlines()[0] == f"Loaded the 2027 arrangement: {NOTICE} (published 2026-11-12)"
    assert f"holidays (27 days): {HOLIDAYS}" in out and "make-up workdays (2): 2027-02-14, 2027-02-20" in out
    arrangement = HolidayArrangement.objects.get(year=2027)
    assert arrangement.loaded_by is None and arrangement.days.count() == 29
    entry = AuditEntry.objects.get(action="holiday_arrangement.load")
    assert entry.actor is None and entry.data["holidays"] == HOLIDAYS
    assert worktime.deadline_after(at(2027, 2, 4, 10), 3, "working_days") == at(2027, 2, 15, 10)
    out = run("2027", notice="更正", published="2026-11-20", holidays="2027-01-01")
    assert out.startswith("Replaced the 2027 arrangement: 更正")
    assert "statutory days not among the holidays: 2027-02-05 春节" in out


def test_command_reads_a_toml_file_and_dry_runs(people, tmp_path):
    path = tmp_path / "2027.toml"
    path.write_text(f'year = 2027\nnotice = "{NOTICE}"\npublished = 2026-11-12\n'
                    f'holidays = ["2027-01-01..2027-01-03", "2027-02-05..2027-02-11"]\nworkdays = "{WORKDAYS}"\n',
                    encoding="utf-8")
    out = run(file=str(path), dry_run=True)
    assert out.startswith("Would load the 2027 arrangement") and snapshot() == ([], [], 0)
    run(file=str(path))
    assert sorted(HolidayArrangementDay.objects.filter(is_workday=True).values_list("date", flat=True)) == \
        [D(2027, 2, 14), D(2027, 2, 20)]
    assert HolidayArrangementDay.objects.filter(is_workday=False).count() == 10
    with pytest.raises(CommandError, match="not 2028"):
        run("2028", file=str(path))


@pytest.mark.parametrize("args, opts, message", [
    (["2027"], {"notice": NOTICE, "published": "2026-11-12", "holidays": "2027-02-30"}, "holidays.bad_date"),
    (["2027"], {"notice": NOTICE, "published": "2026-11-12", "holidays": "2027-01-01",
                "workdays": "2027-02-15"}, "holidays.workday_not_weekend"),
    (["2027"], {"notice": NOTICE, "holidays": "2027-01-01"}, "holidays.published_required"),
    ([], {"notice": NOTICE, "holidays": "2027-01-01"}, "Give the year"),
])
def test_command_refusals_write_nothing(people, args, opts, message):
    with pytest.raises(CommandError, match=message):
        run(*args, **opts)
    assert snapshot() == ([], [], 0)
