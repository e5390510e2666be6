from django.urls import include, path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("inbox/", views.inbox, name="inbox"),
    path("areas/", views.overview, name="areas"),
    path("areas/<int:area_id>/", views.area_detail, name="area"),
    # Workspaces, one package each (views, urls, templates/web/<name>/):
    path("command/", include("jiewang.web.command.urls")),  # 指挥中心
    path("grid/", include("jiewang.web.grid.urls")),  # 网格员 (mobile)
    path("dept/", include("jiewang.web.department.urls")),  # 部门工作台
    path("report/", include("jiewang.web.resident.urls")),  # 居民
    path("events/", include("jiewang.web.events.urls")),  # the shared event page
    path("manage/", include("jiewang.web.manage.urls")),  # 事项清单, users and grants
    path("duty/", include("jiewang.web.duty.urls")),  # 值班: roster, log, handover
    path("assessment/", include("jiewang.web.assessment.urls")),  # 考核: rankings, lists, exclusions
    path("warnings/", include("jiewang.web.warning.urls")),  # 预警: handling an alert
    path("bulletins/", include("jiewang.web.reports.urls")),  # 月度通报: PDF and Excel, with history
]
