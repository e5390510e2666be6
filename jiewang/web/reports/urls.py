from django.urls import path

from . import views

urlpatterns = [
    path("", views.bulletins, name="bulletins"),
    path("generate/", views.generate, name="bulletin-generate"),
    path("<int:bulletin_id>/<str:fmt>/", views.download, name="bulletin-download"),
]
