"""考核 — the assessment pages (``/assessment/``): a period's ranking table per population and
scheme with the red and black lists and the differences from the published version, a member's
breakdown (raw counts beside every value), and the exclusions to request and decide. Compute and
publish buttons are shown to the roles that may (the town's leaders for a town, the district
administrator for a district). Reads through ``jiewang.assessment.selectors``, writes through its
services; a refused write shows the service's message and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiewang.accounts.choices import Role
from jiewang.assessment import selectors
from jiewang.assessment.choices import ExclusionKind, ExclusionStatus, Population, RunStatus, scheme_label
from jiewang.assessment.permissions import READERS, deciders_for, roles_over, TOWN_DECIDERS
from jiewang.assessment.services import engine
from jiewang.assessment.services import exclusions as ex_svc
from jiewang.assessment.services.periods import last_month
from jiewang.core.errors import ApplicationError
from jiewang.events.selectors import event_get

from ..command.helpers import not_found, role_required

assessment_required = role_required(set(READERS) | {Role.DEPARTMENT_STAFF})


def _int(value) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if 0 < n < 2**62 else None


def _may_decide(user, area) -> bool:
    return user.is_superuser or bool(roles_over(user, area.path) & deciders_for(area))


def _back(area_id, period, **extra) -> str:
    q = {"area": area_id, "period": period, **{k: v for k, v in extra.items() if v}}
    return f"{reverse('web:assessment')}?{urlencode(q)}"


@assessment_required
def overview(request):
    areas = selectors.assessable_areas(user=request.user)
    period = (request.GET.get("period") or last_month(timezone.localdate()))[:8]
    area = None
    wanted = _int(request.GET.get("area"))
    for a in areas:
        if wanted is None or a.id == wanted:
            area = a
            break
    if wanted is not None and area is None:
        return not_found(request)
    runs = list(selectors.runs(user=request.user, area=area, period=period)) if area else \
        [r for r in selectors.runs(user=request.user, period=period)][:1]
    run = None
    chosen = _int(request.GET.get("run"))
    for r in runs:
        if (chosen and r.id == chosen) or (not chosen and r.status in (RunStatus.DRAFT, RunStatus.PUBLISHED)):
            run = r
            break
    if chosen and run is None:
        return not_found(request)
    if area is None and run is not None:
        area = run.area
    population = request.GET.get("population") or ""
    scheme = (request.GET.get("scheme") or "general")[:24]
    scores, pops, schemes = [], [], []
    if run is not None:
        all_scores = selectors.run_scores(user=request.user, run=run)
        pops = sorted({s.population for s in all_scores}, key=list(Population.values).index)
        if population not in pops:
            population = pops[0] if pops else ""
        schemes = sorted({s.scheme for s in all_scores if s.population == population})
        if scheme not in schemes:
            scheme = "general" if "general" in schemes else (schemes[0] if schemes else "")
        scores = list(all_scores.filter(population=population, scheme=scheme).order_by(
            F("rank").asc(nulls_last=True), "member_name"))
    whole = run is not None and selectors.reads_whole_run(request.user, run)
    return render(request, "web/assessment/overview.html", {
        "areas": areas, "area": area, "period": period, "runs": runs, "run": run, "scores": scores,
        "red": [s for s in scores if s.list_kind == "red"], "black": [s for s in scores if s.list_kind == "black"],
        "population": population, "population_label": dict(Population.choices).get(population, ""),
        "populations": [(p, dict(Population.choices)[p]) for p in pops], "scheme": scheme, "schemes": [(x, scheme_label(x)) for x in schemes],
        "scheme_label": scheme_label(scheme) if scheme else "",
        "diff": (run.diff if whole else []) if run else [],
        "may_decide": area is not None and _may_decide(request.user, area),
    })


@assessment_required
def member(request, run_id: int, population: str, member_id: int):
    if population not in Population.values:
        return not_found(request)
    try:
        run = selectors.run_get(user=request.user, run_id=run_id)
        scores, results = selectors.member_breakdown(user=request.user, run=run, population=population,
                                                     member_id=member_id)
    except ApplicationError:
        return not_found(request)
    return render(request, "web/assessment/member.html", {"run": run, "scores": scores, "results": results,
                                                          "name": scores[0].member_name})


@require_POST
@assessment_required
def compute(request):
    period = (request.POST.get("period") or "")[:8]
    area_id = _int(request.POST.get("area"))
    try:
        area = engine.assessed_area(area_id or 0)
        run = engine.run_compute(actor=request.user, area=area, period=period)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(_back(area_id, period))
    messages.success(request, _("Computed: version %(v)s is a draft.") % {"v": run.version})
    return redirect(_back(area.id, period, run=run.id))


@require_POST
@assessment_required
def publish(request, run_id: int):
    try:
        run = selectors.run_get(user=request.user, run_id=run_id)
        run = engine.run_publish(actor=request.user, run=run)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("web:assessment"))
    messages.success(request, _("Published: version %(v)s.") % {"v": run.version})
    return redirect(_back(run.area_id, run.period, run=run.id))


@assessment_required
def exclusions(request):
    rows = list(selectors.exclusions(user=request.user)[:200])
    deciding = {r.pk for r in rows if r.status == ExclusionStatus.PENDING and (
        request.user.is_superuser or roles_over(request.user, r.area_path) & TOWN_DECIDERS)}
    return render(request, "web/assessment/exclusions.html", {
        "rows": rows, "deciding": deciding, "kinds": ExclusionKind.choices,
        "indicators": selectors.indicators(user=request.user)})


@require_POST
@assessment_required
def exclusion_new(request):
    back = reverse("web:assessment-exclusions")
    try:
        event = event_get(user=request.user, number=(request.POST.get("event_number") or "").strip()[:40])
        ex_svc.exclusion_request(actor=request.user, event=event, kind=request.POST.get("kind") or "",
                                 reason=(request.POST.get("reason") or "")[:1000],
                                 indicator_codes=request.POST.getlist("indicators")[:50])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, _("Request sent to the command center."))
    return redirect(back)


@require_POST
@assessment_required
def exclusion_decide(request, exclusion_id: int):
    back = reverse("web:assessment-exclusions")
    try:
        ex = selectors.exclusion_get(user=request.user, exclusion_id=exclusion_id)
        ex_svc.exclusion_decide(actor=request.user, exclusion=ex, approve=request.POST.get("decision") == "approve",
                                comment=(request.POST.get("comment") or "")[:1000])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, _("Decision recorded."))
    return redirect(back)
