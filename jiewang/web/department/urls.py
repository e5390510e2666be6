from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="department"),
    path("assignments/<int:assignment_id>/<slug:action>/", views.assignment_action, name="department_action"),
    path("summonses/<int:summons_id>/report-in/", views.report_in, name="department_report_in"),
]
