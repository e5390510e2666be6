from django.urls import path

from .. import actions
from . import views

urlpatterns = [
    path("", views.event_search, name="events"),  # 查找事件: every staff role, within its scope
    path("export.xlsx", views.event_export, name="events-export"),
    path("<str:number>/", views.event_page, name="event"),
    path("<str:number>/do/<slug:action>/", actions.action_post, name="event-act"),
    path("<str:number>/photos/<int:photo_id>/", views.event_photo, name="event-photo"),
]
