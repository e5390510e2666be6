"""Election reminders (换届提醒). Each organization's term runs to ``election_due``; the worker's
``party.elections_due`` job (hourly) reminds ``PARTY_ELECTION_REMINDER_DAYS`` (default 180) days
ahead and again once the day has passed (overdue). Each step is a conditional UPDATE on
``election_stage``, so it happens exactly once however often or concurrently the sweep runs; a new
term (``org_update`` with a new ``term_started``) resets the stage."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant, User
from jiewang.audit.services import audit_record
from jiewang.notifications.services import notify

from ..choices import OfficerRole
from ..models import Officer, PartyOrg

REMINDED, OVERDUE = 1, 2


def lead_days() -> int:
    return int(getattr(settings, "PARTY_ELECTION_REMINDER_DAYS", 180))


def recipients(org: PartyOrg) -> list:
    """The organization's secretary and deputies, and the party-building staff and commanders over its
    area (the superior organization's people)."""
    seat_users = Officer.objects.filter(org=org, ended_on__isnull=True,
                                        role__in=[OfficerRole.SECRETARY, OfficerRole.DEPUTY_SECRETARY]
                                        ).values_list("member__user_id", flat=True)
    ancestors = [int(x) for x in org.area_path.strip("/").split("/") if x]
    staff = RoleGrant.objects.active().filter(area_id__in=ancestors, role__in=[Role.PARTY_STAFF, Role.COMMANDER]
                                              ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in={*[u for u in seat_users if u], *staff}, is_active=True))


def elections_sweep(now: dt.datetime | None = None) -> dict:
    """Raise due reminders and overdue notices; returns how many of each."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"reminded": 0, "overdue": 0}
    base = PartyOrg.objects.filter(active=True, election_due__isnull=False)
    for org in base.filter(election_stage__lt=OVERDUE, election_due__lte=today):
        counts["overdue"] += _step(org, OVERDUE, now)
    horizon = today + dt.timedelta(days=lead_days())
    for org in base.filter(election_stage__lt=REMINDED, election_due__gt=today, election_due__lte=horizon):
        counts["reminded"] += _step(org, REMINDED, now)
    return counts


@transaction.atomic
def _step(org: PartyOrg, stage: int, now) -> int:
    stamp = {"election_reminded_at": now} if stage == REMINDED else {"election_overdue_at": now}
    won = PartyOrg.objects.filter(pk=org.pk, election_stage__lt=stage).update(election_stage=stage, **stamp)
    if not won:
        return 0
    with translation.override("zh-hans"):
        args = {"org": org.name, "due": f"{org.election_due:%Y-%m-%d}"}
        if stage == REMINDED:
            title, body = (_("Election due: %(org)s") % args,
                           _("The term of %(org)s ends on %(due)s; prepare the election.") % args)
        else:
            title, body = (_("Election overdue: %(org)s") % args,
                           _("The term of %(org)s ended on %(due)s and no new term is recorded.") % args)
    notify(users=recipients(org), kind="party", title=title, body=body, url="/party/")
    audit_record(actor=None, action="party_org.election_" + ("reminded" if stage == REMINDED else "overdue"),
                 obj=org, data={"due": str(org.election_due)})
    return 1
