from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="admission"),  # 准入: held queue, pushes
    path("held/", views.index, name="admission-held"),
    path("pushes/<int:push_id>/decide/", views.decide, name="admission-decide"),
    path("lists/", views.lists, name="admission-lists"),  # the list's versions per district
    path("lists/<int:list_id>/", views.list_detail, name="admission-list"),
    path("lists/<int:list_id>/publish/", views.publish, name="admission-publish"),
    path("lists/<int:list_id>/items/", views.item_save, name="admission-item-add"),
    path("items/<int:item_id>/", views.item_save, name="admission-item"),
    path("items/<int:item_id>/remove/", views.item_remove, name="admission-item-remove"),
    path("burden/", views.burden_page, name="admission-burden"),  # 减负
    path("tasks/<str:number>/records/", views.records, name="admission-records"),  # 一表通
]
