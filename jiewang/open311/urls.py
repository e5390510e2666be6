"""GeoReport v2 routes, mounted at ``/open311/v2/``. Every method takes a ``.json``/``.xml``
suffix; anything else under the prefix is a 404 with an ``<errors>`` body."""

from django.urls import re_path

from . import views

app_name = "open311"

FMT = r"\.(?P<fmt>[^/.]+)$"

urlpatterns = [
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service-definition"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, views.request_detail, name="request-detail"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token_detail, name="token-detail"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not-found"),
]
