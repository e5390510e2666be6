from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="assessment"),
    path("compute/", views.compute, name="assessment-compute"),
    path("runs/<int:run_id>/publish/", views.publish, name="assessment-publish"),
    path("runs/<int:run_id>/<str:population>/<int:member_id>/", views.member, name="assessment-member"),
    path("exclusions/", views.exclusions, name="assessment-exclusions"),
    path("exclusions/request/", views.exclusion_new, name="assessment-exclusion-new"),
    path("exclusions/<int:exclusion_id>/decide/", views.exclusion_decide, name="assessment-exclusion-decide"),
]
