"""The installable app (PWA) for grid workers: the web app manifest and the service worker.

The service worker is served from the site root (``/sw.js``, with ``Service-Worker-Allowed: /``)
so that its scope covers every page of the app. It is rendered from a template so that it names
the static URLs as the server spells them, and carries a version (a hash of the files it caches)
so that a deployment with new assets replaces the old cache.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# Static files the app shell needs without signal (precached by the service worker).
SHELL_STATIC = ["web/site.css", "web/portal.css", "web/grid.js", "web/offline-queue.js", "web/patrol.js",
                "web/icons/icon-192.png", "web/icons/icon-512.png",
                # The location screen's map; optional (the form works without it), so precached
                # only where the front-end libraries are installed (see shell_static()).
                "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "web/leaflet-lang.js"]


def shell_static() -> list[str]:
    """SHELL_STATIC less the vendor files that are not installed: one missing URL would make the
    service worker's whole precache fail."""
    return [n for n in SHELL_STATIC if not n.startswith("vendor/") or finders.find(n)]
# Pages kept for use without signal (cached when fetched while signed in; network first). The
# patrol screen is among them so that a patrol can be started without signal; the visits due so
# that the worker finds their list (the visit form itself, one per house, is not kept).
SHELL_PAGES = ["web:grid-report", "web:grid", "web:grid-offline", "web:grid-patrol", "web:grid-visits"]
_version_cache: dict[str, str] = {}


def _version() -> str:
    if "v" in _version_cache and not settings.DEBUG:
        return _version_cache["v"]
    h = hashlib.sha256()
    for name in shell_static():
        path = finders.find(name)
        if path:
            with open(path, "rb") as fh:
                h.update(fh.read())
    from django.template.loader import get_template

    h.update(get_template("web/grid/sw.js").template.source.encode())
    _version_cache["v"] = h.hexdigest()[:12]
    return _version_cache["v"]


@require_GET
def service_worker(request):
    body = render_to_string("web/grid/sw.js", {
        "version": _version(),
        "static_urls": json.dumps([static(n) for n in shell_static()]),
        "page_urls": json.dumps([reverse(n) for n in SHELL_PAGES]),
        "offline_url": json.dumps(reverse("web:grid-offline")),
        "queue_url": json.dumps(static("web/offline-queue.js")),
        "static_prefix": json.dumps(settings.STATIC_URL),
    })
    resp = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    resp["Service-Worker-Allowed"] = "/"
    resp["Cache-Control"] = "no-cache"
    return resp


@require_GET
def manifest(request):
    data = {
        "name": _("Jiewang grid worker"),
        "short_name": _("Jiewang"),
        "description": _("Patrol, report and follow up the events of your grid."),
        "id": "/grid/",
        "start_url": reverse("web:grid"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#b3261e",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static("web/icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("web/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static("web/icons/maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
        "shortcuts": [{"name": _("Report an event"), "url": reverse("web:grid-report")}],
    }
    resp = HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json; charset=utf-8")
    resp["Cache-Control"] = "no-cache"
    return resp
