"""Reads of the assessment, scoped: the command center's people read the runs of their town
(through ``restrict``), a district administrator the district's and its towns'; department staff
read only their own department's rows of published runs."""

from __future__ import annotations

from django.db.models import F, Q

from jiewang.core.errors import NotFound
from jiewang.core.scope import Action, restrict, user_grants

from .choices import ExclusionStatus, Population, RunStatus
from .models import Exclusion, Indicator, MemberScore, Result, Run
from .permissions import READERS, staff_department_ids


def department_view(user) -> set[int]:
    """The departments whose own rows ``user`` reads (staff only, not readers of the runs)."""
    if user is None or user.is_superuser:
        return set()
    return staff_department_ids(user)


def runs(*, user, area=None, period: str | None = None):
    qs = restrict(Run.objects.all(), user, Action.VIEW)
    depts = department_view(user)
    if depts:
        paths = [g.path for g in user_grants(user) if g.department_id in depts]
        q = Q(pk__in=[])
        for p in paths:
            q |= Q(area_path__startswith=p)
        qs = qs | Run.objects.filter(q, status=RunStatus.PUBLISHED, scores__population=Population.DEPARTMENT,
                                     scores__member_id__in=list(depts))
    if area is not None:
        qs = qs.filter(area=area)
    if period:
        qs = qs.filter(period=period)
    return qs.distinct().select_related("area").order_by("-period_start", "area__path", "-version")


def run_get(*, user, run_id: int) -> Run:
    run = runs(user=user).filter(pk=run_id).first()
    if run is None:
        raise NotFound("考核结果不存在 / Assessment not found.", code="not_found")
    return run


def reads_whole_run(user, run: Run) -> bool:
    return user.is_superuser or restrict(Run.objects.filter(pk=run.pk), user, Action.VIEW).exists()


def run_scores(*, user, run: Run, population: str | None = None, scheme: str | None = None):
    qs = run.scores.all()
    if not reads_whole_run(user, run):
        qs = qs.filter(population=Population.DEPARTMENT, member_id__in=list(department_view(user)))
    if population:
        qs = qs.filter(population=population)
    if scheme:
        qs = qs.filter(scheme=scheme)
    return qs.order_by("population", "scheme", F("rank").asc(nulls_last=True), "member_name", "member_id")


def member_breakdown(*, user, run: Run, population: str, member_id: int) -> tuple[list[MemberScore], list[Result]]:
    scores = list(run_scores(user=user, run=run, population=population).filter(member_id=member_id))
    if not scores:
        raise NotFound("考核对象不存在 / Member not found.", code="not_found")
    results = list(run.results.filter(population=population, member_id=member_id).select_related("indicator")
                   .order_by("indicator__scheme", "indicator__order", "indicator__code"))
    return scores, results


def exclusions(*, user, status: str | None = None):
    qs = restrict(Exclusion.objects.all(), user, Action.VIEW)
    if user is not None and not user.is_superuser:
        # requesters see their own requests too
        qs = qs | Exclusion.objects.filter(requested_by=user)
    if status:
        qs = qs.filter(status=status)
    return qs.distinct().select_related("event", "requested_by", "decided_by").order_by("-requested_at", "-id")


def exclusion_get(*, user, exclusion_id: int) -> Exclusion:
    ex = exclusions(user=user).filter(pk=exclusion_id).first()
    if ex is None:
        raise NotFound("申请不存在 / Request not found.", code="not_found")
    return ex


def pending_exclusions(*, user):
    return exclusions(user=user, status=ExclusionStatus.PENDING)


def indicators(*, user):
    """The active indicators, for anyone who reads runs or is assessed as a department."""
    qs = Indicator.objects.filter(is_active=True).order_by("population", "scheme", "order", "code")
    if user.is_superuser or any(g.role in READERS or g.department_id for g in user_grants(user)):
        return qs
    return qs.none()


def assessable_areas(*, user):
    """The towns and districts whose runs ``user`` reads."""
    from jiewang.areas.choices import AreaLevel
    from jiewang.areas.models import Area

    qs = Area.objects.filter(level__in=[AreaLevel.DISTRICT, AreaLevel.TOWN], valid_to__isnull=True)
    if not user.is_superuser:
        paths = [g.path for g in user_grants(user) if g.role in READERS]
        q = Q(pk__in=[])
        for p in paths:
            q |= Q(path__startswith=p)
        qs = qs.filter(q)
    return list(qs.order_by("path")[:200])
