from django.urls import path

from . import mine, views

urlpatterns = [
    path("", views.index, name="resident"),
    path("receipt/<str:number>/", views.receipt, name="resident-receipt"),
    path("track/<str:number>/", views.track, name="resident-track"),
    path("locate/", views.locate, name="resident-locate"),
    path("boundaries.geojson", views.boundaries, name="resident-boundaries"),
    path("outline.geojson", views.outline, name="resident-outline"),
    path("communities.json", views.communities, name="resident-communities"),
    path("mine/", mine.mine, name="resident-mine"),
    path("mine/<str:number>/", mine.mine_event, name="resident-mine-event"),
]
