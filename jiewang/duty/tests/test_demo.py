"""The demo town has a commander, a duty leader and a roster for this month."""

from __future__ import annotations

import calendar

import pytest

from jiewang.duty.models import DutyDay
from jiewang.duty.services.common import local_date

pytestmark = pytest.mark.django_db


def test_the_demo_town_has_its_duty():
    from jiewang.demo.seeding import demo_logins, seed_demo

    result = seed_demo(scale="small", seed=1)
    logins = {r.username: r for r in demo_logins()}
    assert (logins["commander"].role, logins["duty_leader"].role) == ("commander", "duty_leader")
    town_code = logins["town_leader"].area_code
    assert logins["commander"].area_code == logins["duty_leader"].area_code == town_code
    today = local_date()
    days = {d.date: d for d in DutyDay.objects.filter(town__code=town_code).select_related("leader")}
    month = [today.replace(day=n) for n in range(1, calendar.monthrange(today.year, today.month)[1] + 1)]
    assert set(month) <= set(days) and result.counts["duty roster days"] == len(days)
    assert {days[d].leader.username for d in month} == {"duty_leader", "town_leader"}
    assert all(days[d].leader.username == "duty_leader" for d in month if d.weekday() < 5)
    assert [u.username for u in days[today].operators.all()] == ["town_operator"]
