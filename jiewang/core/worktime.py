"""Working-time arithmetic: deadlines in working days, working hours or clock time.

Deadlines (domain.md §2) are configured per category × urgency × step in one of the
:class:`DeadlineUnit` units. Working units follow China's calendar:

* **Which days are working days.** In this order: a :class:`~jiewang.core.models.WorkdayOverride`
  row for the date (local holiday, extra make-up day, typhoon/flood day-off); else, for a year
  whose official arrangement an administrator loaded (:class:`~jiewang.core.models.HolidayArrangement`,
  ``jiewang.holidays``), its holidays and make-up workdays, every other day Monday to Friday; else
  the ``chinesecalendar`` package (weekends, statutory holidays and make-up workdays, 调休); else,
  for a year the package does not know (it raises ``NotImplementedError``), Monday to Friday less
  the statutory holidays the national rules fix (:mod:`~jiewang.core.statutory`: 元旦, 春节 from
  New Year's Eve to the third day, 清明, 劳动节 1–2 May, 端午, 中秋, 国庆 1–3 October), with one
  logged warning per year and process.
* **Provisional years.** A year counted by that last rule is *provisional*
  (:func:`is_provisional_year`): the official arrangement will add bridging days off and make-up
  workdays, and a weekday off for a statutory day on a weekend, which the rules alone cannot
  know. Pages say so beside a clock due in such a year; administrators are asked to load the
  next year's arrangement from 1 November (``jiewang.holidays``).
* **Working hours** are ``settings.WORK_HOURS``: a sorted list of ``("HH:MM", "HH:MM")`` periods
  of local time (``settings.TIME_ZONE``, Asia/Shanghai), default ``09:00–12:00`` and
  ``13:30–17:30``, i.e. 7 working hours a day. A period is closed: 12:00 and 17:30 are still inside
  the working day (a deadline may fall on them).

Counting rules (all inputs are timezone-aware datetimes, naive ones raise ``ValueError``; all
results are aware datetimes in the local zone):

* :func:`add_working_days` ``(start, n)``: first the *anchor*: ``start`` itself if it falls on a
  working day inside a working period (ends included); otherwise the beginning of the next working
  period (the afternoon start when reported over lunch, the first start of the next working day when
  reported after hours, on a weekend or holiday, or before hours that same day's start).
  The deadline is the anchor's clock time on the n-th working day after the anchor's date. ``n = 0``
  gives the anchor. So Wed 10:00 + 3 → Mon 10:00 over a plain weekend; Sat 15:00 + 3 → Thu 09:00;
  Mon 07:00 + 1 → Tue 09:00; Mon 12:40 + 1 → Tue 13:30. The working time between the anchor and
  the deadline is exactly ``n`` working days (``n × 7 h`` by default). A fractional amount adds its
  fraction of a working day (in working time) after the whole days.
* :func:`add_working_hours` ``(start, h)``: the earliest moment ``t >= start`` such that the working
  time in ``[start, t]`` is ``h``; only time inside working periods of working days counts. A result
  that exactly uses up a period is that period's end (16:30 + 1 h → 17:30 the same day, not 09:00
  the next), ``h = 0`` returns ``start``.
* :func:`add_calendar_hours` / minutes: absolute clock time. Calendar days: the same local clock
  time N days later (identical to 24 h steps in Asia/Shanghai, which has had no DST since 1991).
* :func:`working_time_between` ``(start, end)``: the working time in ``[start, end]``, negative if
  ``end < start``. ``working_time_between(s, add_working_hours(s, h)) == h`` for any ``s``.
* :func:`warn_at` ``(start, due, share)``: the earliest moment when ``share`` of the working time
  (working units) or of the clock time (calendar units) between ``start`` and ``due`` has passed.

Speed: each year becomes a byte array of working-day flags and one sorted list of working-day
ordinals; a date's rank among working days is a ``bisect``, so every operation is O(log n) and a
deadline costs a few microseconds (≈100,000 in well under a second, measured in the report).
The calendar with the override and arrangement tables is cached per process (a
:mod:`~jiewang.core.snapshot`): saving or deleting an override or an arrangement clears this
process's cache and other processes notice within ``settings.WORKDAY_OVERRIDE_RECHECK_SECONDS``
(default 60) through a cheap ``(count, max(updated_at))`` query per table. Tests that write
overrides should call :func:`clear_cache`.
"""

from __future__ import annotations

import bisect
import calendar as _pycal
import datetime as dt
import logging
import math
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.utils.translation import gettext_lazy as _

from .snapshot import TableSnapshot
from .statutory import statutory_holidays

logger = logging.getLogger(__name__)

DEFAULT_WORK_HOURS = (("09:00", "12:00"), ("13:30", "17:30"))
DEFAULT_RECHECK_SECONDS = 60.0

_US = 1_000_000  # microseconds in a second
_DAY_US = 86_400 * _US
_UTC = dt.UTC


class DeadlineUnit(models.TextChoices):
    """How a time limit is counted. Use with :func:`deadline_after`."""

    WORKING_DAYS = "working_days", _("Working days")  # 工作日
    WORKING_HOURS = "working_hours", _("Working hours")  # 工作小时
    CALENDAR_HOURS = "calendar_hours", _("Calendar hours")  # 自然小时（紧急事项）
    CALENDAR_DAYS = "calendar_days", _("Calendar days")  # 自然日
    MINUTES = "minutes", _("Minutes")  # 分钟（吹哨报到 30 分钟）


WORKING_UNITS = frozenset({DeadlineUnit.WORKING_DAYS.value, DeadlineUnit.WORKING_HOURS.value})
_ALL_UNITS = frozenset(u.value for u in DeadlineUnit)


# --- The national calendar, one byte per day, computed once per year and process -----------

_national_years: dict[int, bytes] = {}
_warned_years: set[int] = set()
_package_years: dict[int, bool] = {}


def package_knows(year: int) -> bool:
    """Does the ``chinesecalendar`` package have the official arrangement of ``year``?"""
    known = _package_years.get(year)
    if known is None:
        try:
            chinese_calendar.is_workday(dt.date(year, 1, 1))
            known = True
        except NotImplementedError:
            known = False
        _package_years[year] = known
    return known


def _days_of(year: int) -> list[dt.date]:
    jan1 = dt.date(year, 1, 1)
    return [jan1 + dt.timedelta(days=i) for i in range(366 if _pycal.isleap(year) else 365)]


def _national_year(year: int) -> bytes:
    """Working-day flags (1 = working) for every day of ``year`` per the national calendar: the
    package's, or the statutory fallback for a year it does not know."""
    flags = _national_years.get(year)
    if flags is None:
        days = _days_of(year)
        try:
            if not package_knows(year):
                raise NotImplementedError(year)
            flags = bytes(bool(chinese_calendar.is_workday(d)) for d in days)
        except NotImplementedError:
            if year not in _warned_years:
                _warned_years.add(year)
                logger.warning(
                    "chinesecalendar has no holiday data for %s: counting Monday-Friday less the "
                    "statutory holidays (provisional). Load the year's official arrangement "
                    "(/manage/holidays/ or manage.py load_holidays) or upgrade chinesecalendar.", year)
            holidays = statutory_holidays(year)
            flags = bytes(d.weekday() < 5 and d not in holidays for d in days)
        _national_years[year] = flags
    return flags


def _parse_clock(value) -> int:
    """``"09:00"`` / ``"09:00:30"`` / ``datetime.time`` → microseconds since midnight."""
    if isinstance(value, dt.time):
        return ((value.hour * 60 + value.minute) * 60 + value.second) * _US + value.microsecond
    parts = [int(p) for p in str(value).split(":")]
    if len(parts) not in (2, 3):
        raise ValueError(value)
    h, m, s = (parts + [0])[:3]
    if not (0 <= m < 60 and 0 <= s < 60 and 0 <= h <= 24) or (h == 24 and (m or s)):
        raise ValueError(value)
    return ((h * 60 + m) * 60 + s) * _US


def parse_work_hours(periods: Iterable) -> tuple[tuple[int, int], ...]:
    """Validate ``WORK_HOURS`` into sorted, non-overlapping ``(start_us, end_us)`` pairs."""
    try:
        parsed = tuple((_parse_clock(a), _parse_clock(b)) for a, b in periods)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"WORK_HOURS: bad period list {periods!r}") from exc
    if not parsed:
        raise ImproperlyConfigured("WORK_HOURS: at least one period is needed")
    previous_end = 0
    for start, end in parsed:
        if not (previous_end <= start < end <= _DAY_US):
            raise ImproperlyConfigured(
                f"WORK_HOURS: periods must be sorted, non-empty and not overlap: {periods!r}")
        previous_end = end
    return parsed


class WorkCalendar:
    """Working days and hours for one set of overrides; all deadline arithmetic lives here.

    ``overrides`` maps a date to ``True`` (working) or ``False`` (day off) and wins over
    everything. ``arrangements`` maps a year to its loaded official arrangement (date → working?);
    such a year is Monday to Friday plus those days, whatever the package or the statutory rules
    say. The module functions use the process-wide calendar of :func:`get_calendar`; build one
    directly for tests or what-if computations.
    """

    def __init__(self, overrides: Mapping[dt.date, bool] | None = None,
                 work_hours: Iterable | None = None, tz: str | dt.tzinfo | None = None,
                 arrangements: Mapping[int, Mapping[dt.date, bool]] | None = None):
        self.overrides = {d: bool(w) for d, w in (overrides or {}).items()}
        self.arrangements = {int(y): {d: bool(w) for d, w in days.items()}
                             for y, days in (arrangements or {}).items()}
        self.periods = parse_work_hours(DEFAULT_WORK_HOURS if work_hours is None else work_hours)
        self.day_us = sum(end - start for start, end in self.periods)
        tz = tz if tz is not None else settings.TIME_ZONE
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        # (first year, last year, ordinal of the first year's Jan 1, flags, working-day ordinals);
        # replaced whole when extended, so readers never see a half-built span.
        self._span: tuple[int, int, int, bytearray, list[int]] | None = None

    # -- days ---------------------------------------------------------------------------------

    def _year_flags(self, year: int) -> bytes:
        days = self.arrangements.get(year)
        if days is None:
            return _national_year(year)
        base = dt.date(year, 1, 1).toordinal()
        flags = bytearray(d.weekday() < 5 for d in _days_of(year))
        for day, working in days.items():
            if day.year == year:
                flags[day.toordinal() - base] = working
        return bytes(flags)

    def is_provisional(self, year: int) -> bool:
        """Is ``year`` counted from the statutory rules alone (no official arrangement known)?"""
        return year not in self.arrangements and not package_knows(year)

    def _cover(self, first_year: int, last_year: int):
        span = self._span
        if span is not None and span[0] <= first_year and last_year <= span[1]:
            return span
        if span is not None:
            first_year, last_year = min(first_year, span[0]), max(last_year, span[1])
        flags = bytearray()
        for year in range(first_year, last_year + 1):
            flags += self._year_flags(year)
        base = dt.date(first_year, 1, 1).toordinal()
        for day, working in self.overrides.items():
            index = day.toordinal() - base
            if 0 <= index < len(flags):
                flags[index] = working
        ordinals = [base + i for i, working in enumerate(flags) if working]
        span = (first_year, last_year, base, flags, ordinals)
        self._span = span
        return span

    def _extend(self, span, years: int = 1):
        if span[1] + years > dt.MAXYEAR:
            raise OverflowError("working-day arithmetic beyond year 9999")
        return self._cover(span[0], span[1] + years)

    def is_workday(self, day: dt.date) -> bool:
        """Is ``day`` (a date, or an aware datetime taken in local time) a working day?"""
        ordinal = self._local(day)[0] if isinstance(day, dt.datetime) else day.toordinal()
        year = dt.date.fromordinal(ordinal).year
        span = self._cover(year, year)
        return bool(span[3][ordinal - span[2]])

    def _first_workday_from(self, ordinal: int) -> int:
        """The ordinal of the first working day on or after ``ordinal``."""
        year = dt.date.fromordinal(ordinal).year
        span = self._cover(year, year)
        for _attempt in range(20):
            ordinals = span[4]
            i = bisect.bisect_left(ordinals, ordinal)
            if i < len(ordinals):
                return ordinals[i]
            span = self._extend(span)
        raise ValueError("no working day in the next 20 years: check the workday overrides")

    def _nth_workday_after(self, ordinal: int, n: int) -> int:
        """The ordinal of the n-th (n >= 1) working day strictly after ``ordinal``."""
        year = dt.date.fromordinal(ordinal).year
        span = self._cover(year, year)
        for _attempt in range(20 + n // 200):
            ordinals = span[4]
            i = bisect.bisect_right(ordinals, ordinal) + n - 1
            if i < len(ordinals):
                return ordinals[i]
            span = self._extend(span, max(1, (i - len(ordinals)) // 240 + 1))
        raise ValueError("not enough working days ahead: check the workday overrides")

    # -- conversions --------------------------------------------------------------------------

    def _local(self, value: dt.datetime) -> tuple[int, int]:
        """Aware datetime → (local date ordinal, microseconds since local midnight)."""
        if not isinstance(value, dt.datetime):
            raise ValueError(f"expected a timezone-aware datetime, got {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        loc = value.astimezone(self.tz)
        tod = ((loc.hour * 60 + loc.minute) * 60 + loc.second) * _US + loc.microsecond
        return loc.toordinal(), tod

    def _aware(self, ordinal: int, tod: int) -> dt.datetime:
        if tod >= _DAY_US:  # a period ending at 24:00
            ordinal, tod = ordinal + 1, tod - _DAY_US
        d = dt.date.fromordinal(ordinal)
        seconds, micro = divmod(tod, _US)
        minutes, seconds = divmod(seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return dt.datetime(d.year, d.month, d.day, hours, minutes, seconds, micro, tzinfo=self.tz)

    def _worked_in_day(self, tod: int) -> int:
        """Working microseconds of a working day that lie before ``tod``."""
        done = 0
        for start, end in self.periods:
            if tod <= start:
                break
            done += (tod if tod < end else end) - start
        return done

    def _tod_of_worked(self, worked: int) -> int:
        """The earliest clock time at which ``worked`` (0 < worked <= day) has been worked."""
        for start, end in self.periods:
            length = end - start
            if worked <= length:
                return start + worked
            worked -= length
        raise AssertionError("worked beyond the working day")

    def _position(self, ordinal: int, tod: int, span) -> int:
        """Working microseconds from the span's start up to the moment (ordinal, tod)."""
        index = ordinal - span[2]
        done = bisect.bisect_left(span[4], ordinal) * self.day_us
        if span[3][index]:
            done += self._worked_in_day(tod)
        return done

    # -- arithmetic ---------------------------------------------------------------------------

    def anchor(self, start: dt.datetime) -> dt.datetime:
        """Where working-day counting starts for ``start`` (see the module docstring)."""
        return self._aware(*self._anchor(*self._local(start)))

    def _anchor(self, ordinal: int, tod: int) -> tuple[int, int]:
        if self.is_workday(dt.date.fromordinal(ordinal)):
            for start, end in self.periods:
                if tod <= end:
                    return ordinal, (tod if tod >= start else start)
        return self._first_workday_from(ordinal + 1), self.periods[0][0]

    def add_working_days(self, start: dt.datetime, days: float) -> dt.datetime:
        """The anchor's clock time on the ``days``-th working day after the anchor's date."""
        if days < 0 or not math.isfinite(days):
            raise ValueError(f"working days must be >= 0, got {days!r}")
        whole = int(days)
        ordinal, tod = self._anchor(*self._local(start))
        if whole:
            ordinal = self._nth_workday_after(ordinal, whole)
        result = self._aware(ordinal, tod)
        fraction = days - whole
        if fraction:
            result = self._add_working_us(result, round(fraction * self.day_us))
        return result

    def add_working_hours(self, start: dt.datetime, hours: float | dt.timedelta) -> dt.datetime:
        """The earliest moment after which ``hours`` of working time have passed since start."""
        delta = hours if isinstance(hours, dt.timedelta) else dt.timedelta(hours=float(hours))
        if delta < dt.timedelta(0):
            raise ValueError(f"working hours must be >= 0, got {hours!r}")
        return self._add_working_us(start, _as_us(delta))

    def _add_working_us(self, start: dt.datetime, amount: int) -> dt.datetime:
        ordinal, tod = self._local(start)
        if amount == 0:
            return self._aware(ordinal, tod)
        year = dt.date.fromordinal(ordinal).year
        span = self._cover(year, year)
        target = self._position(ordinal, tod, span) + amount
        days_done, rest = divmod(target, self.day_us)
        index = days_done - 1 if rest == 0 else days_done  # rest == 0: end of the previous day
        while index >= len(span[4]):
            span = self._extend(span, max(1, (index - len(span[4])) // 240 + 1))
        day = span[4][index]
        return self._aware(day, self.periods[-1][1] if rest == 0 else self._tod_of_worked(rest))

    def add_calendar_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """``start`` plus plain clock hours (emergencies)."""
        return _calendar_deadline(self, start, float(hours), DeadlineUnit.CALENDAR_HOURS)

    def add_calendar_days(self, start: dt.datetime, days: float) -> dt.datetime:
        """The same local clock time ``days`` later (fractions are clock time)."""
        return _calendar_deadline(self, start, float(days), DeadlineUnit.CALENDAR_DAYS)

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Working time in ``[start, end]`` (negative when ``end`` is before ``start``)."""
        a_ord, a_tod = self._local(start)
        b_ord, b_tod = self._local(end)
        span = self._cover(dt.date.fromordinal(min(a_ord, b_ord)).year,
                           dt.date.fromordinal(max(a_ord, b_ord)).year)
        return dt.timedelta(microseconds=self._position(b_ord, b_tod, span)
                            - self._position(a_ord, a_tod, span))

    def deadline_after(self, start: dt.datetime, amount: float, unit: str) -> dt.datetime:
        """The due moment of a limit of ``amount`` ``unit`` (a :class:`DeadlineUnit`) from start."""
        amount = _check_amount(amount)
        if unit == DeadlineUnit.WORKING_DAYS:
            return self.add_working_days(start, amount)
        if unit == DeadlineUnit.WORKING_HOURS:
            return self.add_working_hours(start, amount)
        return _calendar_deadline(self, start, amount, unit)

    def warn_at(self, start: dt.datetime, due: dt.datetime, share: float = 0.8,
                unit: str = DeadlineUnit.WORKING_DAYS) -> dt.datetime:
        """The earliest moment when ``share`` of the time from ``start`` to ``due`` has passed;
        working time for working units, clock time otherwise."""
        share = _check_share(share)
        _check_unit(unit)
        if unit in WORKING_UNITS:
            total = self.working_time_between(start, due)
            if total <= dt.timedelta(0):
                return due.astimezone(self.tz)
            return self._add_working_us(start, round(_as_us(total) * share))
        return _calendar_warn(self, start, due, share)


def _as_us(delta: dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


def _check_amount(amount) -> float:
    amount = float(amount)
    if amount < 0 or not math.isfinite(amount):
        raise ValueError(f"a time limit must be a finite amount >= 0, got {amount!r}")
    return amount


def _check_share(share) -> float:
    share = float(share)
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be between 0 and 1, got {share!r}")
    return share


def _check_unit(unit: str) -> None:
    if unit not in _ALL_UNITS:
        raise ValueError(f"unknown deadline unit {unit!r}; use one of {sorted(_ALL_UNITS)}")


def _calendar_deadline(cal_or_tz, start: dt.datetime, amount: float, unit: str) -> dt.datetime:
    _check_unit(unit)
    tz = cal_or_tz.tz if isinstance(cal_or_tz, WorkCalendar) else cal_or_tz
    _require_aware(start)
    if unit == DeadlineUnit.CALENDAR_DAYS:
        loc = start.astimezone(tz).replace(tzinfo=None) + dt.timedelta(days=amount)
        return loc.replace(tzinfo=tz)
    delta = dt.timedelta(hours=amount) if unit == DeadlineUnit.CALENDAR_HOURS \
        else dt.timedelta(minutes=amount)
    return (start.astimezone(_UTC) + delta).astimezone(tz)


def _calendar_warn(cal_or_tz, start: dt.datetime, due: dt.datetime, share: float) -> dt.datetime:
    tz = cal_or_tz.tz if isinstance(cal_or_tz, WorkCalendar) else cal_or_tz
    _require_aware(start)
    _require_aware(due)
    total = due - start
    if total <= dt.timedelta(0):
        return due.astimezone(tz)
    return (start + dt.timedelta(microseconds=round(_as_us(total) * share))).astimezone(tz)


def _require_aware(value) -> None:
    if not isinstance(value, dt.datetime):
        raise ValueError(f"expected a timezone-aware datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")


# --- The process-wide calendar ----------------------------------------------------------------

_snapshot: TableSnapshot[WorkCalendar] | None = None


def _build_calendar() -> WorkCalendar:
    from .models import HolidayArrangement, HolidayArrangementDay, WorkdayOverride

    overrides = dict(WorkdayOverride.objects.values_list("date", "is_workday"))
    arrangements: dict[int, dict[dt.date, bool]] = {
        year: {} for year in HolidayArrangement.objects.values_list("year", flat=True)}
    for year, day, working in HolidayArrangementDay.objects.values_list(
            "arrangement__year", "date", "is_workday"):
        arrangements.setdefault(year, {})[day] = working
    return WorkCalendar(overrides, getattr(settings, "WORK_HOURS", DEFAULT_WORK_HOURS), settings.TIME_ZONE,
                        arrangements=arrangements)


def _calendar_snapshot() -> TableSnapshot[WorkCalendar]:
    global _snapshot
    if _snapshot is None:  # made on first use: the model classes must be loaded
        from .models import HolidayArrangement, WorkdayOverride

        # An arrangement's days are only ever written with their arrangement row (replaced whole),
        # so the arrangement table's token covers them.
        _snapshot = TableSnapshot(WorkdayOverride, _build_calendar, also=(HolidayArrangement,),
                                  recheck=lambda: getattr(settings, "WORKDAY_OVERRIDE_RECHECK_SECONDS",
                                                          DEFAULT_RECHECK_SECONDS))
    return _snapshot


def clear_cache(**_kwargs) -> None:
    """Forget the cached calendar; the next call reloads the overrides and settings."""
    if _snapshot is not None:
        _snapshot.invalidate()


def get_calendar() -> WorkCalendar:
    """The calendar with the current overrides and ``settings.WORK_HOURS``, cached per process
    (:class:`~jiewang.core.snapshot.TableSnapshot`: overrides edited elsewhere are seen within
    ``WORKDAY_OVERRIDE_RECHECK_SECONDS``)."""
    return _calendar_snapshot().get()


def _settings_changed(*, setting, **_kwargs):
    if setting in {"WORK_HOURS", "TIME_ZONE", "WORKDAY_OVERRIDE_RECHECK_SECONDS"}:
        clear_cache()


setting_changed.connect(_settings_changed, dispatch_uid="jiewang.core.worktime.settings")


def _local_tz():
    return ZoneInfo(settings.TIME_ZONE)


# --- Module API (what other apps call) ---------------------------------------------------------

def is_workday(day: dt.date) -> bool:
    """Is ``day`` a working day (overrides, a loaded arrangement, the package, the statutory rules)?"""
    return get_calendar().is_workday(day)


def _local_year(value: dt.date | dt.datetime) -> int:
    if isinstance(value, dt.datetime):
        _require_aware(value)
        return value.astimezone(_local_tz()).year
    return value.year


def is_provisional_year(year: int) -> bool:
    """Is ``year`` counted from the statutory rules alone, its official arrangement not known
    (neither in the package nor loaded by an administrator)?"""
    return get_calendar().is_provisional(int(year))


def is_provisional(value: dt.date | dt.datetime) -> bool:
    """Does ``value`` (a date, or an aware datetime taken in local time) fall in a provisional year?"""
    return is_provisional_year(_local_year(value))


def provisional_between(start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> bool:
    """Does any year from ``start`` to ``end`` (either order) lack its official arrangement? A
    working-time deadline counted across such a year may move once the arrangement is loaded."""
    first, last = sorted((_local_year(start), _local_year(end)))
    cal = get_calendar()
    return any(cal.is_provisional(year) for year in range(first, last + 1))


def add_working_days(start: dt.datetime, days: float) -> dt.datetime:
    """See :meth:`WorkCalendar.add_working_days` and the module docstring for the rule."""
    return get_calendar().add_working_days(start, days)


def add_working_hours(start: dt.datetime, hours: float | dt.timedelta) -> dt.datetime:
    """See :meth:`WorkCalendar.add_working_hours`."""
    return get_calendar().add_working_hours(start, hours)


def add_calendar_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """``start`` plus plain clock hours, in local time (no database access)."""
    return _calendar_deadline(_local_tz(), start, float(hours), DeadlineUnit.CALENDAR_HOURS)


def working_time_between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Working time between two moments (negative when ``end`` is before ``start``)."""
    return get_calendar().working_time_between(start, end)


def deadline_after(start: dt.datetime, amount: float, unit: str) -> dt.datetime:
    """The due moment of a limit of ``amount`` ``unit`` from ``start``; the one entry point for
    deadline rows. Calendar units do not touch the database."""
    if unit in WORKING_UNITS:
        return get_calendar().deadline_after(start, amount, unit)
    return _calendar_deadline(_local_tz(), start, _check_amount(amount), unit)


def warn_at(start: dt.datetime, due: dt.datetime, share: float = 0.8,
            unit: str = DeadlineUnit.WORKING_DAYS) -> dt.datetime:
    """When ``share`` (default 80%) of the time from ``start`` to ``due`` has passed."""
    if unit in WORKING_UNITS:
        return get_calendar().warn_at(start, due, share, unit)
    _check_unit(unit)
    return _calendar_warn(_local_tz(), start, due, _check_share(share))
