"""态势 on the pages: the top of the command center (a self-contained include,
``web/command/_situation.html``, drawn from :func:`jiewang.stats.selectors.situation`, with the
situation map of :mod:`jiewang.stats.situation_map`) and the big screen (大屏) ``/command/screen/``:
1920×1080, dark, fetching ``GET /api/situation``, ``GET /api/situation/map`` and its own live feed
(``screen/live.json``: the duty's open alarms and the latest early-warning alerts) every
:data:`SCREEN_REFRESH_SECONDS`, drawing them with ECharts and Leaflet (frontend/vendor/)."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from jiewang.core.errors import ApplicationError
from jiewang.duty import selectors as duty_selectors
from jiewang.duty.choices import AlarmSeverity
from jiewang.stats import selectors as stats_selectors
from jiewang.stats.situation_map import metric_choices
from jiewang.warning import selectors as warning_selectors

SCREEN_REFRESH_SECONDS = 30
SCREEN_ALARMS = 6
SCREEN_ALERTS = 6


def situation_context(user, root) -> dict | None:
    """The situation of the commanded area for the page's include (None when it cannot be read)."""
    if root is None:
        return None
    try:
        data = stats_selectors.situation(user=user, area_id=root.id, days=30)
    except ApplicationError:
        return None
    data["map_metrics"] = metric_choices()
    return data


def screen_live(user, root) -> dict:
    """What the big screen shows beside the situation: the open alarms of the duty (告警) of the
    towns under ``root``, emergencies (重大) first and flagged to flash, and the latest open or
    acknowledged early-warning alerts (预警) under it. Both read through their apps' selectors,
    scoped to the user."""
    towns = [t for t in duty_selectors.duty_towns(user=user) if t.path.startswith(root.path)]
    alarms = duty_selectors.open_alarms(user=user, towns=towns) if towns else []
    alarms = sorted(alarms, key=lambda a: (a.severity != AlarmSeverity.MAJOR, -a.raised_at.timestamp()))
    now = timezone.now()
    alerts = warning_selectors.alert_queue(user=user, under=root.path, limit=SCREEN_ALERTS)
    return {
        "alarms": [{"id": a.pk, "event": a.event.number, "title": a.event.title, "town": a.town.name,
                    "severity": a.severity, "severity_label": str(a.get_severity_display()),
                    "flash": a.severity == AlarmSeverity.MAJOR, "raised_at": a.raised_at.isoformat(),
                    "overdue": a.respond_by < now} for a in alarms[:SCREEN_ALARMS]],
        "alarm_count": len(alarms),
        "alerts": [{"id": a.pk, "kind": a.kind, "kind_label": str(a.get_kind_display()), "title": a.title,
                    "area": a.area.name, "state": a.state, "raised_at": a.raised_at.isoformat()} for a in alerts],
    }


def screen(request):
    from .views import _root

    root, _roots = _root(request)
    return render(request, "web/command/screen.html", {
        "root": root, "refresh": SCREEN_REFRESH_SECONDS, "time_zone": settings.TIME_ZONE,
        "situation": situation_context(request.user, root),
        "live": screen_live(request.user, root) if root is not None else None,
    })


def screen_live_json(request):
    from .views import _root

    root, _roots = _root(request)
    if root is None:
        return JsonResponse({"alarms": [], "alarm_count": 0, "alerts": []})
    return JsonResponse(screen_live(request.user, root))


def screen_view():
    from .views import command_required

    return require_GET(command_required(screen))


def screen_live_view():
    from .views import command_required

    return require_GET(command_required(screen_live_json))
