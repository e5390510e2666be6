"""Test helpers of the duty: the command center's leaders of 一街道 (and a duty leader of 二街道),
on top of :mod:`jiewang.core.testing`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass
class Duty:
    commander: object  # 一街道's 指挥长
    deputy: object  # 一街道's 副指挥长
    leader: object  # 一街道's 值班长 (on today's roster)
    leader2: object  # 一街道's second 值班长 (tomorrow's)
    other_leader: object  # 二街道's 值班长


def build_duty(tree, people) -> Duty:
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User

    def user(name, role, area, phone="13700137000"):
        u = User(username=name, display_name=name, phone=phone)
        u.set_password("pw-" + name + "-2026")
        u.save()
        RoleGrant.objects.create(user=u, role=role, area=area)
        return u

    return Duty(commander=user("commander", Role.COMMANDER, tree.t1, "13700000001"),
                deputy=user("deputy", Role.DEPUTY_COMMANDER, tree.t1, "13700000002"),
                leader=user("duty_leader", Role.DUTY_LEADER, tree.t1, "13700000003"),
                leader2=user("duty_leader2", Role.DUTY_LEADER, tree.t1, "13700000004"),
                other_leader=user("other_duty_leader", Role.DUTY_LEADER, tree.t2, "13700000005"))


def put_on_roster(town, day: dt.date, leader, operators=()):
    """A roster day written directly (no service, no audit row): for setting up a scene."""
    from .models import DutyDay

    row, _ = DutyDay.objects.update_or_create(town=town, date=day, defaults={"leader": leader})
    row.operators.set([u.pk for u in operators])
    return row


def today():
    from .services.common import local_date

    return local_date()


def urgent_event(tree, people, loop, *, urgency="urgent", title="化工厂泄漏", at=(106.05, 29.2)):
    """An urgent event reported now in 甲社区第1网格 (its alarm is raised by intake)."""
    from jiewang.events.models import MatterCategory
    from jiewang.events.services.intake import event_report

    event, _ = event_report(actor=None, channel="resident_web", category=MatterCategory.objects.get(code="LS01"),
                            lon=at[0], lat=at[1], title=title, urgency=urgency)
    return event


def duty_world(tree, people, loop) -> dict:
    """Path parameters naming real duty rows, for the API fuzz run (tests/test_api_fuzz.py): a day
    of the roster, an urgent event's alarm and a handover."""
    from .models import DutyHandover

    day = today()
    put_on_roster(tree.t1, day, people.town_leader)
    alarm = urgent_event(tree, people, loop, title="燃气泄漏").duty_alarm
    handover = DutyHandover.objects.create(town=tree.t1, date=day, outgoing=people.town_leader, summary="无")
    return {"date": day.isoformat(), "alarm_id": alarm.pk, "handover_id": handover.pk}
