"""The demo's supervision log (督导台账). The history already fills most of it: the deadline
sweeper runs between its steps, so every overdue clock climbs 催办 → 督办 → 升级 into the log, and
the scenarios' 催办/督办 by hand are recorded too; the staff acting afterwards settle the entries.
What the history does not do is the command center's 限期督办 (a formal supervision of one
handler with a reply deadline): this module issues a few, by the demo town's commander and duty
leader, on its open dispatched work, in the last hour before the history ends, each after its event's last step (so that they are
part of the history as seeded and a ``--force`` reseed still recognizes it)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.db.models import Max

NOTES = ["请于今日内反馈处置进展", "群众反映强烈，请限期办结", "请主要负责同志牵头落实", "请说明超期原因并提出整改措施"]


def seed_supervision(*, until: dt.datetime | None, limit: int = 6) -> int:
    """Issue up to ``limit`` 限期督办 in the demo town ending at ``until``; the number issued."""
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User
    from jiewang.core.errors import ApplicationError
    from jiewang.dispatching.models import OPEN_ASSIGNMENT, Assignment
    from jiewang.events.models import EventActivity
    from jiewang.supervision.services.entries import supervision_issue

    issuers = [u for u in (User.objects.filter(username=name).first() for name in ("commander", "duty_leader")) if u]
    grant = RoleGrant.objects.filter(role=Role.COMMANDER, user__username="commander").first()
    if until is None or not issuers or grant is None:
        return 0
    work = list(Assignment.objects.filter(status__in=OPEN_ASSIGNMENT, event__town_id=grant.area_id, area__isnull=True,
                                          event__status__in=["dispatched", "handling", "feedback"],
                                          dispatched_at__lt=until)
                .select_related("event__category", "department", "post").order_by("-dispatched_at")[:limit])
    issued = 0
    for i, a in enumerate(work):
        # After the event's last step (its timeline runs forward), before the history's end.
        last = EventActivity.objects.filter(event_id=a.event_id).aggregate(m=Max("at"))["m"]
        at = max(until - dt.timedelta(minutes=10 * (limit - i)), last + dt.timedelta(minutes=1))
        if at > until:
            continue
        try:
            with mock.patch("django.utils.timezone.now", return_value=at):
                supervision_issue(actor=issuers[i % len(issuers)], event=a.event, assignment=a,
                                  note=NOTES[i % len(NOTES)])
        except ApplicationError:
            continue
        issued += 1
    return issued
