"""The big screen's live feed (/command/screen/live.json): the duty's open alarms of the towns
under the screen's area (emergencies first, flagged to flash) and the latest open early-warning
alerts, scoped to the user; and the command center embeds the situation map."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(tree, people, loop):
    from jiewang.duty.testing import put_on_roster, today, urgent_event
    from jiewang.warning.testing import evaluate, report, rule

    put_on_roster(tree.t1, today(), people.town_leader)
    urgent = urgent_event(tree, people, loop, title="化工厂泄漏")
    emergency = urgent_event(tree, people, loop, urgency="emergency", title="燃气爆炸")
    rule(tree.t1, "keyword", {"words": ["讨薪"]})
    report(title="农民工讨薪")
    (alert,) = evaluate()
    return {"urgent": urgent, "emergency": emergency, "alert": alert}


def test_the_feed_of_a_town(tree, people, live, client_for):
    r = client_for(people.town_operator).get(f"/command/screen/live.json?area={tree.t1.id}")
    assert r.status_code == 200
    data = r.json()
    assert data["alarm_count"] == 2
    assert [(a["title"], a["severity"], a["flash"]) for a in data["alarms"]] == [
        ("燃气爆炸", "major", True), ("化工厂泄漏", "urgent", False)]
    assert [a["id"] for a in data["alerts"]] == [live["alert"].pk]
    assert data["alerts"][0]["kind"] == "keyword" and data["alerts"][0]["state"] == "open"


def test_the_feed_is_scoped(tree, people, live, client_for):
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User

    other = User.objects.create_user("t2_op", password="pw-t2-op-2026")
    RoleGrant.objects.create(user=other, role=Role.TOWN_OPERATOR, area=tree.t2)
    data = client_for(other).get(f"/command/screen/live.json?area={tree.t1.id}").json()
    assert data == {"alarms": [], "alarm_count": 0, "alerts": []}  # its own town: nothing there
    assert client_for(people.community_staff).get("/command/screen/live.json").status_code == 403
    assert client_for(None).get("/command/screen/live.json").status_code == 302
    assert client_for(people.town_operator).post("/command/screen/live.json").status_code == 405


def test_the_pages_carry_the_map(tree, people, live, client_for):
    c = client_for(people.town_leader)
    page = c.get("/command/").content.decode()
    assert "data-sitmap" in page and 'data-url="/api/situation/map"' in page and "web/situation-map.js" in page
    assert 'value="per_1000_households"' in page  # the figures to colour by
    screen = c.get(f"/command/screen/?area={tree.t1.id}").content.decode()
    assert 'data-dark="1"' in screen and 'id="screen-live"' in screen and '"flash": true' in screen
