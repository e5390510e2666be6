"""Reading the holiday arrangements: the /manage/ page's table of years and the notice that asks
administrators to load next year's arrangement.

The notice: from 1 November of year Y, until Y+1's official arrangement is known (loaded here or
shipped by ``chinesecalendar``), administrators who may load it are asked to; the current year,
if it is still provisional, is asked for first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from jiewang.core import worktime
from jiewang.core.models import HolidayArrangement
from jiewang.core.scope import Action, restrict

from .services import may_load

NOTICE_FROM_MONTH = 11  # November


def local_today() -> dt.date:
    """The local date (one place for tests to move)."""
    return timezone.localdate()


def arrangement_list(*, user) -> QuerySet:
    """The loaded arrangements the user may see, newest year first, with their day counts."""
    return (restrict(HolidayArrangement.objects.all(), user, Action.VIEW).select_related("loaded_by")
            .annotate(holiday_count=Count("days", filter=Q(days__is_workday=False)),
                      workday_count=Count("days", filter=Q(days__is_workday=True)))
            .order_by("-year"))


@dataclass(frozen=True)
class YearStatus:
    year: int
    source: str  # "loaded" | "package" | "provisional"
    arrangement: HolidayArrangement | None


def year_statuses(*, user, today: dt.date | None = None, before: int = 1, after: int = 1) -> list[YearStatus]:
    """Where each year around ``today`` gets its holidays from."""
    today = today or local_today()
    loaded = {a.year: a for a in arrangement_list(user=user)}
    out = []
    for year in range(today.year - before, today.year + after + 1):
        if year in loaded:
            source = "loaded"
        elif worktime.package_knows(year):
            source = "package"
        else:
            source = "provisional"
        out.append(YearStatus(year, source, loaded.get(year)))
    return out


def notice_year(*, user, today: dt.date | None = None) -> int | None:
    """The year whose arrangement ``user`` should load now, or ``None`` (nothing due, or the user
    may not load arrangements)."""
    if user is None or not may_load(user):
        return None
    today = today or local_today()
    candidates = [today.year] + ([today.year + 1] if today.month >= NOTICE_FROM_MONTH else [])
    for year in candidates:
        if worktime.is_provisional_year(year):
            return year
    return None
