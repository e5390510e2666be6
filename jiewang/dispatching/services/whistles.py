"""Whistle and report-in (吹哨报到): the town (or, where the district allows it, the grid or
community) blows a whistle on an event and summons departments; each must report in (报到:
acknowledge and name its responder) before the report-in deadline (urgent: 30 minutes), then
act; the summoning level records attendance and rates each department (双向考核). A summons
nobody answers is escalated by the sweeper. Where grids and communities may not whistle, they
ask the town center (:mod:`.whistle_requests`)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiewang.accounts.models import Department
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import PermissionDenied, ValidationFailed
from jiewang.events.models import Event
from jiewang.events.registry import authorize
from jiewang.events.services.clocks import clock_start
from jiewang.events.services.transition import event_note

from ..models import SummonsStatus, Whistle, WhistlePolicy, WhistleSummons
from .moves import move

ROLE_LEVEL = {"grid_worker": "grid", "community_staff": "community", "town_operator": "town",
              "town_leader": "town", "superuser": "town", "system": "town"}
LEVEL_AREA = {"grid": AreaLevel.GRID, "community": AreaLevel.COMMUNITY, "town": AreaLevel.TOWN}
DIRECT_LEVELS = ("grid", "community")  # levels that whistle directly only where the district allows it


def report_in_minutes(urgent: bool) -> int:
    if urgent:
        return int(getattr(settings, "WHISTLE_URGENT_REPORT_IN_MINUTES", 30))
    return int(getattr(settings, "WHISTLE_REPORT_IN_MINUTES", 120))


def direct_whistle_allowed(event: Event) -> bool:
    """The event's district lets grid workers and community staff summon departments directly
    (:class:`~jiewang.dispatching.models.WhistlePolicy`; no row: it does not)."""
    return WhistlePolicy.objects.filter(district_id=event.town.parent_id, direct_whistle_allowed=True).exists()


def needs_request(role: str | None, event: Event) -> bool:
    """``role`` (a grid worker, community staff) must ask the town center instead of whistling."""
    return ROLE_LEVEL.get(role or "") in DIRECT_LEVELS and not direct_whistle_allowed(event)


def clean_problem(problem: str) -> str:
    problem = (problem or "").strip()
    if not problem:
        raise ValidationFailed("请描述问题 / Describe the problem.", code="whistle.problem_required",
                               fields={"problem": "required"})
    return problem


def check_departments(event: Event, departments: list[Department]) -> None:
    """At least one department, none twice, each serving the event's town (422 otherwise)."""
    if not departments:
        raise ValidationFailed("至少召集一个部门 / Summon at least one department.",
                               code="whistle.departments_required", fields={"department_ids": "required"})
    if len({d.pk for d in departments}) != len(departments):
        raise ValidationFailed("部门重复 / A department is listed twice.", code="whistle.duplicate_department")
    town_path = event.town.path
    for d in departments:
        if not (town_path.startswith(d.area.path) or d.area.path.startswith(town_path)):
            raise ValidationFailed(f"{d.name} 不服务本辖区 / {d.name} does not serve this area.",
                                   code="whistle.department_out_of_area")


def level_area(event: Event, level: str) -> Area:
    """The area of ``event``'s chain at handling level ``level`` (grid, community, town)."""
    chain = {a.level: a for a in Area.objects.filter(id__in=[int(x) for x in event.area_path.strip("/").split("/")])}
    return chain.get(LEVEL_AREA.get(level, AreaLevel.TOWN)) or event.town


@transaction.atomic
def whistle_blow(*, event: Event, actor, departments: list[Department], problem: str, urgent: bool = False,
                 at: dt.datetime | None = None) -> Whistle:
    """吹哨: summon ``departments`` to ``event``. Each gets a report-in clock. A grid worker or
    community staff may do it only where the district allows it (else they ask the town center:
    :func:`jiewang.dispatching.services.whistle_requests.whistle_request_create`)."""
    role = authorize("whistle", actor=actor, event=event)
    if needs_request(role, event):
        raise PermissionDenied("本区网格、村社不能直接吹哨，请向镇街指挥中心提出吹哨申请 / In this district grids and "
                               "communities ask the town command center to blow the whistle.",
                               code="whistle.direct_not_allowed", fields={"action": "request_whistle"})
    problem = clean_problem(problem)
    check_departments(event, departments)
    return blow(event=event, actor=actor, role=role, level=ROLE_LEVEL.get(role, "town"), departments=departments,
                problem=problem, urgent=urgent, at=at)


def blow(*, event: Event, actor, role: str, level: str, departments: list[Department], problem: str,
         urgent: bool, at: dt.datetime | None = None) -> Whistle:
    """Write a whistle already authorized and checked (by :func:`whistle_blow`, or by the center's
    approval of a request): the whistle, a summons and a report-in clock per department, the
    activity, the audit row and the departments' notifications."""
    from jiewang.audit.services import audit_record

    now = at or timezone.now()
    due = now + dt.timedelta(minutes=report_in_minutes(urgent))
    whistle = Whistle.objects.create(event=event, blown_by=actor, blown_at=now, level=level,
                                     area=level_area(event, level), problem=problem, is_urgent=urgent,
                                     report_in_due_at=due)
    for d in departments:
        s = WhistleSummons.objects.create(whistle=whistle, department=d)
        clock_start(event=event, kind="report_in", start=now, due_at=due, unit="calendar_hours", subject=s)
    event_note(event=event, action="whistle", actor=actor, role=role, comment=problem, at=now,
               data={"whistle": whistle.pk, "departments": [d.name for d in departments], "urgent": urgent,
                     "report_in_due_at": due.isoformat()})
    audit_record(actor=actor, action="whistle.blow", obj=whistle,
                 data={"event": event.number, "departments": [d.pk for d in departments], "urgent": urgent})
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
    """The summoning level (the roles of the level that blew the whistle) records attendance and
    rates the department's response (1–5), once it reported in or missed its report-in."""
    s = WhistleSummons.objects.select_for_update(of=("self",)).select_related("whistle__event", "department").get(pk=summons.pk)
    role = authorize("rate_summons", actor=actor, event=s.whistle.event, subject=s)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationFailed("评分为 1–5 / Rating is 1–5.", code="whistle.rating_invalid", fields={"rating": "1-5"})
    s.attended, s.rating, s.rating_comment, s.rated_by = attended, rating, (comment or "").strip(), actor
    s.save(update_fields=["attended", "rating", "rating_comment", "rated_by"])
    from jiewang.audit.services import audit_record

    audit_record(actor=actor, action="summons.rate", obj=s, data={"attended": attended, "rating": rating})
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
