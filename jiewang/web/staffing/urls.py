from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="staffing"),
    path("grids/<int:grid_id>/", views.grid, name="staffing-grid"),
    path("grids/<int:grid_id>/assign/", views.assign, name="staffing-assign"),
    path("members/<int:member_id>/end/", views.end, name="staffing-end"),
    path("people/new/", views.person_new, name="staffing-person-new"),
    path("people/<int:person_id>/", views.person, name="staffing-person"),
    path("people/<int:person_id>/photo/", views.photo, name="staffing-photo"),
    path("me/", views.me, name="staffing-me"),
]
