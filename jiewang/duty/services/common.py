"""Small shared pieces of the duty services: the local day, the holders of a role on a town."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from jiewang.accounts.models import RoleGrant, User
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import NotFound


def local(at: dt.datetime) -> dt.datetime:
    """``at`` in the deployment's zone (Asia/Shanghai), whatever zone is active: the roster's days
    and the times written in messages are local."""
    return timezone.localtime(at, timezone.get_default_timezone())


def local_date(at: dt.datetime | None = None) -> dt.date:
    return local(at or timezone.now()).date()


def hhmm(at: dt.datetime) -> str:
    """A moment as messages show it: local month-day hour:minute."""
    return local(at).strftime("%m-%d %H:%M")


def days_ahead() -> int:
    """How far ahead the roster may be planned (``DUTY_ROSTER_DAYS_AHEAD``, default 31 days: on
    the last day of a month at the latest the whole next month can be filled in)."""
    return int(getattr(settings, "DUTY_ROSTER_DAYS_AHEAD", 31))


def holders(area: Area, roles) -> list[User]:
    """Active users holding one of ``roles`` (an active grant) on ``area`` itself, by id."""
    ids = RoleGrant.objects.active().filter(area=area, role__in=list(roles)).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("id"))


def town_get(town_id: int) -> Area:
    town = Area.objects.filter(pk=town_id, level=AreaLevel.TOWN).first()
    if town is None:
        raise NotFound("镇街不存在 / Town not found.", code="not_found")
    return town
