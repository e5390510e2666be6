from django.urls import path

from . import views

urlpatterns = [
    path("alerts/<int:alert_id>/<str:verb>/", views.alert_action, name="warning-alert"),
]
