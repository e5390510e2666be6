"""Reads for dispatching, scoped through the events they belong to."""

from __future__ import annotations

from django.db.models import QuerySet

from jiewang.core.errors import NotFound
from jiewang.core.scope import Action, restrict
from jiewang.events.models import Event

from .models import Assignment, ExtensionRequest, WhistleSummons


def _visible_events(user) -> QuerySet:
    return restrict(Event.objects.all(), user, Action.VIEW).values("id")


def assignment_get(*, user, assignment_id: int) -> Assignment:
    a = Assignment.objects.select_related("event", "department").filter(
        pk=assignment_id, event_id__in=_visible_events(user)).first()
    if a is None:
        raise NotFound("任务不存在 / Assignment not found.", code="assignment.not_found")
    return a


def assignment_list(*, user, event: Event) -> list[Assignment]:
    return list(Assignment.objects.filter(event=event).select_related("department", "post").order_by("id"))


def extension_get(*, user, request_id: int) -> ExtensionRequest:
    r = ExtensionRequest.objects.select_related("event").filter(
        pk=request_id, event_id__in=_visible_events(user)).first()
    if r is None:
        raise NotFound("延期申请不存在 / Extension request not found.", code="extension.not_found")
    return r


def summons_get(*, user, summons_id: int) -> WhistleSummons:
    s = WhistleSummons.objects.select_related("whistle__event", "department").filter(
        pk=summons_id, whistle__event_id__in=_visible_events(user)).first()
    if s is None:
        raise NotFound("召集不存在 / Summons not found.", code="summons.not_found")
    return s


def department_queue(*, user, department_ids: set[int]) -> QuerySet:
    """Open assignments of the given departments (the department workbench)."""
    from .models import OPEN_ASSIGNMENT

    return Assignment.objects.filter(department_id__in=department_ids, status__in=OPEN_ASSIGNMENT) \
        .select_related("event", "department").order_by("dispatched_at")
