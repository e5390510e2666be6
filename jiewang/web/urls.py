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
    path("grid/staffing/", include("jiewang.web.staffing.urls")),  # 网格力量: the grid's people (1+3+N)
    path("grid/", include("jiewang.web.patrols.grid_urls")),  # 巡查走访 on the grid worker's phone
    path("grid/", include("jiewang.web.grid.urls")),  # 网格员 (mobile)
    path("patrols/", include("jiewang.web.patrols.urls")),  # 巡查走访覆盖 (community, town, district)
    path("dept/", include("jiewang.web.department.urls")),  # 部门工作台
    path("report/", include("jiewang.web.resident.urls")),  # 居民
    path("events/", include("jiewang.web.events.urls")),  # the shared event page
    path("manage/", include("jiewang.web.manage.urls")),  # 事项清单, users and grants
    path("duty/", include("jiewang.web.duty.urls")),  # 值班: roster, log, handover
    path("assessment/", include("jiewang.web.assessment.urls")),  # 考核: rankings, lists, exclusions
    path("warnings/", include("jiewang.web.warning.urls")),  # 预警: handling an alert
    path("party/", include("jiewang.web.party.urls")),  # 党建: workspace, member page, wish board
    path("basedata/", include("jiewang.web.basedata.urls")),  # 一标三实: addresses, houses, residents, units
    path("admission/", include("jiewang.web.admission.urls")),  # 职责事项准入: list, held tasks, burden
    path("bulletins/", include("jiewang.web.reports.urls")),  # 月度通报: PDF and Excel, with history
]
