"""Party organizations on the area tree, co-building units (共建单位) and committee seats (班子)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed

from ..choices import CO_BUILDING_KINDS, ORG_LEVELS, PARENT_KINDS, STREET_KINDS, OfficerRole, OrgKind, UnitSector
from ..models import CoBuilding, Officer, PartyMember, PartyOrg
from ..permissions import KEEPERS
from .common import check_version, ensure_may_add, required


def election_due(term_started: dt.date | None, term_years: int) -> dt.date | None:
    """The day the next election (换届) is due: the term's start plus its years (29 Feb → 28 Feb)."""
    if term_started is None:
        return None
    year = term_started.year + term_years
    try:
        return term_started.replace(year=year)
    except ValueError:
        return term_started.replace(year=year, day=28)


def _check_place(*, kind: str, area: Area, parent: PartyOrg | None) -> None:
    if kind not in OrgKind.values:
        raise ValidationFailed("未知的组织类型 / Unknown kind.", code="validation_failed", fields={"kind": "invalid"})
    if area.level not in ORG_LEVELS[kind]:
        raise ValidationFailed("该类组织不能设在此层级的区域 / This kind of organization cannot lead an area "
                               "of this level.", code="party.org_level", fields={"area_id": "level"})
    allowed = PARENT_KINDS[kind]
    if parent is None:
        if allowed:
            raise ValidationFailed("请选择上级党组织 / A parent organization is required.", code="party.org_parent",
                                   fields={"parent_id": "required"})
        return
    if parent.kind not in allowed:
        raise ValidationFailed("上级党组织类型不符 / This parent cannot lead this kind.", code="party.org_parent",
                               fields={"parent_id": "kind"})
    if not area.path.startswith(parent.area.path):
        raise ValidationFailed("区域不在上级党组织的范围内 / The area lies outside the parent's area.",
                               code="party.org_parent", fields={"area_id": "outside_parent"})


@transaction.atomic
def org_create(*, actor, kind: str, name: str, area: Area, parent: PartyOrg | None = None, sector: str = "",
               superior_name: str = "", term_started: dt.date | None = None, term_years: int = 5) -> PartyOrg:
    """Found an organization. The chain kinds lead the area named (at the level their kind leads) and
    hang under a parent of the kind above; units and industries name where they sit."""
    name = required(name, "name", 120)
    _check_place(kind=kind, area=area, parent=parent)
    if sector and sector not in UnitSector.values:
        raise ValidationFailed("未知的行业 / Unknown sector.", code="validation_failed", fields={"sector": "invalid"})
    if not 1 <= int(term_years) <= 5:
        raise ValidationFailed("任期为1到5年 / A term is 1 to 5 years.", code="validation_failed",
                               fields={"term_years": "range"})
    org = PartyOrg(kind=kind, name=name, area=area, area_path=area.path, parent=parent,
                   sector=sector if kind in CO_BUILDING_KINDS else "", superior_name=superior_name.strip()[:120],
                   term_started=term_started, term_years=term_years,
                   election_due=election_due(term_started, term_years))
    ensure_may_add(actor, area.path, KEEPERS)
    org.save()
    audit_record(actor=actor, action="party_org.create", obj=org,
                 data={"kind": kind, "area": area.code, "parent": parent.pk if parent else None})
    return org


@transaction.atomic
def org_update(*, actor, org: PartyOrg, expected_version: int, name: str | None = None,
               term_started: dt.date | None = None, term_years: int | None = None,
               active: bool | None = None) -> PartyOrg:
    """Rename, start a new term (an election held: the reminder stage resets) or retire."""
    ensure_allowed(actor, Action.CHANGE, org)
    locked = PartyOrg.objects.select_for_update().get(pk=org.pk)
    check_version(locked, expected_version, "party.org_stale")
    before = {"name": locked.name, "term_started": str(locked.term_started), "term_years": locked.term_years,
              "active": locked.active}
    if name is not None:
        locked.name = required(name, "name", 120)
    if term_years is not None:
        if not 1 <= int(term_years) <= 5:
            raise ValidationFailed("任期为1到5年 / A term is 1 to 5 years.", code="validation_failed",
                                   fields={"term_years": "range"})
        locked.term_years = term_years
    if term_started is not None and term_started != locked.term_started:
        locked.term_started = term_started
        locked.election_stage, locked.election_reminded_at, locked.election_overdue_at = 0, None, None
    if active is not None:
        locked.active = active
    locked.election_due = election_due(locked.term_started, locked.term_years)
    locked.version += 1
    locked.save()
    audit_record(actor=actor, action="party_org.update", obj=locked,
                 data={"before": before, "after": {"name": locked.name, "term_started": str(locked.term_started),
                                                   "term_years": locked.term_years, "active": locked.active}})
    return locked


@transaction.atomic
def cobuilding_join(*, actor, street_org: PartyOrg, org: PartyOrg, joined_on: dt.date, offer: str = "") -> CoBuilding:
    """Join a unit or industry organization to a street as a co-building unit (共建单位)."""
    if street_org.kind not in STREET_KINDS:
        raise ValidationFailed("只能加入街道(镇)党(工)委 / Only a street's committee has co-building units.",
                               code="party.cobuilding_street", fields={"street_org_id": "kind"})
    if org.kind not in CO_BUILDING_KINDS:
        raise ValidationFailed("只有单位和行业党组织可作为共建单位 / Only unit and industry organizations co-build.",
                               code="party.cobuilding_kind", fields={"org_id": "kind"})
    ensure_allowed(actor, Action.CHANGE, street_org)
    link = CoBuilding(street_org=street_org, org=org, area_path=street_org.area_path, joined_on=joined_on,
                      offer=offer.strip()[:2000])
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:
        raise Conflict("该单位已是共建单位 / Already a co-building unit.", code="party.cobuilding_exists") from None
    audit_record(actor=actor, action="party_cobuilding.join", obj=link,
                 data={"street_org": street_org.pk, "org": org.pk})
    return link


@transaction.atomic
def cobuilding_leave(*, actor, link: CoBuilding, left_on: dt.date) -> CoBuilding:
    ensure_allowed(actor, Action.CHANGE, link)
    locked = CoBuilding.objects.select_for_update().get(pk=link.pk)
    if locked.left_on is not None:
        raise Conflict("已退出共建 / Already left.", code="party.cobuilding_left")
    if left_on < locked.joined_on:
        raise ValidationFailed("退出日期早于加入日期 / Left before joining.", code="validation_failed",
                               fields={"left_on": "before_joined"})
    locked.left_on = left_on
    locked.save(update_fields=["left_on"])
    audit_record(actor=actor, action="party_cobuilding.leave", obj=locked, data={"left_on": str(left_on)})
    return locked


@transaction.atomic
def officer_appoint(*, actor, org: PartyOrg, member: PartyMember, role: str, started_on: dt.date,
                    from_unit: str = "") -> Officer:
    """Seat a member on the committee. A part-time member (兼职委员) names the unit they come from and
    need not belong to this organization; any other seat is held by one of its own members. A new
    secretary ends the old secretary's seat the day before."""
    ensure_allowed(actor, Action.CHANGE, org)
    if role not in OfficerRole.values:
        raise ValidationFailed("未知的职务 / Unknown role.", code="validation_failed", fields={"role": "invalid"})
    if role == OfficerRole.PART_TIME_MEMBER:
        from_unit = required(from_unit, "from_unit", 120)
    elif member.org_id != org.pk:
        raise ValidationFailed("该党员不属于此组织 / The member does not belong to this organization.",
                               code="party.officer_member", fields={"member_id": "other_org"})
    if role == OfficerRole.SECRETARY:
        for old in Officer.objects.select_for_update().filter(org=org, role=role, ended_on__isnull=True):
            old.ended_on = max(old.started_on, started_on - dt.timedelta(days=1))
            old.save(update_fields=["ended_on"])
            audit_record(actor=actor, action="party_officer.end", obj=old, data={"ended_on": str(old.ended_on)})
    seat = Officer(org=org, member=member, area_path=org.area_path, role=role, from_unit=from_unit.strip()[:120],
                   started_on=started_on)
    try:
        with transaction.atomic():
            seat.save()
    except IntegrityError:
        raise Conflict("该党员已任此职 / The member already holds this seat.", code="party.officer_exists") from None
    audit_record(actor=actor, action="party_officer.appoint", obj=seat,
                 data={"org": org.pk, "member": member.pk, "role": role})
    return seat


@transaction.atomic
def officer_end(*, actor, seat: Officer, ended_on: dt.date) -> Officer:
    ensure_allowed(actor, Action.CHANGE, seat)
    locked = Officer.objects.select_for_update().get(pk=seat.pk)
    if locked.ended_on is not None:
        raise Conflict("已卸任 / The seat has ended.", code="party.officer_ended")
    if ended_on < locked.started_on:
        raise ValidationFailed("卸任日期早于任职日期 / Ended before it started.", code="validation_failed",
                               fields={"ended_on": "before_started"})
    locked.ended_on = ended_on
    locked.save(update_fields=["ended_on"])
    audit_record(actor=actor, action="party_officer.end", obj=locked, data={"ended_on": str(ended_on)})
    return locked
