"""Party members (党员): enrolled in one organization; the phone is encrypted and shown masked to
everyone but the keepers, each clear read audited (:func:`member_phone_reveal`)."""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone

from jiewang.accounts.models import User
from jiewang.areas.choices import AreaLevel
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed

from ..choices import MemberKind, MemberStatus
from ..models import PartyMember, PartyOrg
from ..permissions import KEEPERS, UNMASKERS
from .common import check_version, ensure_may_add, required

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def _phone(value: str) -> str:
    value = (value or "").strip().replace(" ", "").replace("-", "")
    if value and not PHONE_RE.match(value):
        raise ValidationFailed("手机号码格式不正确 / Not a mobile phone number.", code="validation_failed",
                               fields={"phone": "invalid"})
    return value


def _home_community(area):
    if area is not None and area.level != AreaLevel.COMMUNITY:
        raise ValidationFailed("居住社区须为村(社区) / The home community must be a community.",
                               code="validation_failed", fields={"home_community_id": "level"})
    return area


@transaction.atomic
def member_create(*, actor, org: PartyOrg, name: str, phone: str = "", status: str = MemberStatus.FULL,
                  kind: str = MemberKind.IN_SERVICE, work_unit: str = "", joined_party_on: dt.date | None = None,
                  user: User | None = None, home_community=None) -> PartyMember:
    """Enrol a member in ``org`` (the actor keeps it); ``home_community``: where they live, the
    community an in-service member is expected to report in to."""
    ensure_may_add(actor, org.area_path, KEEPERS)
    if not org.active:
        raise ValidationFailed("该组织已撤销 / This organization is retired.", code="validation_failed",
                               fields={"org_id": "inactive"})
    if joined_party_on is not None and joined_party_on > timezone.localdate():
        raise ValidationFailed("入党日期不能晚于今天 / The date cannot be in the future.", code="validation_failed",
                               fields={"joined_party_on": "future"})
    if status not in MemberStatus.values or kind not in MemberKind.values:
        raise ValidationFailed("状态或类别不正确 / Unknown status or kind.", code="validation_failed",
                               fields={"status" if status not in MemberStatus.values else "kind": "invalid"})
    if user is not None and PartyMember.objects.filter(user=user).exists():
        raise Conflict("该账号已关联党员 / This account is linked to a member already.", code="party.member_user_taken")
    member = PartyMember.objects.create(
        org=org, area_path=org.area_path, name=required(name, "name", 60), phone=_phone(phone), status=status,
        kind=kind, work_unit=work_unit.strip()[:120], joined_party_on=joined_party_on, user=user,
        home_community=_home_community(home_community))
    audit_record(actor=actor, action="party_member.create", obj=member,
                 data={"org": org.pk, "kind": kind, "status": status, "user": user.pk if user else None})
    return member


@transaction.atomic
def member_update(*, actor, member: PartyMember, expected_version: int, **changes) -> PartyMember:
    """Edit a member's name, phone, status, kind, work unit, home community or activity. A move to
    another organization (关系转接) is :func:`.transfers.member_transfer`, which keeps its history."""
    ensure_allowed(actor, Action.CHANGE, member)
    locked = PartyMember.objects.select_for_update().get(pk=member.pk)
    check_version(locked, expected_version, "party.member_stale")
    changed = []
    for field, value in changes.items():
        if value is None:
            continue
        if field == "name":
            value = required(value, "name", 60)
        elif field == "phone":
            value = _phone(value)
        elif field == "status" and value not in MemberStatus.values or field == "kind" and value not in MemberKind.values:
            raise ValidationFailed("取值不正确 / Invalid value.", code="validation_failed", fields={field: "invalid"})
        elif field == "home_community":
            value = _home_community(value)
        elif field not in ("work_unit", "active"):
            raise ValueError(field)
        setattr(locked, field, value)
        changed.append(field)
    locked.version += 1
    locked.save()
    audit_record(actor=actor, action="party_member.update", obj=locked,
                 data={"fields": sorted(changed)})  # values stay out of the log: personal data
    return locked


def may_unmask(actor, member: PartyMember) -> bool:
    from jiewang.core.scope import user_grants

    if actor is None or actor.is_superuser or member.user_id == actor.pk:
        return True
    return any(g.role in UNMASKERS and member.area_path.startswith(g.path) for g in user_grants(actor))


def member_phone_reveal(*, actor, member: PartyMember) -> str:
    """The member's phone in clear, for a keeper of the member's organization (or the member), with an
    audit row for every read."""
    ensure_allowed(actor, Action.VIEW, member)
    if not may_unmask(actor, member):
        from jiewang.core.errors import PermissionDenied

        raise PermissionDenied("您无权查看完整号码 / You may not see the full number.", code="party.unmask_denied")
    audit_record(actor=actor, action="party_member.reveal_phone", obj=member, data={})
    return member.phone
