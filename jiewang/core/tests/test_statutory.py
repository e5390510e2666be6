"""The statutory holidays computed from the national rules, checked against known dates and
against chinesecalendar's official data for the years it has."""

import datetime as dt

import chinese_calendar
import pytest

from jiewang.core.statutory import statutory_holidays

D = dt.date


def test_lunar_and_solar_term_dates_2024_to_2029():
    # (除夕, 春节, 清明, 端午, 中秋) as published in the almanacs.
    known = {
        2024: (D(2024, 2, 9), D(2024, 2, 10), D(2024, 4, 4), D(2024, 6, 10), D(2024, 9, 17)),
        2025: (D(2025, 1, 28), D(2025, 1, 29), D(2025, 4, 4), D(2025, 5, 31), D(2025, 10, 6)),
        2026: (D(2026, 2, 16), D(2026, 2, 17), D(2026, 4, 5), D(2026, 6, 19), D(2026, 9, 25)),
        2027: (D(2027, 2, 5), D(2027, 2, 6), D(2027, 4, 5), D(2027, 6, 9), D(2027, 9, 15)),
        2028: (D(2028, 1, 25), D(2028, 1, 26), D(2028, 4, 4), D(2028, 5, 28), D(2028, 10, 3)),
        2029: (D(2029, 2, 12), D(2029, 2, 13), D(2029, 4, 4), D(2029, 6, 16), D(2029, 9, 22)),
    }
    for year, (eve, spring, qingming, dragon_boat, mid_autumn) in known.items():
        days = statutory_holidays(year)
        assert days[eve] == days[spring] == "spring_festival", year
        assert days[qingming] == "tomb_sweeping_day", year
        assert days[dragon_boat] == "dragon_boat_festival", year
        # 2028: Mid-autumn is 3 October, inside National Day.
        assert days[mid_autumn] == ("national_day" if year == 2028 else "mid_autumn_festival"), year


def test_2027_exactly():
    assert statutory_holidays(2027) == {
        D(2027, 1, 1): "new_years_day",
        D(2027, 2, 5): "spring_festival", D(2027, 2, 6): "spring_festival",  # 除夕 Fri, 初一 Sat
        D(2027, 2, 7): "spring_festival", D(2027, 2, 8): "spring_festival",  # 初二 Sun, 初三 Mon
        D(2027, 4, 5): "tomb_sweeping_day",
        D(2027, 5, 1): "labour_day", D(2027, 5, 2): "labour_day",
        D(2027, 6, 9): "dragon_boat_festival",
        D(2027, 9, 15): "mid_autumn_festival",
        D(2027, 10, 1): "national_day", D(2027, 10, 2): "national_day", D(2027, 10, 3): "national_day",
    }


@pytest.mark.parametrize("year, substitutes", [
    # The weekdays off that the official arrangement gives when a statutory day falls on a weekend
    # (not in lieu of a make-up workday): the only holidays the fallback does not know.
    (2025, {D(2025, 6, 2)}),  # 端午 Sat 31 May
    (2026, {D(2026, 4, 6), D(2026, 5, 4), D(2026, 10, 5)}),  # 清明 Sun, 2 May Sat, 3 Oct Sat
])
def test_agrees_with_the_official_data_of_2025_and_2026(year, substitutes):
    days = statutory_holidays(year)
    # Every statutory day is a holiday in the official data, under the same name.
    for day, key in days.items():
        on_holiday, holiday = chinese_calendar.get_holiday_detail(day)
        assert on_holiday and not chinese_calendar.is_workday(day), day
        assert holiday == chinese_calendar.Holiday[key].value, (day, holiday, key)
    # Every official weekday off is statutory, in lieu of a make-up day (调休), or a substitute.
    official_weekdays_off = set()
    day = D(year, 1, 1)
    while day.year == year:
        if day.weekday() < 5 and not chinese_calendar.is_workday(day) and not chinese_calendar.is_in_lieu(day):
            official_weekdays_off.add(day)
        day += dt.timedelta(days=1)
    assert official_weekdays_off - set(days) == substitutes
