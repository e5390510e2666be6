"""The grid worker's report: the category screen puts the worker's recent and frequent categories
first, above the catalog folded by board; the location screen carries the worker's own grid
outline for the map (the boxes stay); the service worker precaches the map library."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from jiewang.events.models import Event, MatterCategory
from jiewang.events.selectors import categories_used_by
from jiewang.events.services.intake import event_report


def patrol(user, code, *, days_ago=0.0, at=(106.05, 29.2)):
    event, _ = event_report(actor=user, channel="patrol", category=MatterCategory.objects.get(code=code),
                            lon=at[0], lat=at[1], title=code)
    Event.objects.filter(pk=event.pk).update(reported_at=timezone.now() - dt.timedelta(days=days_ago))
    return event


def quick_codes(page, section_id):
    start = page.index(f'id="{section_id}"')
    block = page[start:page.index("</div>", page.index('class="catgrid"', start))]
    return re.findall(r'data-code="([A-Z0-9]+)"', block)


@pytest.mark.django_db
def test_recent_and_frequent_categories(tree, people, loop):
    w = people.grid_worker
    assert categories_used_by(user=w) == ([], [])
    for code, days in [("LS01", 10), ("LS01", 9), ("LS01", 8), ("SL01", 7), ("SL01", 6), ("LS03", 5), ("LS12", 4),
                       ("LS04", 3), ("LS05", 2), ("LS12", 1), ("EC01", 400)]:
        patrol(w, code, days_ago=days)
    patrol(people.community_staff, "LS04")  # someone else's report counts for them only
    ids = {c.code: c.id for c in MatterCategory.objects.all()}
    recent, frequent = categories_used_by(user=w, recent=3, frequent=2)
    assert recent == [ids["LS12"], ids["LS05"], ids["LS04"]]
    assert frequent == [ids["LS01"], ids["SL01"]]  # EC01 is too old to count


@pytest.mark.django_db
def test_report_page_shows_quick_picks_then_the_catalog_folded(tree, people, loop, client_for):
    w = people.grid_worker
    c = client_for(w)
    page = c.get("/grid/report/").content.decode()
    assert 'id="cat-quick"' not in page  # nothing reported yet
    assert page.count('<details class="board-group board-fold">') == 4
    for code, days in [("LS01", 3), ("LS01", 2), ("SL01", 1)]:
        patrol(w, code, days_ago=days)
    page = c.get("/grid/report/").content.decode()
    assert quick_codes(page, "q-recent") == ["SL01", "LS01"]
    assert 'id="q-frequent"' not in page  # both already among the recent ones
    assert page.index('id="cat-quick"') < page.index('id="cat-all"') < page.index('data-code="LS02"')
    assert '<input id="cat-search" type="search"' in page and 'id="cat-none"' in page


@pytest.mark.django_db
def test_location_screen_has_the_own_grid_outline(tree, people, loop, client_for):
    page = client_for(people.grid_worker).get("/grid/report/").content.decode()
    outline = json.loads(re.search(r'<script id="grid-outline" type="application/json">(.*?)</script>', page).group(1))
    assert [(f["id"], f["properties"]["name"]) for f in outline["features"]] == [(tree.g1.id, "甲社区第1网格")]
    assert outline["features"][0]["geometry"] == tree.g1.geometry
    assert 'id="grid-map" class="pinmap" hidden' in page
    assert 'id="lon" name="lon"' in page and 'id="lat" name="lat"' in page  # the boxes are kept
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "tile" not in page.lower().split('id="grid-map"')[1].split("</section>")[0]
    # Community staff see their community's outline.
    page = client_for(people.community_staff).get("/grid/report/").content.decode()
    outline = json.loads(re.search(r'<script id="grid-outline" type="application/json">(.*?)</script>', page).group(1))
    assert [f["properties"]["name"] for f in outline["features"]] == ["甲社区"]
    # A superuser without a grid grant: no map, the boxes only.
    page = client_for(people.admin).get("/grid/report/").content.decode()
    assert 'id="grid-map"' not in page and 'id="grid-outline"' not in page


@pytest.mark.django_db
def test_service_worker_precaches_the_map_library(client):
    body = client.get("/sw.js").content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in body and "/static/vendor/leaflet/leaflet.css" in body
