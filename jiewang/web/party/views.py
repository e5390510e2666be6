"""党建 — the party pages: the workspace of the street's organization department and of a community's
party committee (/party/), a member's phone page (/party/me/) and the wish board (/party/wishes/)
for residents and grid workers. Every write goes through ``jiewang.party.services``; a refusal shows
the service's message and changes nothing."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.db import transaction
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiewang.accounts.choices import Role
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import ApplicationError, ValidationFailed
from jiewang.core.scope import user_grants
from jiewang.party import selectors
from jiewang.party.choices import (OPEN_REPORT_IN, PARENT_KINDS, EvaluationGrade, NeedCategory, NeedSource, OrgKind,
                                   ServicePost, WishCategory)
from jiewang.party.permissions import HANDLERS, KEEPERS, VIEWERS
from jiewang.party.services import conference, lists, reportins, wishes as wish_svc
from jiewang.party.services import members as member_svc
from jiewang.party.services import orgs as org_svc
from jiewang.party.services import transfers as transfer_svc

from jiewang.events.services.photos import max_bytes as photo_max_bytes

from . import forms as party_forms

from ..command.helpers import parse_day, role_required, roles_of, safe_next


def _grant_areas(user, roles) -> list[Area]:
    ids = [g.area_id for g in user_grants(user) if g.role in roles]
    return list(Area.objects.filter(pk__in=ids).order_by("path"))


def _communities(user) -> list[Area]:
    """The communities under the user's party grants (for the forms)."""
    paths = [g.path for g in user_grants(user) if g.role in HANDLERS]
    qs = Area.objects.filter(level=AreaLevel.COMMUNITY)
    if not user.is_superuser:
        from django.db.models import Q

        q = Q(pk__in=[])
        for p in paths:
            q |= Q(path__startswith=p)
        qs = qs.filter(q)
    return list(qs.order_by("path")[:300])


@role_required(VIEWERS)
def workspace(request):
    user = request.user
    roles = roles_of(user)
    needs = list(selectors.need_list(user=user).filter(status__in=["open", "matched"])[:30])
    for n in needs:
        n.suggestions = lists.suggest_resources(need=n, limit=3) if n.status == "open" else []
    q = (request.GET.get("q") or "")[:40]
    ctx = {
        "may_keep": user.is_superuser or bool(roles & KEEPERS),
        "may_handle": user.is_superuser or bool(roles & HANDLERS),
        "pending": selectors.report_in_list(user=user, status="registered")[:50],
        "unit_pending": selectors.unit_report_in_list(user=user, status="registered")[:50],
        "posted": selectors.wish_list(user=user, status="posted")[:50],
        "open_wishes": selectors.wish_list(user=user).filter(status__in=["published", "claimed", "done"])[:50],
        "tree": selectors.org_tree(user=user),
        "today": timezone.localdate(),
        "needs": needs,
        "projects": selectors.project_list(user=user).exclude(status="evaluated")[:30],
        "meetings": selectors.meeting_list(user=user)[:10],
        "overdue": selectors.followup_list(user=user, overdue=True)[:30],
        "members": selectors.member_list(user=user, q=q)[:50],
        "q": q,
        "transfers": selectors.transfer_list(user=user)[:10],
        "confirmed": selectors.report_in_list(user=user, status="confirmed")[:50],
        "communities": _communities(user),
        "categories": NeedCategory.choices, "sources": NeedSource.choices, "grades": EvaluationGrade.choices,
        "year": timezone.localdate().year,
    }
    return render(request, "web/party/workspace.html", ctx)


@login_required
def me(request):
    rec = selectors.my_record(user=request.user)
    ctx = {"rec": rec, "posts": ServicePost.choices, "today": timezone.localdate(),
           "photo_mb": photo_max_bytes() // 1024 // 1024}
    if rec is not None:
        open_ri = [r for r in rec["report_ins"] if r.status in OPEN_REPORT_IN]
        ctx["open_ri"] = open_ri[0] if open_ri else None
        ctx["board"] = (selectors.wish_list(user=request.user, status="published")
                        .filter(community_id=ctx["open_ri"].community_id)[:30]
                        if ctx["open_ri"] and ctx["open_ri"].status == "confirmed" else [])
        ctx["claimed"] = selectors.wish_list(user=request.user, status="claimed").filter(
            claimant_member=rec["member"])[:30]
        ctx["done"] = selectors.wish_list(user=request.user).filter(
            claimant_member=rec["member"], status__in=["done", "rated"]).order_by("-done_at")[:10]
        ctx["communities"] = Area.objects.filter(
            level=AreaLevel.COMMUNITY, party_orgs__kind__in=[OrgKind.COMMUNITY_COMMITTEE, OrgKind.GENERAL_BRANCH]
        ).distinct().order_by("path")[:300]
    return render(request, "web/party/me.html", ctx)


@login_required
def wishes(request):
    user = request.user
    places = _grant_areas(user, {Role.RESIDENT, Role.GRID_WORKER}) or []
    ctx = {
        "mine": selectors.wish_list(user=user, mine=True).filter(requester_id=user.pk)
        | selectors.wish_list(user=user, mine=True).filter(posted_by_id=user.pk),
        "board": selectors.wish_list(user=user, status="published")[:50],
        "places": places, "categories": WishCategory.choices,
        "for_others": bool(roles_of(user) & {Role.GRID_WORKER}) or user.is_superuser,
        "today": timezone.localdate(),
    }
    ctx["mine"] = ctx["mine"].distinct()[:50]
    return render(request, "web/party/wishes.html", ctx)


def _hours(value) -> Decimal:
    try:
        return Decimal(value or "")
    except InvalidOperation:
        raise ValidationFailed(_("Enter the hours as a number, e.g. 1.5."), code="validation_failed") from None


def _area(request, key: str) -> Area:
    try:
        return Area.objects.get(pk=int(request.POST.get(key) or 0))
    except (ValueError, Area.DoesNotExist):
        raise ValidationFailed(_("Choose a place."), code="validation_failed") from None


@require_POST
@login_required
def act(request, kind: str, pk: int, verb: str):
    """One verb on one row: report-ins, unit report-ins, wishes, projects, follow-up items."""
    user, p = request.user, request.POST
    back = safe_next(request, reverse("web:party"))
    try:
        if kind == "report_in" and verb in ("confirm", "reject", "end"):
            row = selectors.report_in_get(user=user, report_in_id=pk)
            reportins.report_in_decide(actor=user, report_in=row, move=verb, reason=p.get("reason", ""))
        elif kind == "report_in" and verb == "service":
            row = selectors.report_in_get(user=user, report_in_id=pk)
            reportins.service_log(actor=user, report_in=row, served_on=parse_day(p.get("served_on")) or
                                  timezone.localdate(), hours=_hours(p.get("hours")), description=p.get("description", ""))
        elif kind == "report_in" and verb == "evaluate":
            row = selectors.report_in_get(user=user, report_in_id=pk)
            reportins.evaluation_make(actor=user, report_in=row, year=int(p.get("year") or 0), grade=p.get("grade", ""),
                                      comment=p.get("comment", ""))
        elif kind == "unit_report_in" and verb in ("confirm", "reject"):
            row = selectors.unit_report_in_get(user=user, unit_report_in_id=pk)
            reportins.unit_report_in_decide(actor=user, report_in=row, move=verb, reason=p.get("reason", ""))
        elif kind == "wish":
            row = selectors.wish_get(user=user, wish_id=pk)
            if verb == "publish":
                wish_svc.wish_publish(actor=user, wish=row)
            elif verb == "refuse":
                wish_svc.wish_refuse(actor=user, wish=row, reason=p.get("reason", ""))
            elif verb == "withdraw":
                wish_svc.wish_withdraw(actor=user, wish=row, reason=p.get("reason", ""))
            elif verb == "claim":
                wish_svc.wish_claim(actor=user, wish=row)
            elif verb == "release":
                wish_svc.wish_release(actor=user, wish=row)
            elif verb == "complete":
                upload = request.FILES.get("photo")
                wish_svc.wish_complete(actor=user, wish=row, proof=p.get("proof", ""), hours=_hours(p.get("hours")),
                                       photo=upload.read(photo_max_bytes() + 1) if upload is not None else None)
            elif verb == "rate":
                wish_svc.wish_rate(actor=user, wish=row, rating=int(p.get("rating") or 0), comment=p.get("comment", ""))
            else:
                return redirect(back)
        elif kind == "need" and verb == "match":
            need = selectors.need_get(user=user, need_id=pk)
            resource = selectors.resource_get(user=user, resource_id=int(p.get("resource") or 0))
            lists.project_create(actor=user, need=need, title=p.get("title") or need.title, owner=p.get("owner", ""),
                                 uses=[(resource, int(p.get("amount") or 0))], plan=p.get("plan", ""))
        elif kind == "project" and verb in ("start", "complete", "evaluate", "progress"):
            row = selectors.project_get(user=user, project_id=pk)
            lists.project_update(actor=user, project=row, move=None if verb == "progress" else verb,
                                 progress=int(p["progress"]) if verb == "progress" and p.get("progress") else None,
                                 result=p.get("result", ""), rating=int(p["rating"]) if p.get("rating") else None,
                                 evaluation=p.get("evaluation", ""))
        elif kind == "followup" and verb == "done":
            row = selectors.followup_get(user=user, followup_id=pk)
            conference.followup_done(actor=user, item=row, result=p.get("result", ""))
        else:
            return redirect(back)
    except (ApplicationError, ValueError) as exc:
        messages.error(request, getattr(exc, "text", None) or _("Invalid input."))
    else:
        messages.success(request, _("Done."))
    return redirect(back)


@require_POST
@login_required
def create(request, kind: str):
    """New rows from the pages' forms: a need, a wish, the member's own report-in."""
    user, p = request.user, request.POST
    back = safe_next(request, reverse("web:party"))
    try:
        if kind == "need":
            lists.need_create(actor=user, community=_area(request, "community"), title=p.get("title", ""),
                              category=p.get("category", ""), source=p.get("source", ""),
                              amount=int(p.get("amount") or 1), description=p.get("description", ""))
        elif kind == "wish":
            wish_svc.wish_post(actor=user, area=_area(request, "area"), title=p.get("title", ""),
                               category=p.get("category", ""), description=p.get("description", ""),
                               wanted_by=parse_day(p.get("wanted_by")), requester_name=p.get("requester_name", ""),
                               requester_phone=p.get("requester_phone", ""))
        elif kind == "report_in":
            rec = selectors.my_record(user=user)
            if rec is None:
                raise ValidationFailed(_("Your account is not linked to a party member."), code="party.not_a_member")
            reportins.report_in_register(actor=user, member=rec["member"], community=_area(request, "community"),
                                         service_post=p.get("service_post", ""), commitments=p.get("commitments", ""))
        else:
            return redirect(back)
    except (ApplicationError, ValueError) as exc:
        messages.error(request, getattr(exc, "text", None) or _("Invalid input."))
    else:
        messages.success(request, _("Saved."))
    return redirect(back)


# ---- the keepers' forms (found, co-build, seat, enrol, transfer) ------------------------------

def _parent_rules() -> list[tuple[str, list[str]]]:
    """Which kind may hang under which (``PARENT_KINDS``): shown beside the founding form."""
    labels = dict(OrgKind.choices)
    return [(labels[k], [labels[p] for p in parents]) for k, parents in PARENT_KINDS.items()]


def _keeper_form(request, form_class, *, title, submit, run, done, extra=None, form_kwargs=None, initial=None):
    """One form page: GET shows it, POST parses it and calls ``run(form.cleaned_data)`` (services
    only); a service's refusal is shown on its field with the input kept, and changes nothing."""
    kwargs = {"user": request.user, **(form_kwargs or {})}
    if request.method == "POST":
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            try:
                with transaction.atomic():
                    run(form.cleaned_data)
            except ApplicationError as exc:
                form.apply_error(exc)
            else:
                messages.success(request, done)
                return redirect(safe_next(request, reverse("web:party")))
    else:
        form = form_class(initial=initial or {}, **kwargs)
    ctx = {"form": form, "title": title, "submit": submit, "next": request.GET.get("next", ""), **(extra or {})}
    return render(request, "web/party/form.html", ctx, status=200)


@role_required(KEEPERS)
def org_new(request):
    def run(d):
        org_svc.org_create(actor=request.user, kind=d["kind"], name=d["name"], area=d["area"], parent=d["parent"],
                           sector=d["sector"], superior_name=d["superior_name"], term_started=d["term_started"],
                           term_years=d["term_years"])

    return _keeper_form(request, party_forms.OrgForm, title=_("Found a party organization"), submit=_("Found"),
                        run=run, done=_("Organization founded."), extra={"parent_rules": _parent_rules()})


@role_required(KEEPERS)
def cobuilding_new(request):
    def run(d):
        org_svc.cobuilding_join(actor=request.user, street_org=d["street_org"], org=d["org"], joined_on=d["joined_on"],
                                offer=d["offer"])

    return _keeper_form(request, party_forms.CoBuildingForm, title=_("Register a co-building unit"),
                        submit=_("Register"), run=run, done=_("Co-building unit registered."))


@role_required(KEEPERS)
def officer_new(request):
    def run(d):
        org_svc.officer_appoint(actor=request.user, org=d["org"], member=d["member"], role=d["role"],
                                started_on=d["started_on"], from_unit=d["from_unit"])
        if d["term_started"]:
            org = d["org"]
            org_svc.org_update(actor=request.user, org=org, expected_version=None, term_started=d["term_started"],
                               term_years=d["term_years"] or org.term_years)

    initial = {k: request.GET[k] for k in ("org", "member") if (request.GET.get(k) or "").isdigit()}
    return _keeper_form(request, party_forms.OfficerForm, title=_("Seat an officer"), submit=_("Appoint"), run=run,
                        done=_("Officer seated."), initial=initial)


@role_required(KEEPERS)
def member_new(request):
    def run(d):
        member_svc.member_create(actor=request.user, org=d["org"], name=d["name"], phone=d["phone"],
                                 status=d["status"], kind=d["kind"], work_unit=d["work_unit"],
                                 joined_party_on=d["joined_party_on"], home_community=d["home_community"])

    initial = {"org": request.GET["org"]} if (request.GET.get("org") or "").isdigit() else {}
    return _keeper_form(request, party_forms.MemberForm, title=_("Enrol a party member"), submit=_("Enrol"),
                        run=run, done=_("Member enrolled."), initial=initial)


@role_required(KEEPERS)
def member_transfer(request, member_id: int):
    try:
        member = selectors.member_get(user=request.user, member_id=member_id)
    except ApplicationError:
        return render(request, "web/not_found.html", status=404)

    def run(d):
        transfer_svc.member_transfer(actor=request.user, member=member, to_org=d["to_org"], reason=d["reason"],
                                     transferred_on=d["transferred_on"])

    history = selectors.transfer_list(user=request.user, member_id=member.pk)[:20]
    return _keeper_form(request, party_forms.TransferForm, title=_("Transfer %(name)s") % {"name": member.name},
                        submit=_("Transfer"), run=run, done=_("Member transferred."),
                        form_kwargs={"member": member}, extra={"member": member, "history": history})


@login_required
def wish_photo(request, wish_id: int):
    """A wish's photo proof, for the requester, the claimant and the community's people."""
    try:
        w = selectors.wish_get(user=request.user, wish_id=wish_id)
    except ApplicationError:
        w = None
    if w is None or not w.proof_photo or not wish_svc.proof_photo_visible(request.user, w):
        return render(request, "web/not_found.html", status=404)
    response = FileResponse(w.proof_photo.open("rb"), content_type=w.proof_photo_type or "application/octet-stream")
    response["Cache-Control"] = "private, max-age=3600"
    return response
