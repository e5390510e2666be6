"""POST requests with an address only (no lat/long): taken only from a key bound to a town, held
by that town's command center "to be placed" (待定位), shown back by GET, and every other Open311
rule (key, service attributes, retries) unchanged."""

import io
import re
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant, User
from jiewang.events.models import Deadline, Event, EventActivity, EventNumberSequence
from jiewang.notifications.models import Notification
from jiewang.open311.models import ApiKey, Submission
from jiewang.open311.services import api_key_create

BASE = "/open311/v2"
YEAR = timezone.localtime().year
ADDRESS = "一街道幸福路 8 号"


def post_form(client, path, pairs, **headers):
    return client.post(f"{BASE}/{path}", data=urlencode(pairs, doseq=True),
                       content_type="application/x-www-form-urlencoded; charset=utf-8", headers=headers)


def written() -> tuple:
    return (Event.objects.count(), Submission.objects.count(), EventActivity.objects.count(),
            Deadline.objects.count(), EventNumberSequence.objects.count(), Notification.objects.count())


@pytest.fixture
def town_key(tree, catalog):
    """(ApiKey, clear) bound to 一街道."""
    return api_key_create(actor=None, name="街道小程序", area=tree.t1)


def town_operator_of(town, name):
    u = User(username=name, display_name=name)
    u.set_password("pw-" + name + "-2026")
    u.save()
    RoleGrant.objects.create(user=u, role=Role.TOWN_OPERATOR, area=town)
    return u


def queue_numbers(html: str, key: str) -> list[str]:
    start = html.index(f'id="q-{key}"')
    section = html[start:html.index("</section>", start)]
    return re.findall(r'class="num" href="/events/([^"/]+)/"', section)


@pytest.mark.django_db
def test_address_only_lands_in_the_towns_queue_to_be_placed(client, tree, people, town_key, client_for):
    key, clear = town_key
    other_operator = town_operator_of(tree.t3, "op_t3")
    r = post_form(client, "requests.json", {"api_key": clear, "service_code": "LS01", "address_string": ADDRESS,
                                            "description": "路边垃圾堆积", "account_id": "acct-1"})
    assert r.status_code == 201, r.content
    number = f"500101001-{YEAR}-000001"  # numbered under the key's town
    assert r.json() == [{"service_request_id": number,
                         "service_notice": f"已登记为事件 {number}，待一街道指挥中心按地址定位后受理。/ Registered as event "
                                           f"{number}; the command center of 一街道 will place it on the map by its "
                                           "address, then route it.",
                         "account_id": "acct-1"}]
    event = Event.objects.get()
    assert (event.number, event.channel, event.status, event.level, event.location_status) == (
        number, "open311", "reported", "town", "unplaced")
    assert (event.town_id, event.community_id, event.grid_id, event.area_path, event.lon, event.lat) == (
        tree.t1.id, None, None, tree.t1.path, None, None)
    assert (event.address, event.title, event.category.code) == (ADDRESS, "路边垃圾堆积", "LS01")
    assert list(event.activities.values_list("action", "actor_id", "data")) == [
        ("report", None, {"channel": "open311", "level": "town", "locate": "unplaced"})]
    assert list(Deadline.objects.filter(event=event).values_list("kind", "state")) == [("accept", "running")]
    sub = Submission.objects.get()
    assert (sub.event_id, sub.api_key_id, sub.account_id, sub.address_id) == (event.id, key.id, "acct-1", "")
    # the town's operator is told (the level's role, as intake tells the grid worker of a located report)
    assert list(Notification.objects.values_list("recipient_id", "kind", "event_number")) == [
        (people.town_operator.id, "event.report", number)]

    # GET shows it: the address, no position
    (req,) = client.get(f"{BASE}/requests/{number}.json").json()
    assert (req["address"], req["address_id"], req["lat"], req["long"], req["status"], req["agency_responsible"]) == (
        ADDRESS, None, None, None, "open", "一街道")

    # the town's operator has it under "To place" (not "To accept"); another town's does not see it
    html = client_for(people.town_operator).get("/command/").content.decode()
    assert queue_numbers(html, "place") == [number]
    assert queue_numbers(html, "accept") == []
    assert "data-unplaced" in html and ADDRESS in html
    other = client_for(other_operator).get("/command/").content.decode()
    assert queue_numbers(other, "place") == [] and number not in other
    assert client_for(other_operator).get(f"/events/{number}/").status_code == 404
    # the grid and the community do not hold it (it has no grid yet)
    assert client_for(people.grid_worker).get(f"/events/{number}/").status_code == 404
    assert client_for(people.community_staff).get(f"/events/{number}/").status_code == 404
    # the district administrator sees it, but it waits for the town
    district = client_for(people.district_admin).get("/command/").content.decode()
    assert queue_numbers(district, "place") == [number]


@pytest.mark.django_db
def test_address_id_only_is_kept_and_shown(client, tree, town_key):
    _, clear = town_key
    r = post_form(client, "requests.xml", {"api_key": clear, "service_code": "LS03", "address_id": "ADDR-77"})
    assert r.status_code == 201, r.content
    event = Event.objects.get()
    assert (event.location_status, event.address) == ("unplaced", "address_id: ADDR-77")
    assert Submission.objects.get().address_id == "ADDR-77"
    (req,) = client.get(f"{BASE}/requests/{event.number}.json").json()
    assert (req["address"], req["address_id"], req["lat"]) == ("address_id: ADDR-77", "ADDR-77", None)
    # both: the address string is the address, the id is kept beside it
    r = post_form(client, "requests.json", {"api_key": clear, "service_code": "LS03", "address_string": ADDRESS,
                                            "address_id": "ADDR-78"})
    (req,) = client.get(f"{BASE}/requests/{r.json()[0]['service_request_id']}.json").json()
    assert (req["address"], req["address_id"]) == (ADDRESS, "ADDR-78")


@pytest.mark.django_db
def test_address_only_refused_without_a_town_key(client, tree, people, catalog, api_key):
    _, unbound = api_key
    _, district = api_key_create(actor=None, name="区级平台", area=tree.d1)

    def refused(pairs, status=400, fmt="json"):
        before = written()
        r = post_form(client, f"requests.{fmt}", pairs)
        assert r.status_code == status, r.content
        assert written() == before
        if fmt == "xml":
            return r.content.decode()
        (error,) = r.json()
        assert error["code"] == status
        return error["description"]

    assert refused({"api_key": unbound, "service_code": "LS01", "address_string": ADDRESS}) == (
        "须提供 lat 和 long：该 api_key 未绑定辖区，不能只凭地址受理 / lat and long are required: this api_key is bound to "
        "no area, so a request located by address_string or address_id alone cannot be taken. "
        "[open311.location_required]")
    assert "<code>400</code>" in refused({"api_key": unbound, "service_code": "LS01", "address_id": "A1"}, fmt="xml")
    assert refused({"api_key": district, "service_code": "LS01", "address_string": ADDRESS}).endswith(
        "[open311.address_needs_town]")
    # neither a point nor an address; half a point
    for pairs in ({"service_code": "LS01"}, {"service_code": "LS01", "lat": "29.2", "address_string": ADDRESS},
                  {"service_code": "LS01", "long": "106.05"}):
        assert refused({"api_key": unbound, **pairs}) == (
            "须提供 lat 和 long（或仅提供地址，需 api_key 绑定镇街）/ lat and long are required (or, with an api_key bound "
            "to a town, address_string or address_id alone).")
    assert refused({"api_key": unbound, "service_code": "LS01", "address_id": "x" * 129}) == \
        "address_id 过长 / address_id is too long (at most 128 characters)."
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_a_town_key_keeps_every_other_rule(client, tree, people, town_key):
    key, clear = town_key
    # a point and an address: located as always (the grid takes it), the address kept
    r = post_form(client, "requests.json", {"api_key": clear, "service_code": "LS01", "lat": "29.2",
                                            "long": "106.05", "address_string": ADDRESS})
    assert r.status_code == 201
    located = Event.objects.get()
    assert (located.location_status, located.level, located.grid_id, located.lon, located.address) == (
        "located", "grid", tree.g1.id, 106.05, ADDRESS)
    assert r.json()[0]["service_notice"].endswith("the grid it lies in will take it on.")
    # the service's attributes are still checked, the key still needed
    before = written()
    r = post_form(client, "requests.json", {"api_key": clear, "service_code": "SL02", "address_string": ADDRESS})
    assert r.status_code == 400 and r.json()[0]["description"].endswith("structure: required")
    assert post_form(client, "requests.json", {"service_code": "LS01", "address_string": ADDRESS}).status_code == 403
    assert post_form(client, "requests.json", {"api_key": clear, "service_code": "ZZ99",
                                               "address_string": ADDRESS}).status_code == 404
    assert written() == before
    # retries: the Idempotency-Key and the device_id rules answer with the first event
    body = {"api_key": clear, "service_code": "SL02", "attribute[structure]": "yard", "address_string": ADDRESS}
    first = post_form(client, "requests.json", body, **{"Idempotency-Key": "k-1"})
    again = post_form(client, "requests.json", body, **{"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 200) and first.json() == again.json()
    other = post_form(client, "requests.json", {**body, "description": "另一处"}, **{"Idempotency-Key": "k-1"})
    assert other.status_code == 400 and other.json()[0]["description"].endswith("[open311.idempotency_key_reused]")
    dev = {**body, "device_id": "phone-1"}
    a, b = post_form(client, "requests.json", dev), post_form(client, "requests.json", dev)
    assert (a.status_code, b.status_code) == (201, 200) and a.json() == b.json()
    assert Event.objects.filter(location_status="unplaced").count() == 2
    assert Submission.objects.count() == 3 and Event.objects.count() == 3
    # a deactivated key is cut off for address-only requests too
    key.is_active = False
    key.save()
    assert post_form(client, "requests.json", {**body, "device_id": "phone-2"}).status_code == 403


@pytest.mark.django_db
def test_key_command_and_admin_bind_an_area(tree, people, client_for):
    out = io.StringIO()
    call_command("open311_key", "街道通", "--area", tree.t1.code, stdout=out, stderr=io.StringIO())
    key = ApiKey.objects.get()
    assert (key.name, key.area_id) == ("街道通", tree.t1.id)
    for code in (tree.c1.code, "999999"):  # a community is not a command center; an unknown code
        with pytest.raises(CommandError):
            call_command("open311_key", "x", "--area", code, stdout=io.StringIO(), stderr=io.StringIO())
    assert ApiKey.objects.count() == 1

    admin = client_for(people.admin)
    r = admin.post("/admin/open311/apikey/add/", {"name": "社区通", "area": tree.c1.id, "is_active": "on"})
    assert r.status_code == 200 and "An API key is bound to a town or higher." in r.content.decode()
    assert ApiKey.objects.count() == 1
    r = admin.post("/admin/open311/apikey/add/", {"name": "区级平台", "area": tree.d1.id, "is_active": "on"})
    assert r.status_code == 302
    assert ApiKey.objects.get(name="区级平台").area_id == tree.d1.id
