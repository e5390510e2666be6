from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="grid"),
    path("report/", views.report, name="grid-report"),
    path("offline/", views.offline, name="grid-offline"),
    path("events/<str:number>/escalate/", views.escalate, name="grid-escalate"),
    path("events/<str:number>/verify/", views.verify, name="grid-verify"),
]
