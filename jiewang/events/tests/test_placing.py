"""Placing an event reported by address only (定位): through the API and the page form the event is
located and routed as intake would have (grid, community, area_path, level), keeps its number,
gets a fresh accept clock for the new holder, an activity and a notification; refusals (another
town's operator, a point outside the town, an event that has a point) change nothing."""

import json

import pytest

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant, User
from jiewang.events.models import Deadline, Event, EventActivity, MatterCategory
from jiewang.events.services.placing import event_place, event_report_unplaced
from jiewang.events.testing import make_event
from jiewang.notifications.models import Notification

IN_G1 = {"lon": 106.05, "lat": 29.2}  # 甲社区第1网格, 一街道
IN_G3 = {"lon": 106.3, "lat": 29.2}  # 乙社区第1网格, 一街道
IN_T2 = {"lon": 106.1, "lat": 29.7}  # 二街道: another town of the same district
OUTSIDE = {"lon": 105.5, "lat": 29.2}  # outside the city


def unplaced(tree, **kw):
    event, created = event_report_unplaced(
        actor=None, channel="open311", category=MatterCategory.objects.get(code="LS01"), town=tree.t1,
        title="路边垃圾", address="一街道幸福路 8 号", **kw)
    assert created
    return event


def snapshot(event) -> tuple:
    e = Event.objects.get(pk=event.pk)
    return (e.version, e.lon, e.lat, e.grid_id, e.community_id, e.area_path, e.level, e.location_status,
            EventActivity.objects.filter(event=e).count(),
            tuple(Deadline.objects.filter(event=e).order_by("id").values_list("kind", "state", "due_at")),
            Notification.objects.count())


def api_place(client, event, body):
    return client.post(f"/api/events/{event.number}/place", data=json.dumps(body), content_type="application/json")


def running_accept_clocks(event):
    return list(Deadline.objects.filter(event=event, kind="accept", state="running"))


@pytest.mark.django_db
def test_place_through_the_api_routes_it_as_intake_would(tree, people, loop, client_for):
    event = unplaced(tree)
    (old_clock,) = running_accept_clocks(event)
    Notification.objects.all().delete()
    r = api_place(client_for(people.town_operator), event, {**IN_G1, "comment": "按门牌定位",
                                                             "expected_version": event.version})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["number"], body["lon"], body["lat"], body["level"], body["location_status"], body["grid"]["id"]) == (
        event.number, 106.05, 29.2, "grid", "placed", tree.g1.id)
    placed = Event.objects.get(pk=event.pk)
    # what intake sets for an Open311 report at this point
    assert (placed.number, placed.status, placed.level, placed.grid_id, placed.community_id, placed.town_id,
            placed.area_path, placed.version) == (event.number, "reported", "grid", tree.g1.id, tree.c1.id,
                                                  tree.t1.id, tree.g1.path, event.version + 1)
    activity = EventActivity.objects.filter(event=placed).order_by("id").last()
    assert (activity.action, activity.from_status, activity.to_status, activity.actor_id, activity.actor_role,
            activity.comment) == ("place", "reported", "reported", people.town_operator.id, "town_operator",
                                  "按门牌定位")
    assert {k: activity.data[k] for k in ("lon", "lat", "crs", "from_level", "to_level", "area")} == {
        "lon": 106.05, "lat": 29.2, "crs": "wgs84", "from_level": "town", "to_level": "grid",
        "area": tree.g1.code}
    # exactly one running accept clock: the new holder's; the town's was cancelled
    (clock,) = running_accept_clocks(placed)
    assert clock.pk != old_clock.pk and clock.started_at == activity.at
    old_clock.refresh_from_db()
    assert old_clock.state == "cancelled"
    assert placed.due_at == clock.due_at
    # the grid worker is told, and now holds it
    assert list(Notification.objects.values_list("recipient_id", "kind")) == [(people.grid_worker.id, "event.place")]
    assert client_for(people.grid_worker).get(f"/events/{event.number}/").status_code == 200
    # routed like any other: the grid may handle it itself
    r = client_for(people.grid_worker).post(f"/api/events/{event.number}/self-handle", data="{}",
                                            content_type="application/json")
    assert r.status_code == 200 and Event.objects.get(pk=event.pk).status == "handling"


@pytest.mark.django_db
def test_place_from_the_event_page_with_the_map(tree, people, loop, client_for):
    event = unplaced(tree)
    op = client_for(people.town_operator)
    page = op.get(f"/events/{event.number}/").content.decode()
    # the address first, the place form first, the map of the town with the inputs a click fills
    assert "data-unplaced-address" in page and "一街道幸福路 8 号" in page
    assert page.index('data-action="place"') < page.index('data-action="accept"')
    assert 'id="act-place-lon"' in page and 'id="act-place-lat"' in page and 'id="act-place-crs"' in page
    map_data = json.loads(page.split('id="event-map-data" type="application/json">')[1].split("</script>")[0])
    assert map_data["point"] is None and map_data["grid"]["properties"]["name"] == "一街道"
    assert map_data["pick"] == {"lon": "act-place-lon", "lat": "act-place-lat", "crs": "act-place-crs"}
    # the district administrator does not hold it: no form, no picker
    district_page = client_for(people.district_admin).get(f"/events/{event.number}/").content.decode()
    assert 'data-action="place"' not in district_page and '"pick": null' in district_page

    r = op.post(f"/events/{event.number}/do/place/", {"expected_version": event.version, "surface": "event_page",
                                                       "lon": "106.3", "lat": "29.2", "crs": "wgs84", "comment": ""})
    assert r.status_code == 302 and r.url == f"/events/{event.number}/"
    assert [m.level_tag for m in r.wsgi_request._messages] == ["success"]
    placed = Event.objects.get(pk=event.pk)
    assert (placed.grid_id, placed.community_id, placed.level, placed.location_status, placed.lon) == (
        tree.g3.id, tree.c2.id, "grid", "placed", 106.3)
    assert len(running_accept_clocks(placed)) == 1
    page = op.get(f"/events/{event.number}/").content.decode()
    assert "data-unplaced-address" not in page and 'data-action="place"' not in page
    assert "106.30000, 29.20000 · " in page  # the point, marked as placed by an operator


@pytest.mark.django_db
def test_gcj02_points_are_converted_like_intakes(tree, people, loop):
    from jiewang.areas.locator.coords import gcj02_to_wgs84

    event = unplaced(tree)
    gcj = (106.0553, 29.1975)
    placed = event_place(event=event, actor=people.town_operator, lon=gcj[0], lat=gcj[1], crs="gcj02")
    assert (placed.lon, placed.lat) == gcj02_to_wgs84(*gcj) and placed.grid_id == tree.g1.id


@pytest.mark.django_db
def test_refusals_change_nothing(tree, people, loop, client_for):
    event = unplaced(tree)
    op = client_for(people.town_operator)
    before = snapshot(event)

    def refused(client, body, status, code):
        r = api_place(client, event, body)
        assert r.status_code == status, r.content
        assert r.json()["code"] == code
        assert snapshot(event) == before

    refused(op, IN_T2, 422, "event.place_outside_town")
    refused(op, OUTSIDE, 422, "event.outside_jurisdiction")
    refused(op, {"lon": 106.05}, 422, "validation_failed")
    refused(op, {**IN_G1, "crs": "bd09"}, 422, "validation_failed")
    refused(op, {**IN_G1, "expected_version": event.version - 1}, 409, "event.stale")
    # another town's operator: not found; the district administrator: not the level holding it
    other = User.objects.create(username="op_t3", display_name="op_t3")
    RoleGrant.objects.create(user=other, role=Role.TOWN_OPERATOR, area=tree.t3)
    refused(client_for(other), IN_G1, 404, "event.not_found")
    refused(client_for(people.other_district_admin), IN_G1, 404, "event.not_found")
    refused(client_for(people.district_admin), IN_G1, 403, "event.action_not_permitted")
    refused(client_for(people.community_staff), IN_G1, 404, "event.not_found")
    # the page form refuses the same way
    r = op.post(f"/events/{event.number}/do/place/", {"surface": "event_page", **IN_T2})
    assert r.status_code == 302 and [m.level_tag for m in r.wsgi_request._messages] == ["error"]
    assert snapshot(event) == before

    # placed once: a second placing is a conflict
    assert api_place(op, event, IN_G1).status_code == 200
    event.refresh_from_db()
    before = snapshot(event)
    r = api_place(client_for(people.grid_worker), event, IN_G3)
    assert r.status_code == 403 and snapshot(event) == before  # the grid worker holds it but may not place
    r = api_place(client_for(people.admin), event, IN_G3)
    assert (r.status_code, r.json()["code"]) == (409, "event.already_placed") and snapshot(event) == before
    # an event reported with a point, held by the town, was never unplaced
    located = make_event(tree, people, loop, "reported", level="town")
    before = snapshot(located)
    r = api_place(op, located, IN_G1)
    assert (r.status_code, r.json()["code"]) == (409, "event.already_placed") and snapshot(located) == before
    # an accepted event is past placing
    accepted = make_event(tree, people, loop, "accepted", level="town")
    r = api_place(op, accepted, IN_G1)
    assert (r.status_code, r.json()["code"]) == (409, "event.transition_not_allowed")


@pytest.mark.django_db
def test_escalated_to_the_district_the_district_places_it(tree, people, loop, client_for):
    from jiewang.events.services.actions import event_escalate

    event = unplaced(tree)
    event_escalate(event=event, actor=people.town_operator, reason="地址不清，请区里协调")
    event.refresh_from_db()
    assert event.level == "district"
    assert api_place(client_for(people.town_operator), event, IN_G1).status_code == 403
    r = api_place(client_for(people.district_admin), event, IN_G1)
    assert r.status_code == 200, r.content
    placed = Event.objects.get(pk=event.pk)
    assert (placed.level, placed.grid_id, placed.escalation_count) == ("grid", tree.g1.id, 1)
    assert len(running_accept_clocks(placed)) == 1


@pytest.mark.django_db
def test_open311_get_shows_the_point_and_the_step_once_placed(client, tree, people, loop):
    event = unplaced(tree)
    event_place(event=event, actor=people.town_operator, lon=106.05, lat=29.2, comment="")
    (req,) = client.get(f"/open311/v2/requests/{event.number}.json").json()
    assert (req["lat"], req["long"], req["agency_responsible"]) == (29.2, 106.05, "甲社区第1网格")
    assert [(n["type"], n["description"]) for n in req["notes"]] == [("report", "上报"), ("place", "定位")]
