"""The resident portal (居民, /report/): anyone reports a problem with a photo and a map pin,
gets a receipt with a tracking link, follows the public timeline and rates the result.

No account is needed. The abuse guard (honeypot, signed form timestamp, rate limits per phone and
address, size limits) lives in :mod:`jiewang.events.services.public`; refusals re-render the form
with the service's message and create nothing.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.db.models import Max, Min
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import ApplicationError
from jiewang.events.choices import EventStatus, Satisfaction
from jiewang.events.models import MatterCategory
from jiewang.events.services import public

SESSION_RECEIPTS = "resident_receipts"
MAX_FEATURES = 400


def _categories_by_board():
    from jiewang.accounts.choices import BoardKind

    cats = (MatterCategory.objects.filter(is_active=True, parent__isnull=False)
            .order_by("board_kind", "order", "code"))
    groups: dict[str, list] = {}
    for c in cats:
        groups.setdefault(c.board_kind, []).append(c)
    return [(BoardKind(k).label, v) for k, v in groups.items()]


def _extent() -> list[float] | None:
    agg = Area.objects.current().filter(level=AreaLevel.TOWN).aggregate(
        a=Min("min_lon"), b=Min("min_lat"), c=Max("max_lon"), d=Max("max_lat"))
    if agg["a"] is None:
        return None
    return [agg["a"], agg["b"], agg["c"], agg["d"]]


def _towns() -> list[tuple[str, list]]:
    """The towns a resident may pick (current, with a boundary), grouped by district, each with
    its bounding box: the report form's first select."""
    towns = (Area.objects.current().filter(level=AreaLevel.TOWN, geometry__isnull=False)
             .select_related("parent").only("id", "name", "path", "min_lon", "min_lat", "max_lon", "max_lat",
                                            "parent__name").order_by("path"))
    groups: dict[str, list] = {}
    for t in towns:
        t.bbox = f"{t.min_lon},{t.min_lat},{t.max_lon},{t.max_lat}"
        groups.setdefault(t.parent.name if t.parent_id else "", []).append(t)
    return list(groups.items())


def _float(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


def index(request):
    form = request.POST if request.method == "POST" else {}
    error, status = None, 200
    if request.method == "POST":
        try:
            event, token = _submit(request)
        except ApplicationError as exc:
            error, status = exc.text, exc.status
        else:
            receipts = request.session.get(SESSION_RECEIPTS, {})
            if token:
                receipts[event.number] = token
                request.session[SESSION_RECEIPTS] = dict(list(receipts.items())[-10:])
            if event.number not in receipts and not (request.user.is_authenticated
                                                     and event.reporter_id == request.user.pk):
                # A resubmitted form from another browser: say it was received, show no secret.
                return render(request, "web/resident/receipt.html", {"number": event.number, "track_url": None})
            return redirect("web:resident-receipt", number=event.number)
    return render(request, "web/resident/index.html", {
        "groups": _categories_by_board(),
        "stamp": public.form_stamp(),
        "form": form,
        "error": error,
        "extent": _extent(),
        "town_groups": _towns(),
        "tile_url": getattr(settings, "MAP_TILE_URL", ""),
        "max_mb": settings.RESIDENT_REPORT_MAX_BYTES // 1024 // 1024,
    }, status=status)


def _submit(request):
    from jiewang.core.errors import PayloadTooLarge

    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.RESIDENT_REPORT_MAX_BYTES:
        raise PayloadTooLarge(_("The submission is too large (at most %(mb)d MB).")
                              % {"mb": settings.RESIDENT_REPORT_MAX_BYTES // 1024 // 1024},
                              code="resident.too_large")
    post = request.POST
    upload = request.FILES.get("photo")
    photo = None
    if upload is not None:
        from jiewang.events.services.photos import max_bytes

        if upload.size > max_bytes():
            raise PayloadTooLarge(_("The photo is too large (at most %(mb)d MB).") % {"mb": max_bytes() // 1024 // 1024},
                                  code="photo.too_large")
        photo = upload.read()
    category = MatterCategory.objects.filter(code=post.get("category", ""), is_active=True).first()
    event, token, _created = public.resident_report(
        actor=request.user, ip=_client_ip(request), stamp=post.get("stamp", ""), honeypot=post.get("website", ""),
        category=category, lon=_float(post.get("lon")), lat=_float(post.get("lat")), title=post.get("title", ""),
        description=post.get("description", ""), phone=post.get("phone", ""), name=post.get("name", ""),
        photo=photo,
    )
    return event, token


def _track_url(request, number: str, token: str) -> str:
    return request.build_absolute_uri(reverse("web:resident-track", args=[number]) + "?t=" + token)


def receipt(request, number: str):
    token = request.session.get(SESSION_RECEIPTS, {}).get(number)
    if not token:
        raise Http404
    try:
        title = public.event_track(number=number, token=token).title
    except ApplicationError:
        title = ""
    return render(request, "web/resident/receipt.html", {"number": number, "title": title,
                                                         "track_url": _track_url(request, number, token)})


def track(request, number: str):
    token = request.POST.get("t") if request.method == "POST" else request.GET.get("t", "")
    try:
        event = public.event_track(number=number, token=token or "")
    except ApplicationError:
        return render(request, "web/not_found.html", status=404)
    error = None
    if request.method == "POST":
        try:
            public.event_rate_by_token(number=number, token=token, satisfaction=request.POST.get("satisfaction", ""),
                                       comment=request.POST.get("comment", ""), user=request.user)
        except ApplicationError as exc:
            error = exc.text
        else:
            from django.contrib import messages

            messages.success(request, _("Thank you for your rating."))
            return redirect(reverse("web:resident-track", args=[number]) + "?t=" + token)
        event = public.event_track(number=number, token=token)
    steps = [{**s, "label": _(s["label"])} for s in public.public_timeline(event)]
    return render(request, "web/resident/track.html", {
        "event": event, "token": token, "steps": steps, "error": error,
        "status_label": EventStatus(event.status).label,
        "can_rate": event.status == EventStatus.CLOSED,
        "satisfactions": Satisfaction.choices,
    }, status=422 if error else 200)


@require_GET
def locate(request):
    """Which grid a point falls in (names only: public)."""
    from jiewang.areas.locator import locate_with_ancestors

    lon, lat = _float(request.GET.get("lon")), _float(request.GET.get("lat"))
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return JsonResponse({"status": "invalid", "text": _("Invalid coordinates.")}, status=422)
    try:
        result, chain = locate_with_ancestors(lon, lat)
    except ApplicationError as exc:
        return JsonResponse({"status": "invalid", "text": exc.text}, status=422)
    if result.area_id is None:
        return JsonResponse({"status": "outside", "text": _("This place is outside our jurisdiction.")})
    names = " › ".join(a.name for a in chain if a.level >= AreaLevel.TOWN)
    return JsonResponse({"status": result.status, "text": names, "distance_m": result.distance_m})


@require_GET
def boundaries(request):
    """Current grid polygons inside a bounding box (id and name only), for the report map."""
    import shapely
    from shapely.geometry import mapping, shape

    box = [_float(x) for x in (request.GET.get("bbox") or "").split(",")]
    if len(box) != 4 or None in box:
        return JsonResponse({"type": "FeatureCollection", "features": [], "error": "bbox"}, status=422)
    x0, y0, x1, y1 = box
    qs = (Area.objects.current().filter(level__in=[AreaLevel.GRID, AreaLevel.MICROGRID], geometry__isnull=False)
          .filter(min_lon__lte=x1, max_lon__gte=x0, min_lat__lte=y1, max_lat__gte=y0))
    rows = list(qs.only("id", "name", "geometry")[: MAX_FEATURES + 1])
    if len(rows) > MAX_FEATURES:
        return JsonResponse({"type": "FeatureCollection", "features": [], "too_many": True})
    tolerance = max(x1 - x0, y1 - y0) / 1500
    features = []
    for a in rows:
        g = shapely.simplify(shape(a.geometry), tolerance, preserve_topology=True)
        features.append({"type": "Feature", "id": a.id, "properties": {"name": a.name},
                         "geometry": mapping(shapely.set_precision(g, 1e-6))})
    resp = JsonResponse({"type": "FeatureCollection", "features": features})
    resp["Cache-Control"] = "public, max-age=300"
    return resp


def _feature(area, geometry, **props) -> dict:
    import shapely
    from shapely.geometry import mapping

    return {"type": "Feature", "id": area.id, "properties": {"name": area.name, **props},
            "geometry": mapping(shapely.set_precision(geometry, 1e-6))}


@require_GET
def outline(request):
    """The jurisdiction's outline for the report map, shown at once: every current town's
    boundary, simplified to the whole extent (names only: public)."""
    import shapely
    from shapely.geometry import shape

    extent = _extent()
    rows = list(Area.objects.current().filter(level=AreaLevel.TOWN, geometry__isnull=False)
                .only("id", "name", "geometry").order_by("path"))
    tolerance = max(extent[2] - extent[0], extent[3] - extent[1]) / 800 if extent else 0
    features = [_feature(a, shapely.simplify(shape(a.geometry), tolerance, preserve_topology=True)) for a in rows]
    resp = JsonResponse({"type": "FeatureCollection", "features": features})
    resp["Cache-Control"] = "public, max-age=300"
    return resp


@require_GET
def communities(request):
    """The villages and communities of one town for the report form's second select: name,
    bounding box and a point inside each (where the pin goes until GPS or a tap refines it)."""
    from shapely.geometry import shape

    town_id = request.GET.get("town", "")
    town = (Area.objects.current().filter(level=AreaLevel.TOWN, pk=int(town_id)).first()
            if town_id.isdigit() and len(town_id) < 18 else None)
    if town is None:
        return JsonResponse({"code": "area.not_found", "message": _("Choose a town."), "communities": []}, status=404)
    rows = (Area.objects.current().filter(parent=town, level=AreaLevel.COMMUNITY)
            .only("id", "name", "geometry", "min_lon", "min_lat", "max_lon", "max_lat").order_by("code"))
    out = []
    for a in rows:
        item = {"id": a.id, "name": a.name, "bbox": None, "point": None}
        if a.geometry:
            p = shape(a.geometry).representative_point()
            item["bbox"] = [a.min_lon, a.min_lat, a.max_lon, a.max_lat]
            item["point"] = [round(p.x, 6), round(p.y, 6)]
        out.append(item)
    resp = JsonResponse({"town": {"id": town.id, "name": town.name,
                                  "bbox": [town.min_lon, town.min_lat, town.max_lon, town.max_lat]},
                         "communities": out})
    resp["Cache-Control"] = "public, max-age=300"
    return resp
