from django.urls import path

from . import boards, views

urlpatterns = [
    path("", views.index, name="manage"),
    path("catalog/", views.catalog_list, name="manage-catalog"),
    path("catalog/<str:code>/", views.catalog_edit, name="manage-category"),
    path("holidays/", views.holiday_list, name="manage-holidays"),
    path("holidays/load/", views.holiday_load, name="manage-holidays-load"),
    path("users/", views.user_list, name="manage-users"),
    path("users/<int:user_id>/", views.user_detail, name="manage-user"),
    path("users/<int:user_id>/grants/<int:grant_id>/revoke/", views.grant_revoke, name="manage-revoke"),
    path("areas/", views.area_options, name="manage-areas"),
    path("whistles/", views.whistle_policy, name="manage-whistles"),
    path("boards/", boards.boards, name="manage-boards"),
]
