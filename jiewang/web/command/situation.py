"""态势 on the pages: the top of the command center (a self-contained include,
``web/command/_situation.html``, drawn from :func:`jiewang.stats.selectors.situation`) and the big
screen (大屏) ``/command/screen/``: 1920×1080, dark, fetching ``GET /api/situation`` every
:data:`SCREEN_REFRESH_SECONDS` and drawing it with ECharts (frontend/vendor/echarts/)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiewang.core.errors import ApplicationError
from jiewang.stats import selectors as stats_selectors

SCREEN_REFRESH_SECONDS = 30


def situation_context(user, root) -> dict | None:
    """The situation of the commanded area for the page's include (None when it cannot be read)."""
    if root is None:
        return None
    try:
        return stats_selectors.situation(user=user, area_id=root.id, days=30)
    except ApplicationError:
        return None


def screen(request):
    from .views import _root

    root, _roots = _root(request)
    return render(request, "web/command/screen.html", {
        "root": root, "refresh": SCREEN_REFRESH_SECONDS,
        "situation": situation_context(request.user, root),
    })


def screen_view():
    from .views import command_required

    return require_GET(command_required(screen))
