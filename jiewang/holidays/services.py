"""Loading a year's official holiday arrangement (节假日安排) in one step.

The State Council's notice (国务院办公厅关于××年部分节假日安排的通知) lists, for each holiday, the
days off (statutory days, bridging days and the weekends between them) and the make-up workdays
(调休上班, always a Saturday or a Sunday). :func:`holiday_arrangement_load` takes exactly that,
checks it (:func:`holiday_arrangement_check`, also the page's preview and the command's
``--dry-run``) and writes it: a year loaded again is replaced whole, in one transaction, with one
audit row. From then on ``core.worktime`` counts the year from these days (it is no longer
provisional) in this process at once and in the others within the calendar's recheck interval.

Who may load: district administrators and superusers (the policy table,
``accounts.permissions``), and the system (``actor=None``: the management command).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from jiewang.audit.services import audit_record
from jiewang.core import worktime
from jiewang.core.errors import Conflict, PermissionDenied, ValidationFailed
from jiewang.core.models import HolidayArrangement, HolidayArrangementDay
from jiewang.core.scope import Action, holds_role_for
from jiewang.core.statutory import NAMES_ZH, statutory_holidays

from .parsing import format_ranges

FIRST_YEAR, LAST_YEAR = 2000, 2100
NOTICE_MAX = 200

# Called inside the load's transaction with (arrangement, actor), after the days are written: e.g.
# to recompute open clocks due in the year (an app above registers in its ready()).
LOAD_LISTENERS: list[Callable] = []


def register_load_listener(listener: Callable) -> None:
    if listener not in LOAD_LISTENERS:
        LOAD_LISTENERS.append(listener)


def may_load(user) -> bool:
    """May ``user`` load arrangements (``None``, the system, may)?"""
    return user is None or holds_role_for(user, Action.ADD, HolidayArrangement)


@dataclass(frozen=True)
class ArrangementPlan:
    """A checked arrangement, not written yet: what the preview shows and the load writes."""

    year: int
    notice: str
    published_on: dt.date
    holidays: tuple[dt.date, ...]
    workdays: tuple[dt.date, ...]
    # Statutory days (date, name) the holidays leave out: allowed (a notice might), but shown.
    missing_statutory: tuple[tuple[dt.date, str], ...] = ()
    replaces: HolidayArrangement | None = None
    package_knows: bool = False

    @property
    def holidays_text(self) -> str:
        return format_ranges(self.holidays)

    @property
    def workdays_text(self) -> str:
        return format_ranges(self.workdays)


def _expand(items: Iterable, field_name: str, errors: dict) -> set[dt.date]:
    days: set[dt.date] = set()
    for item in items or ():
        start, end = item if isinstance(item, (tuple, list)) else (item, item)
        if end < start:
            errors.setdefault(field_name, (
                "holidays.range_invalid",
                f"日期范围起止颠倒：{start}..{end} / A range ends before it starts: {start}..{end}."))
            continue
        day = start
        while day <= end:
            days.add(day)
            day += dt.timedelta(days=1)
    return days


def holiday_arrangement_check(*, actor, year: int, notice: str, published_on: dt.date | None,
                              holidays: Iterable, workdays: Iterable = ()) -> ArrangementPlan:
    """Check an arrangement without writing it. ``holidays`` and ``workdays`` are dates or
    ``(first, last)`` ranges. Raises 403 for an actor who may not load, 422 with every field's
    problem in ``fields`` (the code is the first problem's)."""
    if not may_load(actor):
        raise PermissionDenied("只有区县管理员可载入节假日安排 / Only district administrators load holiday "
                               "arrangements.", code="holidays.not_admin")
    errors: dict[str, tuple[str, str]] = {}
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors["year"] = ("holidays.year_invalid",
                          f"年份应在 {FIRST_YEAR}–{LAST_YEAR} 之间 / The year must be {FIRST_YEAR}–{LAST_YEAR}.")
    notice = (notice or "").strip()
    if not notice:
        errors["notice"] = ("holidays.notice_required",
                            "请填写通知标题或文号 / Give the notice's title or document number.")
    elif len(notice) > NOTICE_MAX:
        errors["notice"] = ("holidays.notice_too_long",
                            f"通知标题过长（最多 {NOTICE_MAX} 字）/ The notice is longer than {NOTICE_MAX} characters.")
    if published_on is None:
        errors["published_on"] = ("holidays.published_required", "请填写发布日期 / Give the publication date.")
    elif year and published_on.year not in (year - 1, year):
        errors["published_on"] = (
            "holidays.published_invalid",
            f"发布日期应在 {year - 1} 或 {year} 年 / A notice for {year} is published in {year - 1} or {year}.")
    off = _expand(holidays, "holidays", errors)
    on = _expand(workdays, "workdays", errors)
    if not off and "holidays" not in errors:
        errors["holidays"] = ("holidays.holidays_required", "请填写放假日期 / List the holidays.")
    if year and "year" not in errors:
        for name, days in (("holidays", off), ("workdays", on)):
            outside = sorted(d for d in days if d.year != year)
            if outside and name not in errors:
                errors[name] = ("holidays.date_outside_year",
                                f"日期不在 {year} 年内：{format_ranges(outside)} / Dates outside {year}: "
                                f"{format_ranges(outside)}.")
    both = sorted(off & on)
    if both and "workdays" not in errors:
        errors["workdays"] = ("holidays.overlap",
                              f"既是放假日又是调休上班日：{format_ranges(both)} / Both a holiday and a make-up "
                              f"workday: {format_ranges(both)}.")
    weekdays = sorted(d for d in on if d.weekday() < 5)
    if weekdays and "workdays" not in errors:
        errors["workdays"] = ("holidays.workday_not_weekend",
                              f"调休上班日应为周六或周日：{format_ranges(weekdays)} / Make-up workdays fall on "
                              f"a Saturday or Sunday: {format_ranges(weekdays)}.")
    if errors:
        code, message = next(iter(errors.values()))
        raise ValidationFailed(message if len(errors) == 1 else
                               f"节假日安排有 {len(errors)} 处错误 / The arrangement has {len(errors)} problems.",
                               code=code, fields={k: m for k, (_c, m) in errors.items()})
    statutory = statutory_holidays(year)
    missing = tuple((d, NAMES_ZH[k]) for d, k in statutory.items() if d not in off)
    return ArrangementPlan(
        year=year, notice=notice, published_on=published_on, holidays=tuple(sorted(off)),
        workdays=tuple(sorted(on)), missing_statutory=missing,
        replaces=HolidayArrangement.objects.filter(year=year).first(),
        package_knows=worktime.package_knows(year),
    )


def holiday_arrangement_load(*, actor, year: int, notice: str, published_on: dt.date | None,
                             holidays: Iterable, workdays: Iterable = ()) -> HolidayArrangement:
    """Check and write a year's arrangement, replacing the year's previous one atomically."""
    plan = holiday_arrangement_check(actor=actor, year=year, notice=notice, published_on=published_on,
                                     holidays=holidays, workdays=workdays)
    try:
        with transaction.atomic():
            previous = HolidayArrangement.objects.select_for_update().filter(year=plan.year).first()
            replaced = None
            if previous is not None:
                replaced = {"notice": previous.notice, "published_on": previous.published_on.isoformat(),
                            "loaded_at": previous.loaded_at.isoformat(),
                            "holidays": format_ranges(previous.days.filter(is_workday=False)
                                                      .values_list("date", flat=True)),
                            "workdays": format_ranges(previous.days.filter(is_workday=True)
                                                      .values_list("date", flat=True))}
                previous.delete()
            arrangement = HolidayArrangement.objects.create(
                year=plan.year, notice=plan.notice, published_on=plan.published_on,
                loaded_by=actor if actor is not None and actor.pk else None)
            HolidayArrangementDay.objects.bulk_create(
                [HolidayArrangementDay(arrangement=arrangement, date=d, is_workday=False) for d in plan.holidays]
                + [HolidayArrangementDay(arrangement=arrangement, date=d, is_workday=True) for d in plan.workdays])
            worktime.clear_cache()
            audit_record(actor=actor, action="holiday_arrangement.load", obj=arrangement, data={
                "year": plan.year, "notice": plan.notice, "published_on": plan.published_on.isoformat(),
                "holidays": plan.holidays_text, "workdays": plan.workdays_text,
                "missing_statutory": [d.isoformat() for d, _n in plan.missing_statutory],
                "replaced": replaced,
            })
            for listener in LOAD_LISTENERS:
                listener(arrangement=arrangement, actor=actor)
    except IntegrityError:  # another load of the same year committed first
        raise Conflict("该年度节假日安排正在被他人载入，请重试 / Someone else is loading this year; try again.",
                       code="holidays.concurrent_load") from None
    return arrangement
