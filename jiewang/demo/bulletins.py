"""The demo's monthly bulletin (月度通报): last month's bulletin of the demo town, made as soon as
that month's assessment exists (``manage.py assess``, or the worker on the first working day), so
the bulletins page has something to show and download on first start. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant
from jiewang.areas.models import Area
from jiewang.assessment.models import Run
from jiewang.assessment.services.periods import last_month
from jiewang.reports.models import Bulletin
from jiewang.reports.services.bulletins import bulletin_generate


def demo_town(root: Area) -> Area | None:
    """The town the demo logins work in (the demo town leader's)."""
    grant = RoleGrant.objects.filter(user__username="town_leader", role=Role.TOWN_LEADER,
                                     area__path__startswith=root.path).select_related("area").first()
    return grant.area if grant else None


def seed_last_month_bulletin(root: Area | None, today: dt.date | None = None) -> Bulletin | None:
    """Last month's bulletin of the demo town if that month's assessment exists and the town has
    no bulletin of it yet (the existing one otherwise; None without an assessment)."""
    town = demo_town(root) if root is not None else None
    if town is None:
        return None
    period = last_month(today or timezone.localdate())
    if not Run.objects.filter(area=town, period=period).exists():
        return None
    existing = Bulletin.objects.filter(area=town, period=period, status="current").first()
    return existing or bulletin_generate(actor=None, area=town, period=period)
