"""The grid worker's patrol and visit screens, under /grid/ (phone first)."""

from django.urls import path

from . import views

urlpatterns = [
    path("patrol/", views.patrol, name="grid-patrol"),
    path("visits/", views.visits_due, name="grid-visits"),
    path("visits/new/", views.visit_new, name="grid-visit-new"),
    path("visits/<int:visit_id>/", views.visit_detail, name="grid-visit"),
    path("visits/<int:visit_id>/report/", views.visit_report, name="grid-visit-report"),
]
