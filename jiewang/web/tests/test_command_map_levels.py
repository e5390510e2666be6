"""The command center's map above the town: a district sees its towns, a city its districts (the
grid layer of a large area is refused with a message instead of a blank map)."""

from __future__ import annotations

import pytest

from jiewang.events.models import Event, MatterCategory
from jiewang.events.selectors import area_counts
from jiewang.events.services.intake import event_report
from jiewang.web.command import views

G1 = (106.05, 29.2)  # 甲社区第1网格 (一街道, 北区)
G3 = (106.3, 29.2)  # 乙社区第1网格 (一街道)
G4 = (106.7, 29.5)  # 丙村第1网格 (三镇, 南区)


def report_at(lon, lat):
    event, _ = event_report(actor=None, channel="resident_web", category=MatterCategory.objects.get(code="LS01"),
                            lon=lon, lat=lat, title="点")
    return event


@pytest.fixture
def reported(tree, people, loop):
    a = report_at(*G1)
    Event.objects.filter(pk=a.pk).update(is_overdue=True)
    report_at(*G3)
    report_at(*G4)
    return tree


@pytest.mark.django_db
def test_area_counts_roll_up_each_level(reported, people):
    t = reported
    admin = people.admin
    assert area_counts(user=admin, level=1) == {t.city.id: {"open": 3, "overdue": 1, "local": 3}}
    assert area_counts(user=admin, level=2) == {t.d1.id: {"open": 2, "overdue": 1, "local": 2}, t.d2.id: {"open": 1, "overdue": 0, "local": 1}}
    assert area_counts(user=admin, level=3) == {t.t1.id: {"open": 2, "overdue": 1, "local": 2}, t.t3.id: {"open": 1, "overdue": 0, "local": 1}}
    assert area_counts(user=admin, level=4) == {t.c1.id: {"open": 1, "overdue": 1, "local": 1}, t.c2.id: {"open": 1, "overdue": 0, "local": 1},
                                                t.c3.id: {"open": 1, "overdue": 0, "local": 1}}
    assert area_counts(user=admin, level=5) == {t.g1.id: {"open": 1, "overdue": 1, "local": 1}, t.g3.id: {"open": 1, "overdue": 0, "local": 1},
                                                t.g4.id: {"open": 1, "overdue": 0, "local": 1}}
    # Scope: a district administrator counts only their district.
    assert area_counts(user=people.district_admin, level=2) == {t.d1.id: {"open": 2, "overdue": 1, "local": 2}}


@pytest.mark.django_db
def test_district_map_shows_towns(reported, people, client_for):
    t = reported
    c = client_for(people.district_admin)
    data = c.get("/command/map/grids.json").json()
    assert data["layer"] == "town"
    assert [x["value"] for x in data["layers"]] == ["town", "community", "grid"]
    assert data["geojson_url"] == f"/api/areas/{t.d1.id}/geojson?level=town"
    assert data["too_large"] is False and data["message"] == ""
    assert data["areas"] == {str(t.t1.id): {"open": 2, "overdue": 1, "local": 2, "name": "一街道"}}
    assert data["totals"] == {"open": 2, "overdue": 1, "local": 2}
    fc = c.get(data["geojson_url"] + "&zoom=10").json()
    assert sorted(f["properties"]["name"] for f in fc["features"]) == ["一街道", "二街道"]
    # Another layer on request.
    data = c.get("/command/map/grids.json?layer=community").json()
    assert data["layer"] == "community"
    assert data["areas"] == {str(t.c1.id): {"open": 1, "overdue": 1, "local": 1, "name": "甲社区"},
                             str(t.c2.id): {"open": 1, "overdue": 0, "local": 1, "name": "乙社区"}}
    # An unknown layer falls back to the default.
    assert c.get("/command/map/grids.json?layer=city").json()["layer"] == "town"
    # The page's table names the towns, and the layer picker offers the levels.
    page = c.get("/command/").content.decode()
    assert '<tr><td>一街道</td><td>2</td><td>1</td><td>2</td></tr>' in page
    assert '<option value="town" selected>镇街</option>' in page
    assert 'data-t-by="各{level}未办结事件"' in page
    assert '<span id="area-counts-summary">各镇街未办结事件</span> (<span data-map-open>2</span>)' in page


@pytest.mark.django_db
def test_city_map_shows_districts(reported, people, client_for):
    t = reported
    data = client_for(people.admin).get("/command/map/grids.json").json()
    assert data["area"] == t.city.id and data["layer"] == "district"
    assert data["geojson_url"] == f"/api/areas/{t.city.id}/geojson?level=district"
    assert data["areas"] == {str(t.d1.id): {"open": 2, "overdue": 1, "local": 2, "name": "北区"},
                             str(t.d2.id): {"open": 1, "overdue": 0, "local": 1, "name": "南区"}}


@pytest.mark.django_db
def test_a_layer_too_large_says_so(reported, people, client_for, monkeypatch):
    monkeypatch.setattr(views, "MAP_LAYER_MAX_AREAS", 2)
    data = client_for(people.district_admin).get("/command/map/grids.json?layer=grid").json()
    assert data["too_large"] is True and data["geojson_url"] is None
    assert data["message"] == "3 个区域太多，无法绘制；请选择更粗的图层或更小的范围。"
    # The counts are still there (the table below the map lists them).
    assert sorted(data["areas"]) == sorted([str(reported.g1.id), str(reported.g3.id)])
