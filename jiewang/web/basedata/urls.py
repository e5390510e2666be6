from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="basedata"),
    path("residents/<int:resident_id>/", views.resident, name="basedata-resident"),
    path("residents/<int:resident_id>/reveal/", views.resident_reveal, name="basedata-reveal"),
    path("residents/<int:resident_id>/move-out/", views.resident_move_out, name="basedata-move-out"),
    path("residents/<int:resident_id>/key-group/", views.key_person_add, name="basedata-key-add"),
    path("import/", views.import_page, name="basedata-import"),
    path("counts/", views.counts_page, name="basedata-counts"),
]
