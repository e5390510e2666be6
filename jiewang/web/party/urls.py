from django.urls import path

from . import views

urlpatterns = [
    path("", views.workspace, name="party"),  # 党建工作台: the street's and the community's
    path("me/", views.me, name="party-me"),  # 我的党员服务 (the member's phone page)
    path("wishes/", views.wishes, name="party-wishes"),  # 微心愿 (residents and grid workers)
    path("orgs/new/", views.org_new, name="party-org-new"),  # 成立党组织
    path("co-building/new/", views.cobuilding_new, name="party-cobuilding-new"),  # 共建单位
    path("officers/new/", views.officer_new, name="party-officer-new"),  # 班子成员任职
    path("members/new/", views.member_new, name="party-member-new"),  # 党员入册
    path("members/<int:member_id>/transfer/", views.member_transfer, name="party-member-transfer"),  # 关系转接
    path("wishes/<int:wish_id>/photo/", views.wish_photo, name="party-wish-photo"),  # 微心愿的照片凭证
    path("do/<str:kind>/<int:pk>/<str:verb>/", views.act, name="party-act"),
    path("new/<str:kind>/", views.create, name="party-new"),
]
