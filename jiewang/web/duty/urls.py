from django.urls import path

from . import views

urlpatterns = [
    path("", views.roster, name="duty"),
    path("<int:town_id>/<str:day>/", views.roster_day, name="duty-day"),
    path("log/", views.log, name="duty-log"),
    path("log/add/", views.log_add, name="duty-log-add"),
    path("handover/", views.handover_write, name="duty-handover"),
    path("handover/<int:handover_id>/confirm/", views.handover_confirm, name="duty-handover-confirm"),
]
