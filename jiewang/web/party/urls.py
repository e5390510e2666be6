from django.urls import path

from . import views

urlpatterns = [
    path("", views.workspace, name="party"),  # 党建工作台: the street's and the community's
    path("me/", views.me, name="party-me"),  # 我的党员服务 (the member's phone page)
    path("wishes/", views.wishes, name="party-wishes"),  # 微心愿 (residents and grid workers)
    path("do/<str:kind>/<int:pk>/<str:verb>/", views.act, name="party-act"),
    path("new/<str:kind>/", views.create, name="party-new"),
]
