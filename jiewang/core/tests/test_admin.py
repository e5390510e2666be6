import pytest
from django.apps import apps
from django.contrib import admin


def test_every_project_model_has_an_admin():
    ours = [m for m in apps.get_models() if m.__module__.startswith("jiewang.")]
    missing = [m._meta.label for m in ours if m not in admin.site._registry]
    assert missing == []


@pytest.mark.django_db
def test_admin_changelists_render(people, client_for):
    c = client_for(people.admin)
    for model in admin.site._registry:
        if not model.__module__.startswith("jiewang."):
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert c.get(url).status_code == 200, url
