from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic import RedirectView

from jiewang.web.grid.pwa import manifest, service_worker

from .api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("open311/v2/", include("jiewang.open311.urls")),
    # The grid app's service worker and manifest, at the root so the worker's scope is the site.
    path("sw.js", service_worker, name="service-worker"),
    path("manifest.webmanifest", manifest, name="manifest"),
    # Browsers ask for /favicon.ico when a page names no icon (JSON answers, the admin): the site's icon.
    path("favicon.ico", RedirectView.as_view(url=static_url("web/icons/icon-192.png"), permanent=True)),
    path("", include("jiewang.web.urls")),
]
handler403 = "jiewang.web.views.permission_denied"
handler404 = "jiewang.web.views.page_not_found"
handler500 = "jiewang.web.views.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
