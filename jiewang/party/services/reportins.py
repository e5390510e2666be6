"""双报到: a member's and a unit's report-in to a community, the service hours a member serves there,
and the community's yearly evaluation that goes back to the member's unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, PermissionDenied, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed
from jiewang.notifications.services import notify

from ..choices import CO_BUILDING_KINDS, EvaluationGrade, MemberKind, OfficerRole, ServicePost
from ..lifecycle import REPORT_IN, UNIT_REPORT_IN
from ..models import Officer, PartyMember, PartyOrg, ReportIn, ServiceRecord, UnitReportIn, YearlyEvaluation
from ..permissions import HANDLERS
from .common import check_version, ensure_may_add, required


def _community(area: Area) -> Area:
    if area.level != AreaLevel.COMMUNITY:
        raise ValidationFailed("请选择村(社区) / Choose a village or community.", code="party.report_in_community",
                               fields={"community_id": "level"})
    return area


def _is_self(actor, member: PartyMember) -> bool:
    return actor is not None and member.user_id is not None and member.user_id == actor.pk


@transaction.atomic
def report_in_register(*, actor, member: PartyMember, community: Area, service_post: str,
                       commitments: str = "") -> ReportIn:
    """An in-service member reports in to the community where they live (在职党员进社区报到), choosing a
    service post and writing their commitments. The member does it on their phone, or the
    community's staff on their behalf. One open report-in per member."""
    _community(community)
    if not _is_self(actor, member):
        ensure_may_add(actor, community.path, HANDLERS)
    if member.kind != MemberKind.IN_SERVICE or not member.active:
        raise ValidationFailed("只有在职党员进社区报到 / Only in-service members report in.",
                               code="party.report_in_kind", fields={"member_id": "not_in_service"})
    if service_post not in ServicePost.values:
        raise ValidationFailed("请选择服务岗位 / Choose a service post.", code="validation_failed",
                               fields={"service_post": "invalid"})
    row = ReportIn(member=member, community=community, area_path=community.path, unit_org=member.org,
                   service_post=service_post, commitments=(commitments or "").strip()[:1000],
                   registered_at=timezone.now(), registered_by=actor if getattr(actor, "pk", None) else None)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise Conflict("已有进行中的报到 / A report-in is already open.", code="party.report_in_open") from None
    audit_record(actor=actor, action="party_report_in.register", obj=row,
                 data={"member": member.pk, "community": community.code, "post": service_post})
    staff = _community_handlers(community)
    with translation.override("zh-hans"):
        notify(users=staff, kind="party", title=_("Report-in to confirm: %(name)s") % {"name": member.name},
               body=_("%(name)s (%(unit)s) reported in to %(community)s as %(post)s.") % {
                   "name": member.name, "unit": member.work_unit or member.org.name, "community": community.name,
                   "post": ServicePost(service_post).label},
               url="/party/")
    return row


def _community_handlers(community: Area):
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User

    ids = RoleGrant.objects.active().filter(
        area=community, role__in=[Role.COMMUNITY_STAFF, Role.PARTY_STAFF]).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids, is_active=True))


@transaction.atomic
def report_in_decide(*, actor, report_in: ReportIn, move: str, reason: str = "", expected_version=None) -> ReportIn:
    """The community confirms or rejects (with a reason) a registered report-in, or ends an open one
    (the member moved away: with a reason)."""
    ensure_allowed(actor, Action.CHANGE, report_in)
    locked = ReportIn.objects.select_for_update().get(pk=report_in.pk)
    check_version(locked, expected_version, "party.report_in_stale")
    changes = {"version": locked.version + 1}
    if move == "confirm":
        changes["confirmed_by"] = actor if getattr(actor, "pk", None) else None
    elif move in ("reject", "end"):
        changes["reject_reason" if move == "reject" else "end_reason"] = required(reason, "reason", 200)
    else:
        raise ValidationFailed("未知操作 / Unknown action.", code="validation_failed", fields={"move": "invalid"})
    REPORT_IN.apply(locked, move, at=timezone.now(), changes=changes)
    audit_record(actor=actor, action=f"party_report_in.{move}", obj=locked, data={"reason": reason[:200]})
    member = locked.member
    if member.user_id:
        with translation.override("zh-hans"):
            title = {"confirm": _("Your report-in was confirmed"), "reject": _("Your report-in was returned"),
                     "end": _("Your report-in has ended")}[move]
            notify(users=[member.user], kind="party", title=title,
                   body=f"{locked.community.name}" + (f"：{reason}" if reason else ""), url="/party/me/")
    return locked


@transaction.atomic
def unit_report_in_register(*, actor, org: PartyOrg, community: Area, offer: str = "") -> UnitReportIn:
    """A unit's party organization reports in to the community where it sits (单位报到)."""
    _community(community)
    if org.kind not in CO_BUILDING_KINDS:
        raise ValidationFailed("只有单位和行业党组织报到 / Only unit and industry organizations report in.",
                               code="party.report_in_kind", fields={"org_id": "kind"})
    ensure_may_add(actor, community.path, HANDLERS)
    row = UnitReportIn(org=org, community=community, area_path=community.path, offer=(offer or "").strip()[:2000],
                       registered_at=timezone.now())
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise Conflict("该单位已报到 / The unit has reported in already.", code="party.report_in_open") from None
    audit_record(actor=actor, action="party_unit_report_in.register", obj=row,
                 data={"org": org.pk, "community": community.code})
    return row


@transaction.atomic
def unit_report_in_decide(*, actor, report_in: UnitReportIn, move: str, reason: str = "") -> UnitReportIn:
    ensure_allowed(actor, Action.CHANGE, report_in)
    locked = UnitReportIn.objects.select_for_update().get(pk=report_in.pk)
    changes = {"version": locked.version + 1}
    if move == "reject":
        changes["reject_reason"] = required(reason, "reason", 200)
    elif move != "confirm":
        raise ValidationFailed("未知操作 / Unknown action.", code="validation_failed", fields={"move": "invalid"})
    UNIT_REPORT_IN.apply(locked, move, at=timezone.now(), changes=changes)
    audit_record(actor=actor, action=f"party_unit_report_in.{move}", obj=locked, data={"reason": reason[:200]})
    return locked


@transaction.atomic
def service_log(*, actor, report_in: ReportIn, served_on: dt.date, hours: Decimal, description: str,
                source: str = "manual") -> ServiceRecord:
    """Log hours a member served under a confirmed report-in. The community's staff log confirmed
    hours; the member logs their own, which count once the community confirms them."""
    ensure_allowed(actor, Action.VIEW, report_in)
    self_logged = _is_self(actor, report_in.member)
    if not self_logged:
        ensure_allowed(actor, Action.CHANGE, report_in)
    if report_in.status != "confirmed":
        raise Conflict("报到确认后才能记录服务 / Hours are logged under a confirmed report-in.",
                       code="party.report_in_not_confirmed", fields={"status": report_in.status})
    hours = Decimal(str(hours)).quantize(Decimal("0.1"))
    if not Decimal("0.5") <= hours <= Decimal("24"):
        raise ValidationFailed("服务时长为0.5到24小时 / Hours are 0.5 to 24.", code="validation_failed",
                               fields={"hours": "range"})
    today = timezone.localdate()
    if served_on > today or served_on < report_in.registered_at.date() - dt.timedelta(days=1):
        raise ValidationFailed("服务日期不在报到期间 / The date lies outside the report-in.",
                               code="validation_failed", fields={"served_on": "range"})
    now = timezone.now()
    row = ServiceRecord.objects.create(
        report_in=report_in, area_path=report_in.area_path, served_on=served_on, hours=hours,
        description=required(description, "description", 300), source=source, recorded_by=actor, recorded_at=now,
        confirmed_at=None if self_logged else now, confirmed_by=None if self_logged else actor)
    audit_record(actor=actor, action="party_service.log", obj=row,
                 data={"report_in": report_in.pk, "hours": str(hours), "self": self_logged})
    return row


@transaction.atomic
def service_confirm(*, actor, record: ServiceRecord) -> ServiceRecord:
    ensure_allowed(actor, Action.CHANGE, record)
    locked = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    if locked.confirmed_at is not None:
        raise Conflict("已确认 / Already confirmed.", code="party.service_confirmed")
    locked.confirmed_at, locked.confirmed_by = timezone.now(), actor
    locked.save(update_fields=["confirmed_at", "confirmed_by"])
    audit_record(actor=actor, action="party_service.confirm", obj=locked, data={})
    return locked


def year_totals(report_in: ReportIn, year: int) -> tuple[Decimal, int]:
    """Confirmed hours and services of ``report_in`` in ``year``."""
    agg = report_in.services.filter(served_on__year=year, confirmed_at__isnull=False).aggregate(
        hours=Sum("hours"), n=Count("id"))
    return (agg["hours"] or Decimal("0")).quantize(Decimal("0.1")), agg["n"]


@transaction.atomic
def evaluation_make(*, actor, report_in: ReportIn, year: int, grade: str, comment: str = "") -> YearlyEvaluation:
    """The community's yearly evaluation of a reported-in member: the year's confirmed hours and
    services counted now (kept as a snapshot), a grade and a comment; the report goes back to the
    member's unit organization at once (its secretary's and committee's inboxes) — "工作在单位、服务在
    社区". Once a year per report-in."""
    ensure_allowed(actor, Action.CHANGE, report_in)
    if grade not in EvaluationGrade.values:
        raise ValidationFailed("请选择评价等次 / Choose a grade.", code="validation_failed", fields={"grade": "invalid"})
    if report_in.status not in ("confirmed", "ended") or report_in.confirmed_at is None:
        raise Conflict("只能评价已确认的报到 / Only a confirmed report-in is evaluated.",
                       code="party.report_in_not_confirmed", fields={"status": report_in.status})
    if not timezone.localdate(report_in.confirmed_at).year <= year <= timezone.localdate().year:
        raise ValidationFailed("年度不在报到期间 / The year lies outside the report-in.", code="validation_failed",
                               fields={"year": "range"})
    hours, services = year_totals(report_in, year)
    now = timezone.now()
    evaluation = YearlyEvaluation(report_in=report_in, area_path=report_in.area_path, year=year, hours=hours,
                                  services=services, grade=grade, comment=(comment or "").strip()[:1000],
                                  evaluated_by=actor, evaluated_at=now)
    evaluation.report_text = evaluation_report_text(evaluation)
    try:
        with transaction.atomic():
            evaluation.save()
    except IntegrityError:
        raise Conflict("本年度已评价 / Already evaluated for this year.", code="party.evaluation_exists") from None
    recipients = _unit_officers(report_in.unit_org)
    with translation.override("zh-hans"):
        notify(users=recipients, kind="party",
               title=_("Yearly community service report: %(name)s") % {"name": report_in.member.name},
               body=evaluation.report_text, url="/party/")
    evaluation.sent_at = now
    evaluation.save(update_fields=["sent_at"])
    audit_record(actor=actor, action="party_evaluation.make", obj=evaluation,
                 data={"year": year, "grade": grade, "hours": str(hours), "services": services,
                       "sent_to": sorted(u.pk for u in recipients)})
    return evaluation


def evaluation_report_text(evaluation: YearlyEvaluation) -> str:
    """The report to the member's unit, in Chinese (the unit's party organization files it)."""
    r = evaluation.report_in
    grade = dict(EvaluationGrade.choices)[evaluation.grade]
    with translation.override("zh-hans"):
        grade, post = str(grade), str(ServicePost(r.service_post).label)
    text = (f"{r.unit_org.name}：贵单位党员{r.member.name}于{timezone.localdate(r.confirmed_at):%Y年%m月%d日}到{r.community.name}报到，"
            f"认领岗位「{post}」。{evaluation.year}年度经社区确认服务{evaluation.services}次、"
            f"共{evaluation.hours}小时，社区评价等次为「{grade}」。")
    if evaluation.comment:
        text += f"评语：{evaluation.comment}"
    return text


def _unit_officers(org: PartyOrg):
    ids = Officer.objects.filter(org=org, ended_on__isnull=True,
                                 role__in=[OfficerRole.SECRETARY, OfficerRole.DEPUTY_SECRETARY, OfficerRole.MEMBER]
                                 ).values_list("member__user_id", flat=True)
    from jiewang.accounts.models import User

    return list(User.objects.filter(pk__in=[i for i in ids if i], is_active=True))


def ensure_own(actor, member: PartyMember) -> None:
    if not _is_self(actor, member):
        raise PermissionDenied("只能操作本人的记录 / Only your own record.", code="permission_denied")
