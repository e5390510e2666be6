"""The pages: the grid worker's start screen card, the patrol screen, visits due, the visit form and
its "report as an event" form pre-filled, and the community's coverage page."""

from __future__ import annotations

import pytest

from jiewang.basedata.models import KeyGroup
from jiewang.basedata.services.residents import key_person_add
from jiewang.basedata.testing import house_at, resident_in
from jiewang.patrols.models import Patrol, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(tree):
    house = house_at(tree.g1)
    kp = key_person_add(actor=None, resident=resident_in(house, name="王大爷"),
                        group=KeyGroup.objects.get(code="elderly_alone"), visit_days=7)
    from jiewang.basedata.models import KeyPerson
    import datetime as dt

    KeyPerson.objects.filter(pk=kp.pk).update(since=dt.date(2026, 1, 1))
    return house, kp


def test_start_screen_to_patrol_in_two_taps(tree, people, client_for, home):
    c = client_for(people.grid_worker)
    page = c.get("/grid/").content.decode()
    assert 'id="start-patrol"' in page and "王大爷" in page  # today's patrol and the visits due
    r = c.get("/grid/patrol/")
    assert r.status_code == 200 and 'id="start-form"' in r.content.decode()
    r = c.post("/grid/patrol/", {"grid": tree.g1.pk})
    assert r.status_code == 302
    p = Patrol.objects.get(worker=people.grid_worker)
    page = c.get("/grid/patrol/").content.decode()
    assert 'id="patrol-map"' in page and f"/api/patrols/{p.pk}/points" in page
    assert 'id="continue-patrol"' in c.get("/grid/").content.decode()


def test_visit_form_to_event_form_prefilled(tree, people, client_for, home):
    house, kp = home
    c = client_for(people.grid_worker)
    assert "王大爷" in c.get("/grid/visits/").content.decode()
    assert c.get(f"/grid/visits/new/?key_person={kp.pk}").status_code == 200
    r = c.post("/grid/visits/new/", {"key_person": kp.pk, "findings": "燃气管老化", "needs": "更换", "lon": "106.06",
                                     "lat": "29.2", "client_id": "w-1"})
    assert r.status_code == 302, r.content
    v = Visit.objects.get()
    page = c.get(f"/grid/visits/{v.pk}/").content.decode()
    assert 'id="report-problem"' in page
    page = c.get(f"/grid/visits/{v.pk}/report/").content.decode()
    assert f'data-submit-url="/api/patrols/visits/{v.pk}/event"' in page
    assert 'value="燃气管老化"' in page and "王大爷" in page and 'value="106.060000"' in page


def test_pages_refused_to_others(tree, people, client_for, home):
    assert client_for(people.town_leader).get("/grid/patrol/").status_code == 403
    assert client_for(people.nobody).get("/patrols/coverage/").status_code == 404


def test_coverage_page_for_the_community(tree, people, client_for, home):
    page = client_for(people.community_staff).get(f"/patrols/coverage/?area={tree.c1.pk}")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="coverage-children"' in text and "甲社区第1网格" in text and "王大爷" in text
    assert client_for(people.community_staff).get(f"/patrols/coverage/?area={tree.t1.pk}").status_code == 404
    r = client_for(people.town_leader).get("/patrols/coverage/")  # default: the leader's town
    assert r.status_code == 200 and "一街道" in r.content.decode()


def test_the_patrol_screen_works_without_signal(tree, people, client_for, home):
    """Before a patrol: the screen carries what an offline start needs — the url templates, the
    worker's grids and the buildings of their own grids only (not another grid's)."""
    import json
    import re
    import uuid

    from jiewang.basedata.services.places import address_create

    address_create(actor=None, grid=tree.g3, road="清风路", number="1号")  # another community's grid
    c = client_for(people.grid_worker)
    page = c.get("/grid/patrol/").content.decode()

    def data(name):
        return json.loads(re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', page, re.S)[1])

    cfg = data("patrol-config")
    assert (cfg["patrol"], cfg["start_url"], cfg["points_url"]) == (None, "/api/patrols", "/api/patrols/{id}/points")
    assert data("patrol-grids") == {str(tree.g1.pk): tree.g1.name}
    assert [(b["name"], b["grid_id"]) for b in data("patrol-buildings")] == [("学府路12号3栋", tree.g1.pk)]
    assert 'id="patrol" aria-labelledby="h-patrol" hidden' in page  # shown by patrol.js once started
    visit_form = c.get(f"/grid/visits/new/?house={home[0].pk}").content.decode()
    client_id = re.search(r'name="client_id" value="([^"]+)"', visit_form)[1]
    assert uuid.UUID(client_id) and 'data-api="/api/patrols/visits"' in visit_form
