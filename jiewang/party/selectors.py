"""Party building's reads, each restricted by the user's scope (``permissions.py``)."""

from __future__ import annotations

from django.db.models import Q, QuerySet, Sum

from jiewang.core.errors import NotFound
from jiewang.core.scope import Action, restrict

from .models import CoBuilding, Officer, PartyMember, PartyOrg, ReportIn, ServiceRecord, UnitReportIn, YearlyEvaluation


def _get(qs: QuerySet, pk: int, what: str):
    row = qs.filter(pk=pk).first()
    if row is None:
        raise NotFound("对象不存在 / Not found.", code=f"party.{what}_not_found")
    return row


def org_list(*, user, kind: str | None = None, area_id: int | None = None) -> QuerySet:
    qs = restrict(PartyOrg.objects.select_related("area", "parent"), user, Action.VIEW)
    if kind:
        qs = qs.filter(kind=kind)
    if area_id:
        qs = qs.filter(area_id=area_id)
    return qs


def org_get(*, user, org_id: int) -> PartyOrg:
    return _get(org_list(user=user), org_id, "org")


def org_tree(*, user) -> list[dict]:
    """The organizations the user may see as nested nodes (children by ``parent``; an organization
    whose parent is out of sight is a root)."""
    rows = list(org_list(user=user).order_by("area_path", "id"))
    by_id = {o.pk: {"org": o, "children": []} for o in rows}
    roots = []
    for o in rows:
        node = by_id[o.pk]
        (by_id[o.parent_id]["children"] if o.parent_id in by_id else roots).append(node)
    return roots


def officers(*, user, org: PartyOrg, current: bool = True) -> QuerySet:
    qs = restrict(Officer.objects.select_related("member"), user, Action.VIEW).filter(org=org)
    return qs.filter(ended_on__isnull=True) if current else qs


def cobuilders(*, user, street_org: PartyOrg | None = None) -> QuerySet:
    qs = restrict(CoBuilding.objects.select_related("org", "street_org"), user, Action.VIEW)
    return qs.filter(street_org=street_org) if street_org is not None else qs


def cobuilding_get(*, user, link_id: int) -> CoBuilding:
    return _get(cobuilders(user=user), link_id, "cobuilding")


def seat_get(*, user, seat_id: int) -> Officer:
    return _get(restrict(Officer.objects.select_related("org", "member"), user, Action.VIEW), seat_id, "seat")


def member_list(*, user, org_id: int | None = None, q: str = "") -> QuerySet:
    qs = restrict(PartyMember.objects.select_related("org"), user, Action.VIEW)
    if org_id:
        qs = qs.filter(org_id=org_id)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(work_unit__contains=q))
    return qs


def member_get(*, user, member_id: int) -> PartyMember:
    return _get(member_list(user=user), member_id, "member")


def report_in_list(*, user, status: str | None = None, community_id: int | None = None) -> QuerySet:
    qs = restrict(ReportIn.objects.select_related("member", "community", "unit_org"), user, Action.VIEW)
    if status:
        qs = qs.filter(status=status)
    if community_id:
        qs = qs.filter(community_id=community_id)
    return qs


def report_in_get(*, user, report_in_id: int) -> ReportIn:
    return _get(report_in_list(user=user), report_in_id, "report_in")


def unit_report_in_list(*, user, status: str | None = None) -> QuerySet:
    qs = restrict(UnitReportIn.objects.select_related("org", "community"), user, Action.VIEW)
    return qs.filter(status=status) if status else qs


def unit_report_in_get(*, user, unit_report_in_id: int) -> UnitReportIn:
    return _get(unit_report_in_list(user=user), unit_report_in_id, "unit_report_in")


def services(*, user, report_in: ReportIn) -> QuerySet:
    return restrict(ServiceRecord.objects.all(), user, Action.VIEW).filter(report_in=report_in)


def service_get(*, user, service_id: int) -> ServiceRecord:
    return _get(restrict(ServiceRecord.objects.select_related("report_in__member"), user, Action.VIEW),
                service_id, "service")


def evaluation_list(*, user, year: int | None = None) -> QuerySet:
    qs = restrict(YearlyEvaluation.objects.select_related("report_in__member", "report_in__community"), user,
                  Action.VIEW)
    return qs.filter(year=year) if year else qs


def my_record(*, user) -> dict | None:
    """A member's own page: their member row, report-ins (newest first), confirmed and pending hours,
    evaluations. None when the account is not linked to a member."""
    member = PartyMember.objects.select_related("org").filter(user=user).first() if user.is_authenticated else None
    if member is None:
        return None
    report_ins = list(ReportIn.objects.select_related("community").filter(member=member))
    records = ServiceRecord.objects.filter(report_in__member=member)
    confirmed = records.filter(confirmed_at__isnull=False).aggregate(h=Sum("hours"))["h"] or 0
    pending = records.filter(confirmed_at__isnull=True).aggregate(h=Sum("hours"))["h"] or 0
    return {"member": member, "report_ins": report_ins, "confirmed_hours": confirmed, "pending_hours": pending,
            "services": list(records.order_by("-served_on", "-id")[:50]),
            "evaluations": list(YearlyEvaluation.objects.filter(report_in__member=member))}


def wish_list(*, user, status: str | None = None, mine: bool = False) -> QuerySet:
    from .models import Wish

    qs = restrict(Wish.objects.select_related("community", "grid", "claimant_member", "claimant_org"), user,
                  Action.VIEW)
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(Q(requester_id=user.pk) | Q(posted_by_id=user.pk) | Q(claimant_member__user_id=user.pk))
    return qs


def wish_get(*, user, wish_id: int):
    return _get(wish_list(user=user), wish_id, "wish")


def need_list(*, user, status: str | None = None, community_id: int | None = None) -> QuerySet:
    from .models import Need

    qs = restrict(Need.objects.select_related("community"), user, Action.VIEW)
    if status:
        qs = qs.filter(status=status)
    return qs.filter(community_id=community_id) if community_id else qs


def need_get(*, user, need_id: int):
    return _get(need_list(user=user), need_id, "need")


def resource_list(*, user, category: str | None = None) -> QuerySet:
    from .models import Resource

    qs = restrict(Resource.objects.select_related("provider").annotate(used=Sum("uses__amount")), user, Action.VIEW)
    return qs.filter(category=category) if category else qs


def resource_get(*, user, resource_id: int):
    return _get(resource_list(user=user), resource_id, "resource")


def project_list(*, user, status: str | None = None) -> QuerySet:
    from .models import Project

    qs = restrict(Project.objects.select_related("need__community").prefetch_related("uses__resource"), user,
                  Action.VIEW)
    return qs.filter(status=status) if status else qs


def project_get(*, user, project_id: int):
    return _get(project_list(user=user), project_id, "project")


def meeting_list(*, user) -> QuerySet:
    from .models import Meeting

    return restrict(Meeting.objects.select_related("street_org").prefetch_related("attendees", "followups"), user,
                    Action.VIEW)


def meeting_get(*, user, meeting_id: int):
    return _get(meeting_list(user=user), meeting_id, "meeting")


def followup_list(*, user, status: str | None = None, overdue: bool = False) -> QuerySet:
    from .models import FollowUp

    qs = restrict(FollowUp.objects.select_related("meeting", "owner_org"), user, Action.VIEW)
    if status:
        qs = qs.filter(status=status)
    return qs.filter(overdue_at__isnull=False, status="open") if overdue else qs


def followup_get(*, user, followup_id: int):
    return _get(followup_list(user=user), followup_id, "followup")


def ensure_street_reader(*, user, street) -> None:
    """The street-wide reports are for those who read party data over the whole street (a grant on it
    or above); others get 404, as for an area they cannot see."""
    from jiewang.core.scope import user_grants

    from .permissions import VIEWERS

    if user.is_superuser or any(g.role in VIEWERS and street.path.startswith(g.path) for g in user_grants(user)):
        return
    raise NotFound("区域不存在 / Area not found.", code="area.not_found")


def transfer_list(*, user, member_id: int | None = None) -> QuerySet:
    """Transfers between organizations (组织关系转接) seen by the keepers of either side, newest first."""
    from .models import MemberTransfer

    qs = restrict(MemberTransfer.objects.select_related("member", "from_org", "to_org"), user, Action.VIEW)
    if member_id:
        qs = qs.filter(member_id=member_id)
    return qs
