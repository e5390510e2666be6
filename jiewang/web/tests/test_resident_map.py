"""The resident's report map: the jurisdiction's outline at once, and a town then a community
picked from selects (the pin goes inside the community)."""

import pytest
from shapely.geometry import Point, shape

from jiewang.areas.models import Area


@pytest.mark.django_db
def test_form_offers_towns_grouped_by_district(tree, people, loop, client):
    page = client.get("/report/").content.decode()
    assert 'data-outline-url="/report/outline.geojson"' in page
    assert 'data-communities-url="/report/communities.json"' in page
    assert (f'<optgroup label="北区"><option value="{tree.t1.id}" data-bbox="106.0,29.0,106.5,29.5">一街道</option>'
            f'<option value="{tree.t2.id}" data-bbox="106.0,29.5,106.5,30.0">二街道</option></optgroup>') in page
    assert f'<optgroup label="南区"><option value="{tree.t3.id}" data-bbox="106.5,29.0,107.0,30.0">三镇</option>' in page
    assert '<select id="pick-community" disabled>' in page


@pytest.mark.django_db
def test_outline_is_every_town(tree, people, client):
    r = client.get("/report/outline.geojson")
    fc = r.json()
    assert r.status_code == 200 and r["Cache-Control"] == "public, max-age=300"
    assert [(f["id"], f["properties"]) for f in fc["features"]] == [
        (tree.t1.id, {"name": "一街道"}), (tree.t2.id, {"name": "二街道"}), (tree.t3.id, {"name": "三镇"})]
    assert shape(fc["features"][0]["geometry"]).bounds == (106.0, 29.0, 106.5, 29.5)


@pytest.mark.django_db
def test_communities_of_a_town_with_a_point_inside(tree, people, client):
    data = client.get(f"/report/communities.json?town={tree.t1.id}").json()
    assert data["town"] == {"id": tree.t1.id, "name": "一街道", "bbox": [106.0, 29.0, 106.5, 29.5]}
    assert [(c["id"], c["name"], c["bbox"]) for c in data["communities"]] == [
        (tree.c1.id, "甲社区", [106.0, 29.0, 106.25, 29.5]), (tree.c2.id, "乙社区", [106.25, 29.0, 106.5, 29.5])]
    for c in data["communities"]:
        area = Area.objects.get(pk=c["id"])
        assert shape(area.geometry).contains(Point(*c["point"]))
    # A town with no communities, a community id, junk: nothing to pick.
    assert client.get(f"/report/communities.json?town={tree.t2.id}").json()["communities"] == []
    for bad in (str(tree.c1.id), "x", "", "9" * 30):
        r = client.get(f"/report/communities.json?town={bad}")
        assert r.status_code == 404 and r.json()["communities"] == []
