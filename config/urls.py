from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

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
    path("", include("jiewang.web.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
