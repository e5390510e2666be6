"""组织关系转接: a member moves from one party organization to another. The member's ``org`` changes;
a :class:`~jiewang.party.models.MemberTransfer` row keeps where they were, when and who moved them;
the committee seats they held by membership of the old organization end that day (a part-time
seat, 兼职委员, comes from a unit and stays); the officers of both organizations are told."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed
from jiewang.notifications.services import notify

from ..choices import OfficerRole
from ..models import MemberTransfer, Officer, PartyMember, PartyOrg
from ..permissions import KEEPERS
from .common import check_version, ensure_may_add


def officer_users(org: PartyOrg) -> list:
    """The accounts of the organization's sitting committee (every seat, part-time included)."""
    ids = Officer.objects.filter(org=org, ended_on__isnull=True, member__user__isnull=False
                                 ).values_list("member__user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=set(ids), is_active=True))


@transaction.atomic
def member_transfer(*, actor, member: PartyMember, to_org: PartyOrg, reason: str = "",
                    transferred_on: dt.date | None = None, expected_version: int | None = None) -> MemberTransfer:
    """Move ``member`` into ``to_org``. The actor keeps the member (their organization's subtree) and
    must keep ``to_org`` too: a transfer into an organization outside the actor's scope is refused
    (404 when they cannot see it, 403 when they only read it) and nothing changes. A transfer dated
    in the future, into the same or a retired organization, is refused."""
    ensure_allowed(actor, Action.CHANGE, member)
    ensure_may_add(actor, to_org.area_path, KEEPERS)
    today = timezone.localdate()
    transferred_on = transferred_on or today
    if transferred_on > today:
        raise ValidationFailed("转接日期不能晚于今天 / The date cannot be in the future.", code="validation_failed",
                               fields={"transferred_on": "future"})
    locked = PartyMember.objects.select_for_update().select_related("org").get(pk=member.pk)
    check_version(locked, expected_version, "party.member_stale")
    if not locked.active:
        raise Conflict("该党员已不在册 / The member is no longer active.", code="party.member_inactive")
    if to_org.pk == locked.org_id:
        raise ValidationFailed("已在该组织 / The member already belongs to this organization.",
                               code="party.transfer_same_org", fields={"to_org_id": "same"})
    if not to_org.active:
        raise ValidationFailed("该组织已撤销 / This organization is retired.", code="party.transfer_org_inactive",
                               fields={"to_org_id": "inactive"})
    from_org = locked.org
    seats = list(Officer.objects.select_for_update().filter(org=from_org, member=locked, ended_on__isnull=True)
                 .exclude(role=OfficerRole.PART_TIME_MEMBER))
    for seat in seats:
        seat.ended_on = max(seat.started_on, transferred_on)
        seat.save(update_fields=["ended_on"])
        audit_record(actor=actor, action="party_officer.end", obj=seat,
                     data={"ended_on": str(seat.ended_on), "why": "transfer"})
    row = MemberTransfer.objects.create(
        member=locked, from_org=from_org, to_org=to_org, from_path=from_org.area_path, to_path=to_org.area_path,
        transferred_on=transferred_on, reason=(reason or "").strip()[:200], seats_ended=len(seats), actor=actor,
        created_at=timezone.now())
    locked.org, locked.area_path, locked.version = to_org, to_org.area_path, locked.version + 1
    locked.save(update_fields=["org", "area_path", "version"])
    audit_record(actor=actor, action="party_member.transfer", obj=locked,
                 data={"from_org": from_org.pk, "to_org": to_org.pk, "transfer": row.pk, "seats_ended": len(seats)})
    users = {u.pk: u for u in officer_users(from_org) + officer_users(to_org)}
    with translation.override("zh-hans"):
        notify(users=users.values(), kind="party",
               title=_("Member transferred: %(name)s") % {"name": locked.name},
               body=_("%(name)s moved from %(from)s to %(to)s on %(day)s.") % {
                   "name": locked.name, "from": from_org.name, "to": to_org.name, "day": transferred_on.isoformat()},
               url="/party/")
    return row
