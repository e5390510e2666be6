"""The street's joint conference (区域化党建联席会议): meetings with agenda, attending member units and
minutes; each resolution's follow-up items with an owner and a deadline. ``followups_sweep`` (the
worker's ``party.followups_due``, hourly) marks an open item overdue the day after its deadline and
reminds its owner unit's secretary and the street's party people — once (a conditional UPDATE on
``overdue_at``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed
from jiewang.notifications.services import notify

from ..choices import STREET_KINDS, FollowUpStatus
from ..models import CoBuilding, FollowUp, Meeting, PartyOrg
from .common import required
from .elections import recipients


@transaction.atomic
def meeting_create(*, actor, street_org: PartyOrg, title: str, held_on: dt.date, agenda: str = "", minutes: str = "",
                   attendees: list[PartyOrg] = ()) -> Meeting:
    if street_org.kind not in STREET_KINDS:
        raise ValidationFailed("联席会议由街道(镇)党(工)委召开 / The street's committee holds the conference.",
                               code="party.meeting_street", fields={"street_org_id": "kind"})
    ensure_allowed(actor, Action.CHANGE, street_org)
    members = set(CoBuilding.objects.filter(street_org=street_org).values_list("org_id", flat=True))
    strangers = [o.pk for o in attendees if o.pk not in members]
    if strangers:
        raise ValidationFailed("参会单位须为共建单位 / Attendees are the street's co-building units.",
                               code="party.meeting_attendee", fields={"attendee_ids": strangers})
    meeting = Meeting.objects.create(street_org=street_org, area_path=street_org.area_path,
                                     title=required(title, "title", 100), held_on=held_on,
                                     agenda=(agenda or "").strip()[:4000], minutes=(minutes or "").strip()[:8000],
                                     created_by=actor if getattr(actor, "pk", None) else None,
                                     created_at=timezone.now())
    meeting.attendees.set(attendees)
    audit_record(actor=actor, action="party_meeting.create", obj=meeting,
                 data={"held_on": str(held_on), "attendees": sorted(o.pk for o in attendees)})
    return meeting


@transaction.atomic
def followup_add(*, actor, meeting: Meeting, resolution: str, due_on: dt.date, owner_org: PartyOrg | None = None,
                 owner_name: str = "") -> FollowUp:
    ensure_allowed(actor, Action.CHANGE, meeting)
    if due_on < meeting.held_on:
        raise ValidationFailed("期限早于会议日期 / Due before the meeting.", code="validation_failed",
                               fields={"due_on": "before_meeting"})
    item = FollowUp.objects.create(meeting=meeting, area_path=meeting.area_path,
                                   resolution=required(resolution, "resolution", 300), owner_org=owner_org,
                                   owner_name=required(owner_name or (owner_org.name if owner_org else ""),
                                                       "owner_name", 60), due_on=due_on)
    audit_record(actor=actor, action="party_followup.add", obj=item,
                 data={"meeting": meeting.pk, "due_on": str(due_on), "owner_org": owner_org.pk if owner_org else None})
    return item


@transaction.atomic
def followup_done(*, actor, item: FollowUp, result: str) -> FollowUp:
    ensure_allowed(actor, Action.CHANGE, item)
    locked = FollowUp.objects.select_for_update().get(pk=item.pk)
    if locked.status != FollowUpStatus.OPEN:
        raise Conflict("该事项已办结 / Already done.", code="party.followup_done")
    locked.status, locked.result, locked.done_at = FollowUpStatus.DONE, required(result, "result", 300), timezone.now()
    locked.save(update_fields=["status", "result", "done_at"])
    audit_record(actor=actor, action="party_followup.done", obj=locked, data={"late": locked.overdue_at is not None})
    return locked


def followups_sweep(now: dt.datetime | None = None) -> int:
    """Mark open items past their deadline overdue and remind, once each; returns how many."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    n = 0
    for item in FollowUp.objects.select_related("meeting__street_org", "owner_org").filter(
            status=FollowUpStatus.OPEN, overdue_at__isnull=True, due_on__lt=today):
        with transaction.atomic():
            if not FollowUp.objects.filter(pk=item.pk, overdue_at__isnull=True).update(overdue_at=now):
                continue
            users = {u.pk: u for u in recipients(item.meeting.street_org)}
            if item.owner_org is not None:
                users.update({u.pk: u for u in recipients(item.owner_org)})
            with translation.override("zh-hans"):
                args = {"item": item.resolution[:40], "due": f"{item.due_on:%Y-%m-%d}", "owner": item.owner_name}
                notify(users=users.values(), kind="party", title=_("Resolution item overdue: %(item)s") % args,
                       body=_("%(owner)s was to finish it by %(due)s.") % args, url="/party/")
            audit_record(actor=None, action="party_followup.overdue", obj=item, data={"due_on": str(item.due_on)})
            n += 1
    return n
