"""Whistle and report-in (吹哨报到): the grid, community or town blows a whistle on an event and
summons departments; each must report in (报到: acknowledge and name its responder) before the
report-in deadline (urgent: 30 minutes), then act; the summoning level records attendance and
rates each department (双向考核). A summons nobody answers is escalated by the sweeper."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiewang.accounts.models import Department
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import ValidationFailed
from jiewang.events.models import Event
from jiewang.events.registry import authorize
from jiewang.events.services.clocks import clock_start
from jiewang.events.services.transition import event_note

from ..models import SummonsStatus, Whistle, WhistleSummons
from .moves import move

ROLE_LEVEL = {"grid_worker": "grid", "community_staff": "community", "town_operator": "town",
              "town_leader": "town", "superuser": "town", "system": "town"}
LEVEL_AREA = {"grid": AreaLevel.GRID, "community": AreaLevel.COMMUNITY, "town": AreaLevel.TOWN}


def report_in_minutes(urgent: bool) -> int:
    if urgent:
        return int(getattr(settings, "WHISTLE_URGENT_REPORT_IN_MINUTES", 30))
    return int(getattr(settings, "WHISTLE_REPORT_IN_MINUTES", 120))


@transaction.atomic
def whistle_blow(*, event: Event, actor, departments: list[Department], problem: str, urgent: bool = False,
                 at: dt.datetime | None = None) -> Whistle:
    """吹哨: summon ``departments`` to ``event``. Each gets a report-in clock."""
    role = authorize("whistle", actor=actor, event=event)
    problem = (problem or "").strip()
    if not problem:
        raise ValidationFailed("请描述问题 / Describe the problem.", code="whistle.problem_required")
    if not departments:
        raise ValidationFailed("至少召集一个部门 / Summon at least one department.",
                               code="whistle.departments_required")
    if len({d.pk for d in departments}) != len(departments):
        raise ValidationFailed("部门重复 / A department is listed twice.", code="whistle.duplicate_department")
    town_path = event.town.path
    for d in departments:
        if not (town_path.startswith(d.area.path) or d.area.path.startswith(town_path)):
            raise ValidationFailed(f"{d.name} 不服务本辖区 / {d.name} does not serve this area.",
                                   code="whistle.department_out_of_area")
    level = ROLE_LEVEL.get(role, "town")
    chain = {a.level: a for a in Area.objects.filter(id__in=[int(x) for x in event.area_path.strip("/").split("/")])}
    area = chain.get(LEVEL_AREA[level]) or event.town
    now = at or timezone.now()
    due = now + dt.timedelta(minutes=report_in_minutes(urgent))
    whistle = Whistle.objects.create(event=event, blown_by=actor, blown_at=now, level=level, area=area,
                                     problem=problem, is_urgent=urgent, report_in_due_at=due)
    for d in departments:
        s = WhistleSummons.objects.create(whistle=whistle, department=d)
        clock_start(event=event, kind="report_in", start=now, due_at=due, unit="calendar_hours", subject=s)
    event_note(event=event, action="whistle", actor=actor, role=role, comment=problem, at=now,
               data={"whistle": whistle.pk, "departments": [d.name for d in departments], "urgent": urgent,
                     "report_in_due_at": due.isoformat()})
    from ..notify import on_whistle

    on_whistle(whistle)
    return whistle


def resolve_departments(*, actor, department_ids: list[int]) -> list[Department]:
    """The departments named by id, in the actor's scope (an id it cannot see is not found)."""
    from jiewang.accounts import selectors as account_selectors
    from jiewang.core.errors import NotFound

    qs = account_selectors.department_list(user=actor) if actor is not None else Department.objects.all()
    found = list(qs.filter(pk__in=department_ids))
    if len(found) != len(set(department_ids)):
        raise NotFound("部门不存在 / A department was not found.", code="whistle.department_not_found")
    return found


@transaction.atomic
def summons_report_in(*, summons: WhistleSummons, actor, responder_name: str, responder_phone: str = "",
                      at: dt.datetime | None = None) -> WhistleSummons:
    """报到: the summoned department acknowledges and names its responder. After the deadline it
    still counts, as late."""
    s = WhistleSummons.objects.select_for_update(of=("self",)).select_related("whistle__event", "department").get(pk=summons.pk)
    role = authorize("report_in", actor=actor, event=s.whistle.event, subject=s)
    if not (responder_name or "").strip():
        raise ValidationFailed("请填写响应人 / Name the responder.", code="whistle.responder_required",
                               fields={"responder_name": "required"})
    now = at or timezone.now()
    late = now > s.whistle.report_in_due_at or s.status == SummonsStatus.MISSED
    move(s, "report_in_late" if late else "report_in", at=now, changes={
        "reported_in_by": actor, "responder_name": responder_name.strip(), "responder_phone": responder_phone})
    event_note(event=s.whistle.event, action="report_in", actor=actor, role=role, at=now,
               comment=f"{s.department.name} 报到：{s.responder_name}",
               data={"summons": s.pk, "late": late, "department": s.department.name})
    return s


@transaction.atomic
def summons_rate(*, summons: WhistleSummons, actor, attended: bool, rating: int, comment: str = "") -> WhistleSummons:
    """The summoning level records attendance and rates the department's response (1–5)."""
    s = WhistleSummons.objects.select_for_update(of=("self",)).select_related("whistle__event", "department").get(pk=summons.pk)
    role = authorize("rate_summons", actor=actor, event=s.whistle.event, subject=s)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed("评分为 1–5 / Rating is 1–5.", code="whistle.rating_invalid", fields={"rating": "1-5"})
    s.attended, s.rating, s.rating_comment, s.rated_by = attended, rating, comment, actor
    s.save(update_fields=["attended", "rating", "rating_comment", "rated_by"])
    event_note(event=s.whistle.event, action="rate_summons", actor=actor, role=role, comment=comment,
               data={"summons": s.pk, "department": s.department.name, "attended": attended, "rating": rating})
    return s


@transaction.atomic
def summons_escalate_missed(*, summons_id: int, at: dt.datetime | None = None) -> bool:
    """Mark a summons nobody answered as missed and escalate it (the sweeper's report-in
    listener). Returns False when it was already answered or escalated (idempotent)."""
    now = at or timezone.now()
    s = WhistleSummons.objects.select_for_update(of=("self",)).select_related("whistle__event", "department") \
        .filter(pk=summons_id, status=SummonsStatus.SUMMONED, escalated_at__isnull=True).first()
    if s is None:
        return False
    move(s, "miss", at=now)
    event_note(event=s.whistle.event, action="whistle_escalated", actor=None, role="system", at=now,
               comment=f"{s.department.name} 未按时报到，已升级至上级督办",
               data={"summons": s.pk, "department": s.department.name})
    return True


def on_sweep_report_in(rows, step: str, now) -> None:
    """Sweeper listener: a summons whose report-in clock went overdue is escalated at once."""
    if step != "overdue":
        return
    for row in rows:
        if row.kind == "report_in" and row.subject_type == "summons":
            summons_escalate_missed(summons_id=row.subject_id, at=now)
