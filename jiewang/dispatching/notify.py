"""Telling handlers: the staff of departments, posts and areas learn of dispatches, work sent
down, rework, redo and whistles."""

from __future__ import annotations

from django.utils import timezone

from jiewang.accounts.models import User
from jiewang.notifications.services import notify

from .handlers import DEPARTMENT, handler_of, staff_users
from .models import OPEN_ASSIGNMENT, Assignment


def department_staff(department_ids) -> list[User]:
    return staff_users([(DEPARTMENT, d) for d in department_ids])


def handler_staff(assignments) -> list[User]:
    """The staff of the handlers of ``assignments``."""
    return staff_users({k for k in (handler_of(a) for a in assignments) if k is not None})


def on_transition(event, activity) -> None:
    """After rework or redo: the departments holding the event (dispatch notifies explicitly,
    once its assignments exist)."""
    if activity.action in ("verify_fail", "redo"):
        notify_assignments(event, activity.action)


def notify_assignments(event, action: str) -> None:
    open_ = Assignment.objects.filter(event=event, status__in=OPEN_ASSIGNMENT).only("department", "post", "area")
    titles = {"dispatch": "新派遣任务", "redispatch": "改派任务", "verify_fail": "核查未通过，请返工",
              "redo": "群众不满意，请重办", "send_down": "交办任务"}
    notify(users=handler_staff(open_), kind=f"assignment.{action}",
           title=f"{titles[action]}：{event.title}", body=event.number, event_number=event.number,
           url=f"/events/{event.number}/", sms=event.urgency != "normal")


def on_whistle(whistle) -> None:
    depts = whistle.summonses.values_list("department_id", flat=True)
    notify(users=department_staff(depts), kind="whistle.summons", title=f"吹哨报到：{whistle.problem[:60]}",
           body=f"{whistle.event.number} 请于 {timezone.localtime(whistle.report_in_due_at):%H:%M} 前报到",
           event_number=whistle.event.number, url=f"/events/{whistle.event.number}/", sms=True)
