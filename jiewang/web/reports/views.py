"""月度通报 — the monthly bulletins page (``/bulletins/``): the bulletins of the towns and districts
the user may see, grouped by area and month, the current version first with its PDF and Excel
downloads and its summary, the versions before it below (history); a "generate now" form for the
roles that may (the area's leaders). Downloads go through the selectors (another town's bulletin
is a 404) and the audited service."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiewang.assessment.services.periods import last_month
from jiewang.core.errors import ApplicationError
from jiewang.reports import selectors
from jiewang.reports.choices import BulletinStatus, FileFormat
from jiewang.reports.permissions import READERS
from jiewang.reports.services import bulletins as svc

from ..command.helpers import not_found, role_required

bulletins_required = role_required(set(READERS))


def _int(value) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if 0 < n < 2**62 else None


def _groups(rows) -> list[dict]:
    """Versions grouped by (area, period): the current one and the history."""
    groups: dict[tuple, dict] = {}
    for b in rows:
        g = groups.setdefault((b.area_id, b.period), {"area": b.area, "period": b.period, "current": None,
                                                      "history": []})
        if b.status == BulletinStatus.CURRENT and g["current"] is None:
            g["current"] = b
        else:
            g["history"].append(b)
    return list(groups.values())


@bulletins_required
def bulletins(request):
    areas = selectors.bulletin_areas(user=request.user)
    area_id = _int(request.GET.get("area"))
    if request.GET.get("area") and (area_id is None or area_id not in {a.id for a in areas}):
        return not_found(request)
    period = (request.GET.get("period") or "")[:7]
    rows = list(selectors.bulletin_list(user=request.user, area_id=area_id, period=period or None)[:300])
    return render(request, "web/reports/list.html", {
        "areas": areas, "area_id": area_id, "period": period, "groups": _groups(rows),
        "generatable": selectors.generatable_areas(user=request.user),
        "default_period": last_month(timezone.localdate()),
    })


@require_POST
@bulletins_required
def generate(request):
    period = (request.POST.get("period") or "")[:7]
    area_id = _int(request.POST.get("area"))
    back = reverse("web:bulletins")
    try:
        area = svc.bulletin_area(area_id or 0)
        b = svc.bulletin_generate(actor=request.user, area=area, period=period)
    except ApplicationError as exc:
        messages.error(request, exc.text)
        return redirect(back)
    messages.success(request, _("Bulletin generated: %(area)s %(period)s, version %(v)d.") % {
        "area": area.name, "period": period, "v": b.version})
    return redirect(f"{back}?{urlencode({'area': area.id})}")


@bulletins_required
def download(request, bulletin_id: int, fmt: str):
    if fmt not in FileFormat.values:
        return not_found(request)
    try:
        b = selectors.bulletin_get(user=request.user, bulletin_id=bulletin_id)
        content, content_type, name = svc.bulletin_download(actor=request.user, bulletin=b, fmt=fmt)
    except ApplicationError:
        return not_found(request)
    resp = HttpResponse(content, content_type=content_type)
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp
