"""Coverage of patrols and visits for communities, towns and districts (/patrols/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("coverage/", views.coverage, name="patrol-coverage"),
]
