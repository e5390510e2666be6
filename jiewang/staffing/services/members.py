"""Assigning people to grids and ending assignments (任职与离任). History is kept: ending an
assignment sets its end date (and reason), it never deletes; a person may serve again later (a
new row). The same person never holds the same kind in the same grid twice at once: the overlap is
refused with nothing changed (the database refuses two open ones as well)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from jiewang.areas.choices import GRID_LEVELS
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed

from ..choices import REQUIRED_KIND, MemberKind
from ..models import GridMember, Person
from . import flags
from .scope import ensure_manager

# How far from today a start or end date may lie (a typo of a year is refused, not stored).
MAX_DAYS_BACK = 366 * 5
MAX_DAYS_AHEAD = 366


def _check_date(value: dt.date, field: str) -> dt.date:
    today = timezone.localdate()
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationFailed("日期无效 / Invalid date.", code="staffing.date_invalid", fields={field: "invalid"})
    if value < today - dt.timedelta(days=MAX_DAYS_BACK) or value > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationFailed("日期超出允许范围 / The date is out of range.", code="staffing.date_out_of_range",
                               fields={field: "out of range"})
    return value


def _check_grid(grid: Area, on: dt.date) -> None:
    if grid.level not in GRID_LEVELS or (grid.valid_to is not None and grid.valid_to <= on):
        raise ValidationFailed("只能分配到在用的网格或微网格 / Only a grid or micro-grid in use can be staffed.",
                               code="staffing.not_a_grid", fields={"grid": "not a grid"})


@transaction.atomic
def member_assign(*, actor, person: Person, grid: Area, kind: str, start_date: dt.date | None = None,
                  duty: str = "") -> GridMember:
    """Bind ``person`` to ``grid`` as ``kind`` from ``start_date`` (today). Refused: outside the
    actor's grids (404/403), a person the actor cannot see (404), not a grid, an unknown kind, a
    date out of range, and an overlap with an assignment of the same person, grid and kind
    (``staffing.overlap``, 409). A full-time worker clears the grid's unstaffed flag."""
    ensure_manager(actor, grid.path)
    ensure_allowed(actor, Action.VIEW, person)
    if kind not in MemberKind.values:
        raise ValidationFailed("人员类别无效 / Unknown kind.", code="staffing.kind_invalid", fields={"kind": "invalid"})
    start_date = _check_date(start_date or timezone.localdate(), "start_date")
    _check_grid(grid, start_date)
    Person.objects.select_for_update().filter(pk=person.pk).first()  # serializes a person's assignments
    clash = (GridMember.objects.filter(person=person, grid=grid, kind=kind)
             .exclude(end_date__isnull=False, end_date__lte=start_date).first())
    if clash is not None:
        raise Conflict("该人员已在此网格担任此职 / This person already serves this grid as this kind "
                       f"(since {clash.start_date.isoformat()}).", code="staffing.overlap",
                       fields={"kind": "overlap"})
    member = GridMember.objects.create(person=person, grid=grid, grid_path=grid.path, kind=kind,
                                       duty=(duty or "").strip()[:100], start_date=start_date,
                                       assigned_by=actor if getattr(actor, "pk", None) else None)
    audit_record(actor=actor, action="grid_member.assign", obj=member,
                 data={"person": person.pk, "grid": grid.pk, "kind": kind, "start_date": start_date.isoformat()})
    if kind == REQUIRED_KIND and start_date <= timezone.localdate():
        flags.flag_clear(grid=grid)
    return member


@transaction.atomic
def member_end(*, actor, member: GridMember, reason: str, end_date: dt.date | None = None) -> GridMember:
    """End an assignment: ``end_date`` (today) is the first day no longer served. A reason is
    required; an assignment already ended is a conflict (409). When it was the grid's last
    full-time worker, the grid is flagged (its community and town notified once)."""
    ensure_manager(actor, member.grid_path)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写离任原因 / A reason is required.", code="staffing.reason_required",
                               fields={"reason": "required"})
    end_date = _check_date(end_date or timezone.localdate(), "end_date")
    locked = GridMember.objects.select_for_update().select_related("grid", "person").get(pk=member.pk)
    if locked.end_date is not None:
        raise Conflict("该任职已结束 / This assignment has ended already.", code="staffing.already_ended")
    if end_date < locked.start_date:
        raise ValidationFailed("结束日期早于开始日期 / The end date is before the start date.",
                               code="staffing.end_before_start", fields={"end_date": "before start"})
    locked.end_date, locked.end_reason = end_date, reason[:200]
    locked.ended_by = actor if getattr(actor, "pk", None) else None
    locked.ended_at = timezone.now()
    locked.save(update_fields=["end_date", "end_reason", "ended_by", "ended_at"])
    audit_record(actor=actor, action="grid_member.end", obj=locked,
                 data={"end_date": end_date.isoformat(), "reason": locked.end_reason})
    if locked.kind == REQUIRED_KIND and end_date <= timezone.localdate():
        flags.grid_check(grid=locked.grid)
    member.end_date, member.end_reason = locked.end_date, locked.end_reason
    member.ended_by, member.ended_at = locked.ended_by, locked.ended_at
    return locked
