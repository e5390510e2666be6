"""The duty roster (值班表): who leads the duty and who operates the center, per town and day."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jiewang.accounts.models import RoleGrant, User
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, ValidationFailed

from ..models import DutyDay
from ..permissions import ROSTER_EDITORS, ROSTER_LEADER_ROLES, ROSTER_MEMBER_ROLES, ensure_town_role
from .common import days_ahead, local_date

MAX_OPERATORS = 20


def town_members(town: Area) -> dict[int, set[str]]:
    """Users holding a town role on ``town`` itself (active grants), with those roles."""
    out: dict[int, set[str]] = {}
    for user_id, role in RoleGrant.objects.active().filter(
            area=town, role__in=list(ROSTER_MEMBER_ROLES), user__is_active=True).values_list("user_id", "role"):
        out.setdefault(user_id, set()).add(role)
    return out


@transaction.atomic
def duty_day_set(*, actor, town: Area, date: dt.date, leader: User | None, operators: list[User],
                 note: str = "", expected_version: int | None = None, today: dt.date | None = None) -> DutyDay:
    """Set one day of ``town``'s roster (create it or replace its leader, operators and note).

    Refused: outside the actor's towns (404), without a roster-keeping role (403), a day already
    past (409 ``duty.day_past``: the roster of a past day is the record of who was on duty), more
    than ``DUTY_ROSTER_DAYS_AHEAD`` days ahead (422 ``duty.day_too_far``), a leader or operator
    who holds no town role on this town (422 ``duty.not_town_member``; a leader also needs a
    leading role, ``duty.not_a_leader``), a stale version (409 ``duty.stale``)."""
    ensure_town_role(actor, town, ROSTER_EDITORS)
    today = today or local_date()
    if date < today:
        raise Conflict("过去的日期不能再排班 / A day in the past cannot be changed.", code="duty.day_past",
                       fields={"date": date.isoformat()})
    if date > today + dt.timedelta(days=days_ahead()):
        raise ValidationFailed(f"最多可提前 {days_ahead()} 天排班 / The roster can be planned at most "
                               f"{days_ahead()} days ahead.", code="duty.day_too_far",
                               fields={"date": date.isoformat()})
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationFailed("备注过长 / The note is too long.", code="validation_failed", fields={"note": "max 200"})
    members = town_members(town)
    ops = list(dict.fromkeys(u.pk for u in operators if leader is None or u.pk != leader.pk))
    if len(ops) > MAX_OPERATORS:
        raise ValidationFailed("值班员过多 / Too many operators.", code="validation_failed",
                               fields={"operator_ids": f"at most {MAX_OPERATORS}"})
    if leader is not None and leader.pk not in members:
        raise ValidationFailed("值班长须为本镇街人员 / The duty leader must hold a role in this town.",
                               code="duty.not_town_member", fields={"leader_id": leader.pk})
    if leader is not None and not members[leader.pk] & ROSTER_LEADER_ROLES:
        raise ValidationFailed("值班长须为值班长、指挥长或镇街领导 / The duty leader must be a duty leader, a "
                               "commander or a town leader.", code="duty.not_a_leader",
                               fields={"leader_id": leader.pk})
    strangers = [pk for pk in ops if pk not in members]
    if strangers:
        raise ValidationFailed("值班员须为本镇街人员 / Operators must hold a role in this town.",
                               code="duty.not_town_member", fields={"operator_ids": strangers})
    day = DutyDay.objects.select_for_update().filter(town=town, date=date).first()
    before = None
    if day is None:
        if expected_version not in (None, 0):
            raise Conflict("排班已变更，请刷新 / The roster changed since you read it; reload.", code="duty.stale",
                           fields={"version": 0})
        day = DutyDay(town=town, date=date, version=1)
    else:
        if expected_version is not None and expected_version != day.version:
            raise Conflict("排班已变更，请刷新 / The roster changed since you read it; reload.", code="duty.stale",
                           fields={"version": day.version})
        before = {"leader": day.leader_id, "operators": sorted(day.operators.values_list("pk", flat=True)),
                  "note": day.note}
        day.version += 1
    day.leader = leader
    day.note = note
    day.updated_by = actor if actor is not None and actor.pk else None
    day.updated_at = timezone.now()
    day.save()
    day.operators.set(ops)
    audit_record(actor=actor, action="duty_day.set", obj=day, data={
        "town": town.pk, "date": date.isoformat(), "leader": leader.pk if leader else None, "operators": ops,
        "note": note, "before": before})
    return day
