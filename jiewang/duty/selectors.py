"""Reads of the duty, each from ``restrict(...)`` for the user."""

from __future__ import annotations

import calendar
import datetime as dt

from django.db.models import Prefetch, Q

from jiewang.accounts.choices import Role
from jiewang.accounts.models import User
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.scope import Action, restrict, user_grants

from .choices import AlarmState
from .models import Alarm, DutyDay, DutyHandover, DutyLogEntry
from .permissions import DUTY_VIEWERS, ensure_town_role
from .services.common import holders


def duty_towns(*, user) -> list[Area]:
    """The towns whose duty ``user`` may read (a district administrator: the district's towns)."""
    qs = Area.objects.filter(level=AreaLevel.TOWN, valid_to__isnull=True)
    if not user.is_superuser:
        paths = [g.path for g in user_grants(user) if g.role in DUTY_VIEWERS]
        if not paths:
            return []
        q = Q(pk__in=[])
        for p in paths:
            q |= Q(path__startswith=p)
        qs = qs.filter(q)
    return list(qs.order_by("path")[:200])


def town_for_duty(*, user, town_id: int) -> Area:
    """The town, if ``user`` may read its duty (404 otherwise)."""
    from .services.common import town_get

    town = town_get(town_id)
    ensure_town_role(user, town, DUTY_VIEWERS)
    return town


def _days(user):
    return restrict(DutyDay.objects.all(), user, Action.VIEW).select_related("leader").prefetch_related(
        Prefetch("operators", queryset=User.objects.order_by("id")))


def roster_month(*, user, town: Area, year: int, month: int) -> dict[dt.date, DutyDay]:
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return {d.date: d for d in _days(user).filter(town=town, date__range=(first, last))}


def duty_day(*, user, town: Area, date: dt.date) -> DutyDay | None:
    return _days(user).filter(town=town, date=date).first()


def commanders_of(town: Area) -> tuple[list[User], list[User]]:
    return holders(town, [Role.COMMANDER]), holders(town, [Role.DEPUTY_COMMANDER])


def alarm_list(*, user, state: str | None = None, town: Area | None = None, towns=None):
    qs = restrict(Alarm.objects.all(), user, Action.VIEW).select_related(
        "event", "town", "duty_leader", "acknowledged_by")
    if state:
        qs = qs.filter(state=state)
    if town is not None:
        qs = qs.filter(town=town)
    if towns is not None:
        qs = qs.filter(town__in=towns)
    return qs.order_by("-raised_at", "-id")


def alarms_on(*, user, town: Area, day: dt.date) -> list[Alarm]:
    """The alarms raised in ``town`` on the local ``day``."""
    from django.utils import timezone

    start = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())
    return list(alarm_list(user=user, town=town).filter(raised_at__gte=start,
                                                        raised_at__lt=start + dt.timedelta(days=1))[:100])


def open_alarms(*, user, towns) -> list[Alarm]:
    return list(alarm_list(user=user, state=AlarmState.OPEN, towns=towns)[:20])


def alarm_get(*, user, alarm_id: int) -> Alarm:
    from jiewang.core.errors import NotFound

    alarm = alarm_list(user=user).filter(pk=alarm_id).first()
    if alarm is None:
        raise NotFound("告警不存在 / Alarm not found.", code="not_found")
    return alarm


def alarm_of_event(*, user, event) -> Alarm | None:
    """The event's alarm for the event page (its viewers who may see the duty)."""
    return alarm_list(user=user).filter(event=event).first()


def log_entries(*, user, town: Area, date: dt.date):
    return restrict(DutyLogEntry.objects.all(), user, Action.VIEW).filter(town=town, date=date) \
        .select_related("author", "event").order_by("at", "id")


def handover_of(*, user, town: Area, date: dt.date) -> DutyHandover | None:
    return restrict(DutyHandover.objects.all(), user, Action.VIEW).filter(town=town, date=date) \
        .select_related("outgoing", "confirmed_by").first()


def handover_get(*, user, handover_id: int) -> DutyHandover:
    from jiewang.core.errors import NotFound

    h = restrict(DutyHandover.objects.all(), user, Action.VIEW).select_related("town", "outgoing", "confirmed_by") \
        .filter(pk=handover_id).first()
    if h is None:
        raise NotFound("交接记录不存在 / Handover not found.", code="not_found")
    return h
