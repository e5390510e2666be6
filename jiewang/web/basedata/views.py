"""一标三实 — the base-data pages (``/basedata/``): a grid's or community's addresses, houses,
residents, units and key persons with search (personal data masked; a "show" button unmasks one
field for the roles with the right, audited), a resident's page (household, key groups, move-out),
the Excel import (template, all-or-nothing or partial, the error report) and the counts report
(户数、人口、重点人群). Reads through ``jiewang.basedata.selectors``, writes through its services; a
refused write shows the service's message and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.basedata import counts as counts_mod
from jiewang.basedata import selectors
from jiewang.basedata.choices import ImportMode, ResidentType
from jiewang.basedata.models import KeyGroup, Resident
from jiewang.basedata.permissions import READERS, WRITERS
from jiewang.basedata.services import importing, residents, reveal
from jiewang.basedata.services.common import held_roles, may_reveal
from jiewang.core.errors import ApplicationError, in_language
from jiewang.core.scope import user_grants

from ..command.helpers import not_found, role_required, version_of

basedata_required = role_required(set(READERS))
PAGE = 50
TABS = [("residents", _l("Residents")), ("houses", _l("Houses")), ("addresses", _l("Addresses")),
        ("units", _l("Units and shops")), ("key", _l("Key persons"))]


def _int(value) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if 0 < n < 2**62 else None


def reader_areas(user) -> list[Area]:
    """The areas a user may pick: the nodes of their reading grants and, below them, the towns,
    communities and grids (at most 300, in tree order)."""
    qs = Area.objects.current().filter(level__in=[AreaLevel.TOWN, AreaLevel.COMMUNITY, AreaLevel.GRID])
    if not user.is_superuser:
        paths = [g.path for g in user_grants(user) if g.role in READERS]
        from django.db.models import Q

        q = Q(pk__in=[])
        for p in paths:
            q |= Q(path__startswith=p)
        qs = qs.filter(q)
    return list(qs.order_by("path")[:300])


def _chosen_area(request, areas):
    wanted = _int(request.GET.get("area") or request.POST.get("area"))
    for a in areas:
        if wanted is None or a.id == wanted:
            return a
    return None


def _may_write(user, path: str) -> bool:
    return user.is_superuser or bool(held_roles(user, path) & WRITERS)


@basedata_required
def index(request):
    areas = reader_areas(request.user)
    area = _chosen_area(request, areas)
    if area is None:
        return not_found(request) if request.GET.get("area") else render(
            request, "web/basedata/index.html", {"areas": [], "tabs": TABS})
    tab = request.GET.get("tab") if request.GET.get("tab") in dict(TABS) else "residents"
    q = (request.GET.get("q") or "").strip()[:50]
    kind = request.GET.get("kind") if request.GET.get("kind") in ResidentType.values else ""
    page = max(_int(request.GET.get("page")) or 1, 1)
    user, under = request.user, area.path
    if tab == "residents":
        qs = selectors.resident_list(user=user, under=under, q=q, kind=kind or None)
    elif tab == "houses":
        qs = selectors.house_list(user=user, under=under, q=q)
    elif tab == "addresses":
        qs = selectors.address_list(user=user, under=under, q=q)
    elif tab == "units":
        qs = selectors.unit_list(user=user, under=under, q=q)
    else:
        qs = selectors.key_person_list(user=user, under=under, q=q)
    total = qs.count()
    rows = list(qs[(page - 1) * PAGE:page * PAGE])
    return render(request, "web/basedata/index.html", {
        "areas": areas, "area": area, "tabs": TABS, "tab": tab, "q": q,
        "kind": kind, "kinds": ResidentType.choices, "rows": rows, "total": total, "page": page,
        "pages": (total + PAGE - 1) // PAGE, "may_write": _may_write(user, area.path),
        "may_reveal": may_reveal(user, area.path)})


def _resident_context(request, r: Resident, revealed: dict | None = None) -> dict:
    household = list(Resident.objects.filter(house_id=r.house_id, is_active=True).exclude(pk=r.pk).order_by("id"))
    memberships = list(r.key_memberships.select_related("group").order_by("ended_at", "group__order"))
    if not may_reveal(request.user, r.area_path):
        memberships = [m for m in memberships if not m.group.sensitive]
    return {"r": r, "household": household, "memberships": memberships, "revealed": revealed or {},
            "may_reveal": may_reveal(request.user, r.area_path), "may_write": _may_write(request.user, r.area_path),
            "groups": KeyGroup.objects.filter(is_active=True)}


def _resident_or_404(request, resident_id):
    try:
        return selectors.resident_get(user=request.user, resident_id=resident_id)
    except ApplicationError:
        return None


@basedata_required
def resident(request, resident_id: int):
    r = _resident_or_404(request, resident_id)
    if r is None:
        return not_found(request)
    return render(request, "web/basedata/resident.html", _resident_context(request, r))


@require_POST
@basedata_required
def resident_reveal(request, resident_id: int):
    """Shows one field in clear on the page it answers (never in a URL or a message): audited."""
    r = _resident_or_404(request, resident_id)
    if r is None:
        return not_found(request)
    field = request.POST.get("field") or ""
    try:
        value = reveal.reveal(actor=request.user, obj=r, field=field)
    except ApplicationError as exc:
        messages.error(request, exc.text)
        return redirect(reverse("web:basedata-resident", args=[r.pk]))
    return render(request, "web/basedata/resident.html", _resident_context(request, r, {field: value}))


@require_POST
@basedata_required
def resident_move_out(request, resident_id: int):
    r = _resident_or_404(request, resident_id)
    if r is None:
        return not_found(request)
    try:
        residents.resident_move_out(actor=request.user, resident=r, expected_version=version_of(request) or 0,
                                    note=(request.POST.get("note") or "")[:200])
    except ApplicationError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, _("Recorded: moved out."))
    return redirect(reverse("web:basedata-resident", args=[r.pk]))


@require_POST
@basedata_required
def key_person_add(request, resident_id: int):
    r = _resident_or_404(request, resident_id)
    if r is None:
        return not_found(request)
    group = KeyGroup.objects.filter(code=(request.POST.get("group") or "")[:40], is_active=True).first()
    try:
        if group is None:
            raise ApplicationError(_("Choose a key group."))
        residents.key_person_add(actor=request.user, resident=r, group=group, note=(request.POST.get("note") or "")[:200])
    except ApplicationError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, _("Added to the key group."))
    return redirect(reverse("web:basedata-resident", args=[r.pk]))


@role_required(set(WRITERS))
def import_page(request):
    areas = [a for a in reader_areas(request.user) if _may_write(request.user, a.path)]
    area = _chosen_area(request, areas)
    run = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        mode = request.POST.get("mode") if request.POST.get("mode") in ImportMode.values else ImportMode.ALL_OR_NOTHING
        try:
            if area is None:
                raise ApplicationError(_("Choose an area."))
            if upload is None:
                raise ApplicationError(_("Choose a file."))
            if upload.size > importing.max_bytes():
                raise ApplicationError(_("The file is too large."))
            run = importing.import_residents(actor=request.user, area=area, data=upload.read(),
                                             filename=upload.name or "", mode=mode)
        except ApplicationError as exc:
            messages.error(request, exc.text)
    recent = list(selectors.import_run_list(user=request.user)[:10])
    return render(request, "web/basedata/import.html", {
        "areas": areas, "area": area, "run": run,
        "errors": [(r, c, in_language(reason)) for r, c, reason in (run.errors[:300] if run else [])],
        "modes": ImportMode.choices, "recent": recent, "max_rows": importing.max_rows(),
        "max_mb": importing.max_bytes() // (1024 * 1024)})


@basedata_required
def counts_page(request):
    areas = reader_areas(request.user)
    area = _chosen_area(request, areas)
    rep = None
    if area is not None:
        try:
            rep = counts_mod.report(user=request.user, area=area)
        except ApplicationError:
            return not_found(request)
    elif request.GET.get("area"):
        return not_found(request)
    rows = []
    if rep is not None:
        for row in [*rep.rows, rep.total]:
            cells = [row.households, row.people, *[row.by_type[k] for k in ResidentType.values],
                     *[row.key.get(g.code, 0) for g in rep.groups]]
            rows.append({"name": row.name if row is not rep.total else _("Total"), "cells": cells,
                         "sub": row.level == AreaLevel.COMMUNITY or row is rep.total})
    return render(request, "web/basedata/counts.html", {"areas": areas, "area": area, "rep": rep, "rows": rows,
                                                        "kinds": ResidentType.choices})
