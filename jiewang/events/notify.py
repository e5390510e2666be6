"""Who must act now on an event, and telling them (in-app inbox; SMS when urgent).

Called after every transition (a transition hook), after intake, and by the sweeper for
warnings, overdue marks and supervision. Department staff are added by dispatching's own hook.
"""

from __future__ import annotations

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant, User
from jiewang.notifications.services import notify

from .choices import EventStatus, HandlingLevel, Urgency
from .models import Event

LEVEL_ROLE = {
    HandlingLevel.GRID: Role.GRID_WORKER,
    HandlingLevel.COMMUNITY: Role.COMMUNITY_STAFF,
    HandlingLevel.TOWN: Role.TOWN_OPERATOR,
    HandlingLevel.DISTRICT: Role.DISTRICT_ADMIN,
}
TITLES = {
    EventStatus.REPORTED: "待受理",
    EventStatus.ACCEPTED: "待派遣",
    EventStatus.HANDLING: "待办理",
    EventStatus.FEEDBACK: "待核查",
    EventStatus.CLOSED: "待评价",
}


def users_with_role(event: Event, roles) -> list[User]:
    chain = [int(x) for x in event.area_path.strip("/").split("/") if x]
    ids = RoleGrant.objects.active().filter(area_id__in=chain, role__in=list(roles)).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def who_must_act(event: Event) -> list[User]:
    """The people who hold the next step by area role (departments are added by dispatching)."""
    status, level = event.status, event.level
    if status in (EventStatus.REPORTED, EventStatus.ACCEPTED) or (
            status == EventStatus.HANDLING and level != HandlingLevel.DEPARTMENT):
        role = LEVEL_ROLE.get(level)
        return users_with_role(event, [role]) if role else []
    if status == EventStatus.FEEDBACK:
        return users_with_role(event, [Role.GRID_WORKER]) or users_with_role(event, [Role.COMMUNITY_STAFF])
    if status == EventStatus.CLOSED and event.reporter_id:
        return list(User.objects.filter(pk=event.reporter_id))
    return []


def notify_event(event: Event, *, kind: str, title: str | None = None, body: str = "", extra_users=()) -> int:
    users = who_must_act(event) + list(extra_users)
    title = title or f"{TITLES.get(event.status, event.get_status_display())}：{event.title}"
    return notify(users=users, kind=kind, title=title, body=body or event.number, event_number=event.number,
                  url=f"/events/{event.number}/", sms=event.urgency != Urgency.NORMAL)


def on_transition(event: Event, activity) -> None:
    notify_event(event, kind=f"event.{activity.action}")


SWEEP_TITLES = {"deadline_warning": "临期预警", "overdue": "已超期", "remind": "催办", "supervise": "督办",
                "escalate_overdue": "超期升级"}


def on_sweep(rows, step: str, now) -> None:
    """Sweeper listener: tell the ones who must act; supervision also reaches the town leaders."""
    events = {e.pk: e for e in Event.objects.filter(pk__in={r[1] for r in rows})}
    for _did, event_id, kind, _subject in rows:
        event = events.get(event_id)
        if event is None or kind == "report_in":
            continue
        leaders = users_with_role(event, [Role.TOWN_LEADER]) if step in ("supervise", "escalate_overdue") else []
        notify_event(event, kind=f"deadline.{step}", title=f"{SWEEP_TITLES.get(step, step)}：{event.title}",
                     body=f"{event.number} {kind}", extra_users=leaders)
