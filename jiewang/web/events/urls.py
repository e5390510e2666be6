from django.urls import path

from . import views

urlpatterns = [
    path("<str:number>/", views.event_page, name="event"),
]
