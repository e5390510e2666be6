"""Exclusions (不计入考核): requested by the assessed unit for one event, decided by the command
center or the district. Only an approved exclusion changes what a computation counts, and only
for the indicators it names (all when it names none)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jiewang.events.models import Event

from ..choices import ExclusionKind, ExclusionStatus
from ..models import Exclusion, Indicator
from ..permissions import REQUESTERS, TOWN_DECIDERS, ensure_role, staff_department_ids


def _event_visible(actor, event: Event) -> None:
    """404 unless ``actor`` may see ``event`` (the events' own read rule)."""
    if actor is None or actor.is_superuser:
        return
    from jiewang.core.scope import Action, restrict

    if not restrict(Event.objects.filter(pk=event.pk), actor, Action.VIEW).exists():
        raise NotFound("事件不存在 / Event not found.", code="not_found")


def _town_path(event: Event) -> str:
    return event.town.path


@transaction.atomic
def exclusion_request(*, actor, event: Event, kind: str, reason: str, indicator_codes: list[str] | None = None
                      ) -> Exclusion:
    """Ask that ``event`` not count in ``indicator_codes`` (all when empty). Who: someone who sees
    the event and works on it (grid worker, community staff, town operator, department staff of a
    department assigned or summoned), else 403; 409 when one is already pending; 422 bad input."""
    _event_visible(actor, event)
    if actor is not None and not actor.is_superuser:
        if not _roles_on(actor, event) & set(REQUESTERS):
            raise PermissionDenied("您没有执行此操作的权限 / You may not do this here.", code="permission_denied")
    reason = (reason or "").strip()
    codes = sorted(set(indicator_codes or []))
    errors = {}
    if not reason:
        errors["reason"] = "required"
    if kind not in ExclusionKind.values:
        errors["kind"] = "unknown"
    unknown = set(codes) - set(Indicator.objects.filter(code__in=codes).values_list("code", flat=True))
    if unknown:
        errors["indicator_codes"] = sorted(unknown)
    if errors:
        raise ValidationFailed("输入无效 / Invalid input.", code="assessment.bad_exclusion", fields=errors)
    if Exclusion.objects.filter(event=event, status=ExclusionStatus.PENDING).exists():
        raise Conflict("该事件已有待审批的申请 / A request is already pending.", code="assessment.exclusion_pending")
    ex = Exclusion.objects.create(event=event, area_path=_town_path(event), indicator_codes=codes, kind=kind,
                                  reason=reason[:1000], requested_by=actor)
    audit_record(actor=actor, action="assessment.exclusion_request", obj=ex,
                 data={"event": event.number, "kind": kind, "indicators": codes})
    return ex


def _roles_on(actor, event: Event) -> set[str]:
    from jiewang.accounts.choices import Role
    from jiewang.core.scope import user_grants
    from jiewang.dispatching.models import Assignment, WhistleSummons

    roles = {g.role for g in user_grants(actor) if event.area_path.startswith(g.path) and g.role != Role.DEPARTMENT_STAFF}
    depts = staff_department_ids(actor)
    if depts and (Assignment.objects.filter(event=event, department_id__in=depts).exists()
                  or WhistleSummons.objects.filter(whistle__event=event, department_id__in=depts).exists()):
        roles.add(Role.DEPARTMENT_STAFF)
    return roles


@transaction.atomic
def exclusion_decide(*, actor, exclusion: Exclusion, approve: bool, comment: str = "") -> Exclusion:
    """Approve or refuse a pending request: the town's leaders or the district (403 for others
    who see it, 404 for the rest); 409 ``assessment.exclusion_decided`` once decided; a refusal
    needs a comment (422)."""
    ensure_role(actor, exclusion.area_path, TOWN_DECIDERS)
    ex = Exclusion.objects.select_for_update().get(pk=exclusion.pk)
    if ex.status != ExclusionStatus.PENDING:
        raise Conflict("该申请已处理 / Already decided.", code="assessment.exclusion_decided")
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationFailed("不予批准须说明理由 / A refusal needs a reason.", code="assessment.reason_required",
                               fields={"comment": "required"})
    ex.status = ExclusionStatus.APPROVED if approve else ExclusionStatus.REFUSED
    ex.decided_by, ex.decided_at, ex.decision_comment = actor, timezone.now(), comment[:1000]
    ex.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    audit_record(actor=actor, action="assessment.exclusion_" + ("approve" if approve else "refuse"), obj=ex,
                 data={"event_id": ex.event_id, "comment": comment})
    return ex
