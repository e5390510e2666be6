"""Periods: ``2026-11`` (month), ``2026-Q4`` (quarter), ``2026`` (year), in the deployment's zone."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from jiewang.core.errors import ValidationFailed

from ..choices import PeriodKind

PERIOD_RE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?$")
# Which indicator periods a run of each kind uses: a monthly indicator is also assessed over a
# quarter and a year, a quarterly one over a year.
KINDS_IN = {PeriodKind.MONTH: (PeriodKind.MONTH,), PeriodKind.QUARTER: (PeriodKind.MONTH, PeriodKind.QUARTER),
            PeriodKind.YEAR: (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)}


def local_zone():
    """The deployment's zone (TIME_ZONE, Asia/Shanghai)."""
    return timezone.get_default_timezone()


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time.min, tzinfo=local_zone())


def parse_period(text: str) -> tuple[str, dt.datetime, dt.datetime]:
    """(kind, start, end) of a period; 422 ``assessment.bad_period`` otherwise."""
    m = PERIOD_RE.match(text or "")
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        raise ValidationFailed("考核周期无效 / Invalid period (YYYY-MM, YYYY-Qn or YYYY).",
                               code="assessment.bad_period", fields={"period": text})
    year = int(m.group(1))
    if m.group(2):
        month = int(m.group(2))
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        return PeriodKind.MONTH, _midnight(dt.date(year, month, 1)), _midnight(nxt)
    if m.group(3):
        q = int(m.group(3))
        first = dt.date(year, 3 * q - 2, 1)
        nxt = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1)
        return PeriodKind.QUARTER, _midnight(first), _midnight(nxt)
    return PeriodKind.YEAR, _midnight(dt.date(year, 1, 1)), _midnight(dt.date(year + 1, 1, 1))


def last_month(today: dt.date) -> str:
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"
