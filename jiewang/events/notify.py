"""Who must act now on an event, and telling them (in-app inbox; SMS when urgent).

Called after every transition (a transition hook), after intake, and by the sweeper for
warnings, overdue marks and supervision. Department staff are added by dispatching's own hook.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from django.db import connection

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant, User
from jiewang.core import fastsql
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


def _clock_label(kind: str) -> str:
    """A clock's name in the notification text (its kind is a code: "handle" → 办理)."""
    from .models import DeadlineKind

    return str(DeadlineKind(kind).label) if kind in DeadlineKind.values else kind


class Recipient(NamedTuple):
    """Who a notification goes to, read in one query (no User object is built): what
    :func:`jiewang.notifications.services.notify` needs of a user."""

    pk: int
    phone: str = ""
    is_active: bool = True


def recipients_with_role(area_path: str, roles, *, phones: bool = False) -> list[Recipient]:
    """Active users holding one of ``roles`` (an active grant) on an area of ``area_path`` (the
    area and its ancestors), ordered by id; their phones only when a text will be sent
    (decrypting costs).

    Every report and transition asks this, so it is one statement written once per shape rather
    than an ORM query compiled on each call (which cost ~10 times the database's work); a test
    holds it equal to the ORM's answer."""
    chain = [int(x) for x in area_path.strip("/").split("/") if x]
    roles = list(roles)
    if not chain or not roles:
        return []
    rows = fastsql.execute(_recipients_sql(len(chain), len(roles), phones), [*chain, *roles, fastsql.now()],
                           fetch="all")
    if not phones:
        return [Recipient(pk) for pk in dict.fromkeys(r[0] for r in rows)]
    phone_field = User._meta.get_field("phone")
    return [Recipient(pk, phone_field.from_db_value(phone, None, connection) or "")
            for pk, phone in dict(rows).items()]


@functools.cache
def _recipients_sql(n_areas: int, n_roles: int, phones: bool) -> str:
    def col(model, name):
        return fastsql.column(model, name)

    qn = connection.ops.quote_name
    select = col(RoleGrant, "user") + (f", {col(User, 'phone')}" if phones else "")
    return (f"SELECT {select} FROM {qn(RoleGrant._meta.db_table)} INNER JOIN {qn(User._meta.db_table)} "
            f"ON {col(RoleGrant, 'user')} = {col(User, 'id')} "
            f"WHERE {col(RoleGrant, 'area')} IN ({', '.join(['%s'] * n_areas)}) "
            f"AND {col(RoleGrant, 'role')} IN ({', '.join(['%s'] * n_roles)}) "
            f"AND ({col(RoleGrant, 'valid_to')} IS NULL OR {col(RoleGrant, 'valid_to')} > %s) "
            f"AND {col(User, 'is_active')} ORDER BY {col(RoleGrant, 'user')}")


def users_with_role(event: Event, roles) -> list[Recipient]:
    return recipients_with_role(event.area_path, roles, phones=event.urgency != Urgency.NORMAL)


def who_must_act(event: Event) -> list[Recipient]:
    """The people who hold the next step by area role (departments are added by dispatching)."""
    role = _role_for(event)
    if role is not None:
        return users_with_role(event, [role])
    if event.status == EventStatus.CLOSED and event.reporter_id:
        return [Recipient(pk, phone or "") for pk, phone in
                User.objects.filter(pk=event.reporter_id, is_active=True).values_list("pk", "phone")]
    return []


def notify_event(event: Event, *, kind: str, title: str | None = None, body: str = "", extra_users=(),
                 users=None) -> int:
    """Tell who must act now (``users``: already resolved, e.g. by intake before its transaction)."""
    users = (who_must_act(event) if users is None else list(users)) + list(extra_users)
    title = title or f"{TITLES.get(event.status) or event.get_status_display()}：{event.title}"
    return notify(users=users, kind=kind, title=title, body=body or event.number, event_number=event.number,
                  url=f"/events/{event.number}/", sms=event.urgency != Urgency.NORMAL)


def on_transition(event: Event, activity) -> None:
    notify_event(event, kind=f"event.{activity.action}")


SWEEP_TITLES = {"deadline_warning": "临期预警", "overdue": "已超期", "remind": "催办", "supervise": "督办",
                "escalate_overdue": "超期升级"}


def _role_for(event: Event) -> str | None:
    """The area role that holds the next step (None: departments or the reporter; see
    :func:`who_must_act`)."""
    status, level = event.status, event.level
    if status in (EventStatus.REPORTED, EventStatus.ACCEPTED) or (
            status == EventStatus.HANDLING and level != HandlingLevel.DEPARTMENT):
        return LEVEL_ROLE.get(level)
    if status == EventStatus.FEEDBACK:
        return Role.GRID_WORKER
    return None


def on_sweep(rows, step: str, now) -> None:
    """Sweeper listener: tell the ones who must act; supervision also reaches the town leaders.

    A sweep may fire thousands of clocks at once, so recipients are resolved for the whole batch
    with one query for the grants and one insert for the notifications."""
    from jiewang.notifications.models import Notification, OutboundMessage

    rows = [r for r in rows if r[2] not in ("report_in",)]
    if not rows:
        return
    events = {e.pk: e for e in Event.objects.filter(pk__in={r[1] for r in rows})
              .only("id", "number", "title", "status", "level", "area_path", "urgency", "reporter_id")}
    leaders_too = step in ("supervise", "escalate_overdue")
    chains = {pk: [int(x) for x in e.area_path.strip("/").split("/") if x] for pk, e in events.items()}
    area_ids = {a for chain in chains.values() for a in chain}
    holders: dict[tuple[int, str], set[int]] = {}
    for area_id, role, user_id in RoleGrant.objects.active().filter(
            area_id__in=area_ids, user__is_active=True).values_list("area_id", "role", "user_id"):
        holders.setdefault((area_id, role), set()).add(user_id)
    title_word = SWEEP_TITLES.get(step, step)
    inbox, sms_users = [], {}
    for row in rows:
        event_id, kind = row.event_id, row.kind
        event = events.get(event_id)
        if event is None:
            continue
        users: set[int] = set()
        role = _role_for(event)
        for area_id in chains[event_id]:
            if role:
                users |= holders.get((area_id, role), set())
            if leaders_too:
                users |= holders.get((area_id, Role.TOWN_LEADER), set())
        if event.status == EventStatus.CLOSED and event.reporter_id:
            users.add(event.reporter_id)
        for uid in users:
            inbox.append(Notification(recipient_id=uid, kind=f"deadline.{step}", title=f"{title_word}：{event.title}"[:200],
                                      body=f"{event.number} {_clock_label(kind)}", event_number=event.number,
                                      url=f"/events/{event.number}/", created_at=now))
            if event.urgency != Urgency.NORMAL:
                sms_users.setdefault(uid, f"【结网】{title_word}：{event.title} {event.number}"[:500])
    Notification.objects.bulk_create(inbox, batch_size=2000)
    if sms_users:
        phones = dict(User.objects.filter(pk__in=sms_users).values_list("pk", "phone"))
        OutboundMessage.objects.bulk_create([
            OutboundMessage(recipient_id=uid, channel="sms", address=phones[uid], body=body, created_at=now,
                            next_attempt_at=now) for uid, body in sms_users.items() if phones.get(uid)])
