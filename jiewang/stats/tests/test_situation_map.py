"""The situation map (GET /api/situation/map): every metric of every sub-area on the hand-made
history of test_situation, the drill-down and the way back up, scope."""

from __future__ import annotations

import time_machine

from .test_situation import NOW, history  # noqa: F401 - the fixture


def get(client, **params):
    with time_machine.travel(NOW, tick=False):
        return client.get("/api/situation/map", params)


def by_id(data):
    return {a["area_id"]: a for a in data["areas"]}


def test_the_communities_of_a_town_with_every_figure(tree, people, loop, history, client_for):  # noqa: F811
    r = get(client_for(people.town_leader), area=tree.t1.id)
    assert r.status_code == 200, r.content
    m = r.json()
    assert m["area"] == {"id": tree.t1.id, "name": tree.t1.name, "level": "town"}
    assert m["metric"]["value"] == "new_month" and m["metric"]["better"] == "lower"
    assert {x["value"] for x in m["metrics"]} == {"new_month", "new_today", "open", "overdue", "on_time_rate",
                                                  "satisfaction_rate", "per_1000_households"}
    assert m["geojson_url"] == f"/api/areas/{tree.t1.id}/geojson"
    assert m["parent"] is None  # the district is not the town leader's to read
    areas = by_id(m)
    assert list(areas) == [tree.c1.id, tree.c2.id]
    # c1 holds g1 (e1, e2 this month; 400 households) and g2 (e5, reported in October; 10 households)
    assert areas[tree.c1.id]["figures"] == {"new_month": 2, "new_today": 1, "open": 1, "overdue": 1,
                                            "on_time_rate": 0.5, "satisfaction_rate": 0.9,
                                            "per_1000_households": round(2 * 1000 / 410, 2)}
    assert areas[tree.c1.id]["value"] == 2 and areas[tree.c1.id]["households"] == 410
    assert areas[tree.c1.id]["drillable"] is True
    # c2: e3 was voided; nothing closed, nothing rated: the rates are unknown, not zero
    assert areas[tree.c2.id]["figures"] == {"new_month": 0, "new_today": 0, "open": 0, "overdue": 0,
                                            "on_time_rate": None, "satisfaction_rate": None,
                                            "per_1000_households": 0.0}
    assert (m["min"], m["max"]) == (0, 2)


def test_each_metric_colours_by_its_own_value(tree, people, loop, history, client_for):  # noqa: F811
    c = client_for(people.town_leader)
    expected = {"new_today": 1, "open": 1, "overdue": 1, "on_time_rate": 0.5, "satisfaction_rate": 0.9,
                "per_1000_households": 4.88}
    for metric, value in expected.items():
        m = get(c, area=tree.t1.id, metric=metric).json()
        assert m["metric"]["value"] == metric
        assert by_id(m)[tree.c1.id]["value"] == value, metric
    rates = get(c, area=tree.t1.id, metric="on_time_rate").json()
    assert rates["metric"]["better"] == "higher" and (rates["min"], rates["max"]) == (0.5, 0.5)
    assert get(c, area=tree.t1.id, metric="bogus").status_code == 422


def test_drill_down_to_the_grids_and_a_grid_alone(tree, people, loop, history, client_for):  # noqa: F811
    c = client_for(people.town_leader)
    m = get(c, area=tree.c1.id).json()
    assert m["parent"] == {"id": tree.t1.id, "name": tree.t1.name}
    grids = by_id(m)
    assert list(grids) == [tree.g1.id, tree.g2.id]
    assert grids[tree.g1.id]["figures"]["new_month"] == 2 and grids[tree.g1.id]["drillable"] is False
    assert grids[tree.g2.id]["figures"]["open"] == 1 and grids[tree.g2.id]["figures"]["per_1000_households"] == 0.0
    one = get(c, area=tree.g1.id).json()  # a grid has no sub-areas: the grid itself
    assert [a["area_id"] for a in one["areas"]] == [tree.g1.id]


def test_a_district_colours_its_towns(tree, people, loop, history, client_for):  # noqa: F811
    m = get(client_for(people.district_admin), area=tree.d1.id).json()
    towns = by_id(m)
    assert list(towns) == [tree.t1.id, tree.t2.id]
    assert towns[tree.t1.id]["figures"]["new_month"] == 2 and towns[tree.t2.id]["figures"]["new_month"] == 0
    assert towns[tree.t1.id]["households"] == 760  # the grids below it (the town has no figure of its own)


def test_scope(tree, people, loop, history, client_for):  # noqa: F811
    staff = client_for(people.community_staff)
    m = get(staff).json()
    assert m["area"]["id"] == tree.c1.id and m["parent"] is None  # the town is not its to read
    assert get(staff, area=tree.t1.id).status_code == 404
    assert get(client_for(people.town_leader), area=tree.t3.id).status_code == 404
    assert get(client_for(people.department_staff)).status_code == 403
    assert get(client_for(None)).status_code == 401
