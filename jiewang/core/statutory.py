"""China's statutory public holidays (法定节假日) computed from the national rules, for years
whose official arrangement is not known yet.

The State Council publishes each year's arrangement (国务院办公厅关于××年部分节假日安排的通知)
in the autumn before: it moves days around (bridging days off, 调休, paid back by make-up
workdays on weekends) and gives a weekday off when a statutory day falls on a weekend. Until it is
published (the ``chinesecalendar`` package ships it some time later), the national rules still
fix the statutory days themselves. The rules (全国年节及纪念日放假办法, as amended in 2024, in
force from 2025):

* 元旦 New Year's Day: 1 January (1 day);
* 春节 Spring Festival: New Year's Eve (除夕, the last day of the 12th lunar month) and the
  1st–3rd days of the 1st lunar month (4 days);
* 清明节 Tomb-sweeping Day: the day of the Qingming solar term (4 or 5 April) (1 day);
* 劳动节 Labour Day: 1–2 May (2 days);
* 端午节 Dragon Boat Festival: the 5th day of the 5th lunar month (1 day);
* 中秋节 Mid-autumn Festival: the 15th day of the 8th lunar month (1 day);
* 国庆节 National Day: 1–3 October (3 days).

:func:`statutory_holidays` returns exactly those days, nothing else: no bridging days, no
make-up workdays, no substitute weekday for a statutory day on a weekend. The lunar dates and the
solar term come from ``lunar-python`` (maintained, pure Python; checked against 2024–2029 in the
tests). The rules of 2025 are applied to every year asked (in practice, future ones).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

logger = logging.getLogger(__name__)

# Keys are chinese_calendar.Holiday's member names, so the two sources compare directly.
NEW_YEAR = "new_years_day"
SPRING_FESTIVAL = "spring_festival"
QINGMING = "tomb_sweeping_day"
LABOUR_DAY = "labour_day"
DRAGON_BOAT = "dragon_boat_festival"
MID_AUTUMN = "mid_autumn_festival"
NATIONAL_DAY = "national_day"

NAMES_ZH = {
    NEW_YEAR: "元旦", SPRING_FESTIVAL: "春节", QINGMING: "清明节", LABOUR_DAY: "劳动节",
    DRAGON_BOAT: "端午节", MID_AUTUMN: "中秋节", NATIONAL_DAY: "国庆节",
}


def _date(solar) -> dt.date:
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of day ``day`` of (non-leap) lunar month ``month`` of lunar year ``year``."""
    from lunar_python import Lunar

    return _date(Lunar.fromYmd(year, month, day).getSolar())


def qingming(year: int) -> dt.date:
    """The day of the Qingming solar term (清明) in ``year``, in Beijing time."""
    from lunar_python import Solar

    table = Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()
    day = _date(table["清明"])
    if (day.year, day.month) != (year, 4):  # the table spans a lunar year; never seen, but be sure
        raise ValueError(f"Qingming of {year} computed as {day}")
    return day


@functools.cache
def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The statutory holidays of ``year``: date → holiday key (see the module docstring).

    Where two holidays share a day (Mid-autumn on 1–3 October, as in 2028), the day is named
    after National Day. If the lunar computation fails (a year far outside its tables), only the
    fixed-date holidays are returned and a warning is logged.
    """
    days: dict[dt.date, str] = {dt.date(year, 1, 1): NEW_YEAR}
    try:
        new_year = lunar_to_solar(year, 1, 1)
        lunar = {
            # 除夕 is the day before the 1st of the 1st month, whether the 12th month has 29 or 30 days.
            SPRING_FESTIVAL: [new_year + dt.timedelta(days=i) for i in range(-1, 3)],
            QINGMING: [qingming(year)],
            DRAGON_BOAT: [lunar_to_solar(year, 5, 5)],
            MID_AUTUMN: [lunar_to_solar(year, 8, 15)],
        }
    except Exception:  # noqa: BLE001 - a lunar package failure must not stop deadline arithmetic
        logger.warning("Could not compute the lunar holidays of %s; counting the fixed-date ones only.",
                       year, exc_info=True)
        lunar = {}
    for key, dates in lunar.items():
        for day in dates:
            if day.year == year:
                days[day] = key
    for d in (1, 2):
        days[dt.date(year, 5, d)] = LABOUR_DAY
    for d in (1, 2, 3):
        days[dt.date(year, 10, d)] = NATIONAL_DAY
    return dict(sorted(days.items()))
