"""Working-time arithmetic: statutory holidays, make-up workdays, overrides, working hours."""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from jiewang.core import worktime
from jiewang.core.models import WorkdayOverride
from jiewang.core.worktime import DeadlineUnit, WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
DAY = dt.timedelta(hours=7)  # 09:00–12:00 + 13:30–17:30


def at(y, m, d, hh=0, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


@pytest.fixture(autouse=True)
def _fresh_cache():
    worktime.clear_cache()
    yield
    worktime.clear_cache()


@pytest.fixture
def cal():
    """The national calendar with no overrides: no database needed."""
    return WorkCalendar({}, tz="Asia/Shanghai")


# --- The national calendar ----------------------------------------------------------------------

@pytest.mark.django_db
def test_national_day_2026_three_working_days():
    # Wed 30 Sep + 3: Thu 8 Oct, Fri 9 Oct, Sat 10 Oct (make-up workday); 1–7 Oct is the break.
    start = at(2026, 9, 30, 10)
    assert worktime.add_working_days(start, 3) == at(2026, 10, 10, 10)
    assert worktime.deadline_after(start, 3, DeadlineUnit.WORKING_DAYS) == at(2026, 10, 10, 10)
    assert worktime.is_workday(dt.date(2026, 10, 10)) is True
    assert worktime.is_workday(dt.date(2026, 10, 11)) is False
    october = [worktime.is_workday(dt.date(2026, 10, d)) for d in range(1, 10)]
    assert october == [False] * 7 + [True] * 2


def test_spring_festival_2026_as_the_package_says(cal):
    # What chinesecalendar 1.11 says, asserted so that a data change is noticed.
    assert chinese_calendar.is_workday(dt.date(2026, 2, 14))  # Saturday, make-up workday
    assert chinese_calendar.is_workday(dt.date(2026, 2, 28))  # Saturday, make-up workday
    assert not any(chinese_calendar.is_workday(dt.date(2026, 2, d)) for d in range(15, 24))
    assert chinese_calendar.is_workday(dt.date(2026, 2, 24))

    assert cal.add_working_days(at(2026, 2, 13, 10), 1) == at(2026, 2, 14, 10)  # Fri → make-up Sat
    assert cal.add_working_days(at(2026, 2, 14, 10), 1) == at(2026, 2, 24, 10)  # over the break
    # Thu 12 Feb + 5: 13, 14 (Sat), 24, 25, 26.
    assert cal.add_working_days(at(2026, 2, 12, 16), 5) == at(2026, 2, 26, 16)
    # Fri 27 Feb + 1 → Sat 28 Feb (make-up), + 2 → Mon 2 Mar.
    assert cal.add_working_days(at(2026, 2, 27, 9, 30), 1) == at(2026, 2, 28, 9, 30)
    assert cal.add_working_days(at(2026, 2, 27, 9, 30), 2) == at(2026, 3, 2, 9, 30)
    # Reported during the holiday: counting starts on Tue 24 Feb 09:00.
    assert cal.add_working_days(at(2026, 2, 17, 11), 2) == at(2026, 2, 26, 9)
    assert cal.add_working_hours(at(2026, 2, 14, 17), 1) == at(2026, 2, 24, 9, 30)
    assert cal.working_time_between(at(2026, 2, 14, 9), at(2026, 2, 24, 9)) == DAY


def test_weekends_and_the_anchor_rule(cal):
    # Fri 20 Nov 2026 → Mon 23 Nov.
    assert cal.add_working_days(at(2026, 11, 20, 10), 1) == at(2026, 11, 23, 10)
    assert cal.add_working_days(at(2026, 11, 18, 10), 3) == at(2026, 11, 23, 10)  # Wed + 3
    # Saturday 15:00 + 3 → counting from Mon 09:00 → Thu 09:00.
    assert cal.add_working_days(at(2026, 11, 21, 15), 3) == at(2026, 11, 26, 9)
    # Before hours → that day's 09:00; over lunch → 13:30; after hours → next working day 09:00.
    assert cal.add_working_days(at(2026, 11, 23, 7), 1) == at(2026, 11, 24, 9)
    assert cal.add_working_days(at(2026, 11, 23, 12, 40), 1) == at(2026, 11, 24, 13, 30)
    assert cal.add_working_days(at(2026, 11, 23, 12, 0), 1) == at(2026, 11, 24, 12, 0)
    assert cal.add_working_days(at(2026, 11, 23, 17, 30), 1) == at(2026, 11, 24, 17, 30)
    assert cal.add_working_days(at(2026, 11, 23, 18), 1) == at(2026, 11, 25, 9)
    assert cal.add_working_days(at(2026, 11, 20, 18), 1) == at(2026, 11, 24, 9)  # Fri evening
    assert cal.add_working_days(at(2026, 11, 21, 15), 0) == at(2026, 11, 23, 9)  # the anchor
    assert cal.anchor(at(2026, 11, 21, 15)) == at(2026, 11, 23, 9)
    # Fractional days: 2.5 days from Wed 10:00 = Fri 10:00 + 3.5 working hours = Fri 15:00.
    assert cal.add_working_days(at(2026, 11, 18, 10), 2.5) == at(2026, 11, 20, 15)


def test_make_up_saturday_counts_for_working_hours(cal):
    # Fri 9 Oct 2026 16:30 + 2 h: Sat 10 Oct is a make-up workday.
    assert cal.add_working_hours(at(2026, 10, 9, 16, 30), 2) == at(2026, 10, 10, 10)
    # A plain Friday: Monday 10:00.
    assert cal.add_working_hours(at(2026, 11, 20, 16, 30), 2) == at(2026, 11, 23, 10)
    # Sun 11 Oct is a normal Sunday after the make-up Saturday.
    assert cal.add_working_hours(at(2026, 10, 10, 17), 1) == at(2026, 10, 12, 9, 30)


def test_working_hours_across_lunch_overnight_and_weekends(cal):
    mon = (2026, 11, 23)
    assert cal.add_working_hours(at(*mon, 11, 30), 1) == at(*mon, 14, 0)  # over lunch
    assert cal.add_working_hours(at(*mon, 9), 3) == at(*mon, 12, 0)  # ends exactly at noon
    assert cal.add_working_hours(at(*mon, 16, 30), 1) == at(*mon, 17, 30)  # ends at close
    assert cal.add_working_hours(at(*mon, 17), 1) == at(2026, 11, 24, 9, 30)  # overnight
    assert cal.add_working_hours(at(*mon, 12, 30), 0.5) == at(*mon, 14, 0)  # from the lunch break
    assert cal.add_working_hours(at(*mon, 9), 14) == at(2026, 11, 24, 17, 30)  # two full days
    assert cal.add_working_hours(at(2026, 11, 20, 17), 4) == at(2026, 11, 23, 14, 0)  # weekend
    assert cal.add_working_hours(at(2026, 11, 21, 10), 1) == at(2026, 11, 23, 10)  # from Sat
    assert cal.add_working_hours(at(*mon, 10), 0) == at(*mon, 10)
    assert cal.add_working_hours(at(*mon, 10), dt.timedelta(minutes=90)) == at(*mon, 11, 30)
    assert cal.add_working_hours(at(*mon, 10), 0.2) == at(*mon, 10, 12)
    # Digital-city "2 working hours" from a UTC timestamp (02:00 UTC = 10:00 Shanghai).
    due = cal.add_working_hours(dt.datetime(2026, 11, 23, 2, tzinfo=UTC), 2)
    assert due == at(*mon, 12) and due.tzinfo == SH

    assert cal.working_time_between(at(*mon, 11), at(*mon, 14)) == dt.timedelta(minutes=90)
    assert cal.working_time_between(at(2026, 11, 20, 17), at(2026, 11, 23, 10)) \
        == dt.timedelta(hours=1.5)
    assert cal.working_time_between(at(2026, 11, 21), at(2026, 11, 22, 23)) == dt.timedelta(0)
    assert cal.working_time_between(at(*mon, 14), at(*mon, 11)) == -dt.timedelta(minutes=90)
    assert cal.working_time_between(at(2026, 9, 30, 10), at(2026, 10, 10, 10)) == 3 * DAY


def test_calendar_units_ignore_holidays(cal):
    # Asia/Shanghai has no DST: 24 clock hours is the same clock time, holidays or not.
    assert worktime.add_calendar_hours(at(2026, 9, 30, 22), 24) == at(2026, 10, 1, 22)
    assert worktime.add_calendar_hours(at(2026, 3, 7, 23), 2.5) == at(2026, 3, 8, 1, 30)
    assert worktime.add_calendar_hours(at(2026, 11, 1, 1, 30), 1) == at(2026, 11, 1, 2, 30)
    due = worktime.deadline_after(dt.datetime(2026, 3, 8, 1, tzinfo=UTC), 2, "calendar_hours")
    assert due == at(2026, 3, 8, 11) and due.utcoffset() == dt.timedelta(hours=8)
    assert worktime.deadline_after(at(2026, 9, 28, 10), 7, "calendar_days") == at(2026, 10, 5, 10)
    assert worktime.deadline_after(at(2026, 9, 28, 10), 30, "minutes") == at(2026, 9, 28, 10, 30)
    assert worktime.deadline_after(at(2026, 9, 28, 10), 0.5, "calendar_days") == at(2026, 9, 28, 22)
    assert cal.deadline_after(at(2026, 9, 28, 10), 5, DeadlineUnit.MINUTES) \
        == at(2026, 9, 28, 10, 5)


def test_warn_at_80_percent(cal):
    start, due = at(2026, 9, 30, 10), at(2026, 10, 10, 10)
    # 21 working hours × 0.8 = 16 h 48 min: Sep 30 6 h, Oct 8 7 h, Oct 9 09:00–12:00 3 h, + 48 min.
    assert cal.warn_at(start, due, 0.8, DeadlineUnit.WORKING_DAYS) == at(2026, 10, 9, 14, 18)
    assert cal.warn_at(start, due, 1.0, "working_days") == due
    assert cal.warn_at(start, due, 0.0, "working_days") == start
    # Working hours: Fri 16:30 → Mon 10:00 (2 h); 80% = 1 h 36 min: Fri 1 h + Mon 36 min → 09:36.
    assert cal.warn_at(at(2026, 11, 20, 16, 30), at(2026, 11, 23, 10), 0.8, "working_hours") \
        == at(2026, 11, 23, 9, 36)
    # Calendar: 80% of 24 clock hours = 19 h 12 min, across the holiday.
    assert worktime.warn_at(at(2026, 9, 30, 22), at(2026, 10, 1, 22), 0.8, "calendar_hours") \
        == at(2026, 10, 1, 17, 12)
    assert worktime.warn_at(at(2026, 9, 28, 10), at(2026, 10, 5, 10), unit="calendar_days") \
        == at(2026, 10, 4, 0, 24)
    with pytest.raises(ValueError):
        worktime.warn_at(start, due, 1.5, "calendar_hours")
    with pytest.raises(ValueError):
        worktime.warn_at(start, due, 0.8, "fortnights")


@pytest.mark.django_db
def test_warn_at_module_level_with_working_days():
    start = at(2026, 9, 30, 10)
    due = worktime.deadline_after(start, 3, "working_days")
    assert worktime.warn_at(start, due) == at(2026, 10, 9, 14, 18)


def test_year_unknown_to_the_package_counts_statutory_holidays(cal, monkeypatch, caplog):
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(2031, 10, 1))
    monkeypatch.setattr(worktime, "_national_years", {})
    monkeypatch.setattr(worktime, "_warned_years", set())
    fresh = WorkCalendar({}, tz="Asia/Shanghai")
    with caplog.at_level(logging.WARNING, logger="jiewang.core.worktime"):
        # National Day 2031: Wed 1 – Fri 3 Oct are statutory holidays (Mid-autumn is 1 Oct too);
        # no make-up Saturday is known, so 4–5 Oct stay weekend days.
        assert [fresh.is_workday(dt.date(2031, 10, d)) for d in range(1, 8)] == \
            [False, False, False, False, False, True, True]
        assert fresh.add_working_days(at(2031, 9, 30, 10), 1) == at(2031, 10, 6, 10)
        assert fresh.add_working_days(at(2031, 10, 3, 10), 1) == at(2031, 10, 7, 9)
        # An ordinary week is Monday to Friday.
        assert [fresh.is_workday(dt.date(2031, 3, d)) for d in range(3, 10)] == [True] * 5 + [False] * 2
        fresh.add_working_days(at(2031, 3, 3, 10), 40)
        WorkCalendar({}, tz="Asia/Shanghai").is_workday(dt.date(2031, 5, 1))
    warnings = [r for r in caplog.records if "2031" in r.getMessage()]
    assert len(warnings) == 1  # once per year and process
    assert fresh.is_provisional(2031) and not fresh.is_provisional(2026)


def test_naive_datetimes_are_rejected(cal):
    naive = dt.datetime(2026, 9, 30, 10)
    for call in (
        lambda: cal.add_working_days(naive, 1),
        lambda: cal.add_working_hours(naive, 1),
        lambda: cal.working_time_between(naive, at(2026, 10, 1)),
        lambda: cal.working_time_between(at(2026, 10, 1), naive),
        lambda: worktime.add_calendar_hours(naive, 1),
        lambda: worktime.deadline_after(naive, 1, "calendar_days"),
        lambda: worktime.deadline_after(naive, 1, "minutes"),
        lambda: worktime.warn_at(naive, at(2026, 10, 1), 0.8, "calendar_hours"),
        lambda: cal.warn_at(naive, at(2026, 10, 1), 0.8, "working_days"),
    ):
        with pytest.raises(ValueError):
            call()


def test_bad_amounts_and_units_are_rejected(cal):
    with pytest.raises(ValueError):
        cal.add_working_days(at(2026, 9, 30, 10), -1)
    with pytest.raises(ValueError):
        cal.add_working_hours(at(2026, 9, 30, 10), -0.5)
    with pytest.raises(ValueError):
        worktime.deadline_after(at(2026, 9, 30, 10), 1, "weeks")
    with pytest.raises(ValueError):
        worktime.deadline_after(at(2026, 9, 30, 10), float("nan"), "minutes")


# --- Overrides ----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_override_turns_a_workday_into_a_holiday_and_the_cache_follows():
    mon = at(2026, 11, 23, 10)
    assert worktime.add_working_days(mon, 1) == at(2026, 11, 24, 10)  # cache now filled

    typhoon = WorkdayOverride.objects.create(date=dt.date(2026, 11, 24), is_workday=False,
                                             name="台风停工")
    assert worktime.is_workday(dt.date(2026, 11, 24)) is False
    assert worktime.add_working_days(mon, 1) == at(2026, 11, 25, 10)
    assert worktime.add_working_hours(at(2026, 11, 23, 17), 1) == at(2026, 11, 25, 9, 30)
    assert worktime.working_time_between(mon, at(2026, 11, 25, 10)) == DAY

    typhoon.delete()
    assert worktime.add_working_days(mon, 1) == at(2026, 11, 24, 10)


@pytest.mark.django_db
def test_override_adds_a_make_up_saturday():
    WorkdayOverride.objects.create(date=dt.date(2026, 11, 28), is_workday=True, name="补班")
    assert worktime.add_working_days(at(2026, 11, 27, 10), 1) == at(2026, 11, 28, 10)
    assert worktime.add_working_hours(at(2026, 11, 27, 17), 1) == at(2026, 11, 28, 9, 30)


@pytest.mark.django_db
def test_override_beats_the_national_calendar_on_a_holiday():
    # A town gives the national make-up Saturday (10 Oct) off: the deadline moves to Monday.
    WorkdayOverride.objects.create(date=dt.date(2026, 10, 10), is_workday=False, name="本地调整")
    assert worktime.add_working_days(at(2026, 9, 30, 10), 3) == at(2026, 10, 12, 10)


@pytest.mark.django_db
def test_changes_made_elsewhere_are_seen_through_the_token(settings):
    # bulk_create and update() send no signals: this is what another process's write looks like.
    settings.WORKDAY_OVERRIDE_RECHECK_SECONDS = 0
    mon = at(2026, 11, 23, 10)
    assert worktime.add_working_days(mon, 1) == at(2026, 11, 24, 10)
    WorkdayOverride.objects.bulk_create(
        [WorkdayOverride(date=dt.date(2026, 11, 24), is_workday=False, name="防汛")])
    assert worktime.add_working_days(mon, 1) == at(2026, 11, 25, 10)
    WorkdayOverride.objects.filter(date=dt.date(2026, 11, 24)).update(
        is_workday=True, updated_at=at(2030, 1, 1))
    assert worktime.add_working_days(mon, 1) == at(2026, 11, 24, 10)


@pytest.mark.django_db
def test_cached_calendar_is_reused_within_the_recheck_window(settings, django_assert_num_queries):
    settings.WORKDAY_OVERRIDE_RECHECK_SECONDS = 3600
    worktime.add_working_days(at(2026, 11, 23, 10), 1)
    with django_assert_num_queries(0):
        for _ in range(100):
            worktime.deadline_after(at(2026, 11, 23, 10), 5, "working_days")


@pytest.mark.django_db
def test_work_hours_come_from_settings(settings):
    settings.WORK_HOURS = [("08:30", "12:00"), ("14:00", "18:00")]  # 7.5 h
    mon = at(2026, 11, 23)
    assert worktime.add_working_hours(mon.replace(hour=11), 2) == at(2026, 11, 23, 15)
    assert worktime.working_time_between(at(2026, 11, 23, 8, 30), at(2026, 11, 24, 8, 30)) \
        == dt.timedelta(hours=7.5)
    assert worktime.add_working_days(at(2026, 11, 21, 10), 1) == at(2026, 11, 24, 8, 30)


def test_bad_work_hours_are_a_configuration_error():
    from django.core.exceptions import ImproperlyConfigured

    for bad in ([], [("12:00", "09:00")], [("09:00", "12:00"), ("11:00", "13:00")], [("9h", "x")]):
        with pytest.raises(ImproperlyConfigured):
            WorkCalendar({}, work_hours=bad, tz="Asia/Shanghai")


def test_admin_registration():
    from django.contrib import admin

    assert WorkdayOverride in admin.site._registry


# --- Properties ---------------------------------------------------------------------------------

PROPERTY_CAL = WorkCalendar({dt.date(2026, 11, 24): False, dt.date(2026, 11, 28): True},
                            tz="Asia/Shanghai")

moments = st.datetimes(min_value=dt.datetime(2025, 12, 1), max_value=dt.datetime(2026, 12, 20),
                       timezones=st.just(SH))
working_moments = st.builds(
    lambda day, minute: PROPERTY_CAL._aware(
        *PROPERTY_CAL._anchor(day.toordinal(), 0)
    ).replace(hour=0, minute=0) + dt.timedelta(minutes=minute),
    st.dates(min_value=dt.date(2025, 12, 1), max_value=dt.date(2026, 12, 20)),
    st.sampled_from([m for a, b in ((540, 720), (810, 1050)) for m in range(a, b + 1)]),
)
units = st.sampled_from([u.value for u in DeadlineUnit])
amounts = st.floats(min_value=0, max_value=60, allow_nan=False, allow_infinity=False)


@hsettings(max_examples=300, deadline=None)
@given(start=moments, unit=units, a=amounts, b=amounts)
def test_more_time_never_gives_an_earlier_deadline(start, unit, a, b):
    low, high = sorted((a, b))
    due_low = PROPERTY_CAL.deadline_after(start, low, unit)
    due_high = PROPERTY_CAL.deadline_after(start, high, unit)
    assert start <= due_low <= due_high
    warn = PROPERTY_CAL.warn_at(start, due_high, 0.8, unit)
    assert start <= warn <= due_high


@hsettings(max_examples=300, deadline=None)
@given(start=working_moments, hours=st.floats(min_value=0, max_value=300, allow_nan=False))
def test_working_hours_round_trip_from_inside_working_hours(start, hours):
    assert PROPERTY_CAL.is_workday(start.date())
    due = PROPERTY_CAL.add_working_hours(start, hours)
    assert PROPERTY_CAL.working_time_between(start, due) == dt.timedelta(hours=hours)


@hsettings(max_examples=300, deadline=None)
@given(start=moments, hours=st.floats(min_value=0, max_value=300, allow_nan=False))
def test_working_hours_round_trip_from_any_moment(start, hours):
    due = PROPERTY_CAL.add_working_hours(start, hours)
    assert PROPERTY_CAL.working_time_between(start, due) == dt.timedelta(hours=hours)


@hsettings(max_examples=300, deadline=None)
@given(start=moments, days=st.integers(min_value=0, max_value=300))
def test_working_days_are_whole_working_days_from_the_anchor(start, days):
    due = PROPERTY_CAL.add_working_days(start, days)
    anchor = PROPERTY_CAL.anchor(start)
    assert PROPERTY_CAL.is_workday(due.date())
    assert (due.hour, due.minute, due.second) == (anchor.hour, anchor.minute, anchor.second)
    assert PROPERTY_CAL.working_time_between(start, due) == days * DAY
