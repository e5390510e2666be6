"""Working time in a year without official holiday data (2027 in chinesecalendar 1.11): the
statutory holidays still count, the year is provisional until its arrangement is loaded.

Expectations are worked out by hand from the 2027 calendar (1 Jan is a Friday)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jiewang.core import worktime
from jiewang.core.models import HolidayArrangement, HolidayArrangementDay
from jiewang.core.worktime import DeadlineUnit, WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
DAYS = DeadlineUnit.WORKING_DAYS


def at(y, m, d, hh=0, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


pytestmark = pytest.mark.usefixtures("provisional_2027")


@pytest.mark.django_db
def test_new_years_eve_plus_one_working_day_skips_new_years_day():
    # Thu 31 Dec 2026 10:00 + 1: Fri 1 Jan is 元旦, 2–3 Jan the weekend → Mon 4 Jan 10:00.
    assert worktime.deadline_after(at(2026, 12, 31, 10), 1, DAYS) == at(2027, 1, 4, 10)
    assert worktime.is_workday(dt.date(2027, 1, 1)) is False
    # Working hours too: Thu 31 Dec 17:00 + 1 h = 30 min that day + 30 min on Mon 4 Jan.
    assert worktime.deadline_after(at(2026, 12, 31, 17), 1, DeadlineUnit.WORKING_HOURS) == at(2027, 1, 4, 9, 30)
    assert worktime.is_provisional_year(2027) is True
    assert worktime.is_provisional(at(2027, 1, 4, 10)) is True
    assert worktime.is_provisional(dt.date(2026, 12, 31)) is False
    assert worktime.provisional_between(at(2026, 12, 31, 10), at(2027, 1, 4, 10)) is True
    assert worktime.provisional_between(at(2026, 12, 1, 10), at(2026, 12, 31, 10)) is False
    # 2026-12-31 16:30 UTC is already 2027-01-01 in Shanghai: years are local.
    assert worktime.is_provisional(dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)) is True


@pytest.mark.django_db
def test_a_deadline_across_the_2027_spring_festival():
    # 除夕 Fri 5 Feb, 初一–初三 Sat 6 – Mon 8 Feb are statutory; no bridging days are known.
    # Thu 4 Feb 10:00 + 3: Tue 9 (1), Wed 10 (2), Thu 11 (3) → Thu 11 Feb 10:00.
    start = at(2027, 2, 4, 10)
    due = worktime.deadline_after(start, 3, DAYS)
    assert due == at(2027, 2, 11, 10)
    assert [worktime.is_workday(dt.date(2027, 2, d)) for d in range(4, 13)] == \
        [True, False, False, False, False, True, True, True, True]
    assert worktime.working_time_between(start, due) == dt.timedelta(hours=21)
    # 80 % of 21 working hours = 16 h 48 min: Thu 4 Feb 10:00–12:00 and 13:30–17:30 is 6 h, Tue 9
    # Feb 7 h (13 h), then 3 h 48 min on Wed 10: 09:00–12:00 and 48 min after 13:30 → 14:18.
    assert worktime.warn_at(start, due) == at(2027, 2, 10, 14, 18)


@pytest.mark.django_db
@pytest.mark.parametrize("start, due", [
    (at(2027, 4, 2, 10), at(2027, 4, 6, 10)),  # 清明 Mon 5 Apr (solar term)
    (at(2027, 4, 30, 10), at(2027, 5, 3, 10)),  # 劳动节 1–2 May is Sat–Sun: no substitute day known
    (at(2027, 6, 8, 10), at(2027, 6, 10, 10)),  # 端午 Wed 9 Jun (五月初五)
    (at(2027, 9, 14, 10), at(2027, 9, 16, 10)),  # 中秋 Wed 15 Sep (八月十五)
    (at(2027, 9, 30, 10), at(2027, 10, 4, 10)),  # 国庆 Fri 1 Oct, then the weekend
])
def test_the_other_2027_statutory_days(start, due):
    assert worktime.deadline_after(start, 1, DAYS) == due


def test_a_loaded_arrangement_replaces_the_year_in_a_calendar():
    # No database: the arrangement passed directly. Bridging 9–11 Feb off, Sun 14 Feb worked.
    days = {dt.date(2027, 2, d): False for d in range(5, 12)} | {dt.date(2027, 2, 14): True}
    cal = WorkCalendar({}, tz="Asia/Shanghai", arrangements={2027: days})
    assert cal.is_provisional(2027) is False
    # Thu 4 Feb + 3: Fri 12 (1), Sun 14 make-up (2), Mon 15 (3).
    assert cal.add_working_days(at(2027, 2, 4, 10), 3) == at(2027, 2, 15, 10)
    # Only the arrangement's days and Monday to Friday: 1 Jan is not in this (partial) arrangement.
    assert cal.is_workday(dt.date(2027, 1, 1)) is True
    # A local override still wins over the loaded arrangement.
    local = WorkCalendar({dt.date(2027, 2, 12): False}, tz="Asia/Shanghai", arrangements={2027: days})
    assert local.add_working_days(at(2027, 2, 4, 10), 3) == at(2027, 2, 16, 10)


@pytest.mark.django_db
def test_an_arrangement_written_elsewhere_is_seen_through_the_token(settings):
    # bulk_create sends no signal: this is what another process's load looks like.
    settings.WORKDAY_OVERRIDE_RECHECK_SECONDS = 0
    start = at(2027, 2, 4, 10)
    assert worktime.deadline_after(start, 3, DAYS) == at(2027, 2, 11, 10)
    [arrangement] = HolidayArrangement.objects.bulk_create([HolidayArrangement(
        year=2027, notice="测试通知", published_on=dt.date(2026, 11, 12))])
    arrangement = HolidayArrangement.objects.get(year=2027)
    HolidayArrangementDay.objects.bulk_create(
        [HolidayArrangementDay(arrangement=arrangement, date=dt.date(2027, 2, d), is_workday=False)
         for d in range(5, 12)] + [HolidayArrangementDay(arrangement=arrangement, date=dt.date(2027, 2, 14),
                                                         is_workday=True)])
    assert worktime.deadline_after(start, 3, DAYS) == at(2027, 2, 15, 10)
    assert worktime.is_provisional_year(2027) is False
