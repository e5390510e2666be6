from django.urls import path

from ..supervision import views as supervision_views
from . import situation, tasks, views

urlpatterns = [
    path("", views.index, name="command"),
    path("map/grids.json", views.map_grids, name="command_map_grids"),
    path("map/points.json", views.map_points, name="command_map_points"),
    path("tasks/new/", tasks.task_new, name="command-task-new"),
    path("screen/", situation.screen_view(), name="command_screen"),
    path("supervision/", supervision_views.log, name="supervision"),  # 督导台账
    path("screen/live.json", situation.screen_live_view(), name="command_screen_live"),
]
