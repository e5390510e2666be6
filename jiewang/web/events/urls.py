from django.urls import path

from . import views

urlpatterns = [
    path("<str:number>/", views.event_page, name="event"),
    path("<str:number>/do/<slug:action>/", views.event_act, name="event-act"),
    path("<str:number>/photos/<int:photo_id>/", views.event_photo, name="event-photo"),
]
