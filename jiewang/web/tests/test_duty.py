"""The duty's pages: the roster's month grid and a day's form, the log with the handover, the
command center's duty panel with the flashing alarm banner (acknowledged from there), the alarm
card of the event page; each for the roles that may, a 404 for another town."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from jiewang.duty.models import Alarm, DutyDay, DutyHandover, DutyLogEntry
from jiewang.duty.testing import build_duty, put_on_roster, today, urgent_event

pytestmark = pytest.mark.django_db
D = dt.timedelta(days=1)


@pytest.fixture
def duty(tree, people):
    return build_duty(tree, people)


def html(resp) -> str:
    assert resp.status_code == 200, resp.status_code
    return resp.content.decode()


@pytest.mark.parametrize("who", ["town_operator", "town_leader", "district_admin", "duty.commander", "duty.leader",
                                 "duty.deputy"])
def test_roster_and_log_pages_render_for_the_roles(who, tree, people, loop, duty, client_for):
    user = getattr(duty, who[5:]) if who.startswith("duty.") else getattr(people, who)
    put_on_roster(tree.t1, today(), duty.leader, [people.town_operator])
    c = client_for(user)
    page = html(c.get(f"/duty/?town={tree.t1.id}"))
    assert "值班表" in page and 'aria-current="date"' in page and "duty_leader" in page
    assert html(c.get(f"/duty/log/?town={tree.t1.id}")).count("duty_leader") >= 1
    assert html(c.get("/command/")).count("今日值班") == (1 if who != "district_admin" else 0)
    # the duty is a page of the command group (指挥调度): in the group's bar on its pages
    nav = html(c.get("/command/supervision/"))
    assert '<nav class="subnav"' in nav and 'href="/duty/"' in nav.split('<nav class="subnav"')[1]


def test_other_roles_and_towns_are_kept_out(tree, people, duty, client_for):
    assert client_for(people.grid_worker).get("/duty/").status_code == 403
    assert client_for(duty.other_leader).get(f"/duty/?town={tree.t1.id}").status_code == 404
    assert client_for(duty.other_leader).get(f"/duty/log/?town={tree.t1.id}").status_code == 404
    assert client_for(people.town_operator).get(f"/duty/{tree.t1.id}/{today() + D}/").status_code == 403
    assert client_for(None).get("/duty/").status_code == 302


def test_the_commander_plans_a_day_from_the_month_grid(tree, people, duty, client_for):
    c = client_for(duty.commander)
    page = html(c.get(f"/duty/?town={tree.t1.id}"))
    day = today() + D
    if day.month == today().month:
        assert f'href="/duty/{tree.t1.id}/{day}/"' in page
    assert f'href="/duty/{tree.t1.id}/{today() - D}/"' not in page
    form = html(c.get(f"/duty/{tree.t1.id}/{day}/"))
    assert "duty_leader" in form and 'name="operators"' in form
    r = c.post(f"/duty/{tree.t1.id}/{day}/", {"leader": duty.leader.id, "operators": [people.town_operator.id],
                                             "note": "防汛", "version": "0"})
    assert r.status_code == 302
    row = DutyDay.objects.get(town=tree.t1, date=day)
    assert (row.leader, list(row.operators.all()), row.note) == (duty.leader, [people.town_operator], "防汛")
    # A stranger to the town is refused on the page, and nothing changes.
    r = c.post(f"/duty/{tree.t1.id}/{day}/", {"leader": duty.other_leader.id, "version": "1"})
    assert r.status_code == 422 and "本镇街" in r.content.decode()
    assert DutyDay.objects.get(pk=row.pk).leader == duty.leader


def test_log_and_handover_through_the_pages(tree, people, duty, client_for):
    put_on_roster(tree.t1, today(), duty.leader, [people.town_operator])
    put_on_roster(tree.t1, today() + D, duty.leader2)
    op = client_for(people.town_operator)
    assert 'name="body"' in html(op.get(f"/duty/log/?town={tree.t1.id}"))
    r = op.post("/duty/log/add/", {"town": tree.t1.id, "body": "接报路灯故障"})
    assert r.status_code == 302 and DutyLogEntry.objects.get().body == "接报路灯故障"
    # Not on duty: the form is not offered, and a post is refused.
    cmd = client_for(duty.commander)
    assert 'name="body"' not in html(cmd.get(f"/duty/log/?town={tree.t1.id}"))
    cmd.post("/duty/log/add/", {"town": tree.t1.id, "body": "x"})
    assert DutyLogEntry.objects.count() == 1
    leader = client_for(duty.leader)
    assert 'name="summary"' in html(leader.get(f"/duty/log/?town={tree.t1.id}"))
    leader.post("/duty/handover/", {"town": tree.t1.id, "date": today().isoformat(), "summary": "积水点需关注"})
    h = DutyHandover.objects.get()
    nxt = client_for(duty.leader2)
    page = html(nxt.get(f"/duty/log/?town={tree.t1.id}&date={today() + D}"))
    assert "积水点需关注" in page
    nxt.post(f"/duty/handover/{h.id}/confirm/", {"note": "收到"})
    assert DutyHandover.objects.get().confirmed_by == duty.leader2


def test_the_command_center_flashes_open_alarms_and_acknowledges_from_there(tree, people, loop, duty, client_for):
    put_on_roster(tree.t1, today(), duty.leader, [people.town_operator])
    event = urgent_event(tree, people, loop)
    alarm = Alarm.objects.get(event=event)
    page = html(client_for(people.town_operator).get("/command/"))
    assert "data-duty-alarms" in page and event.number in page and 'role="alert"' in page
    assert 'data-action="acknowledge_alarm"' not in page  # operators see it; a leader answers
    page = html(client_for(duty.leader).get("/command/"))
    assert 'data-action="acknowledge_alarm"' in page
    form = re.search(r'<form[^>]*data-action="acknowledge_alarm".*?</form>', page, re.S).group(0)
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))
    assert fields["alarm_id"] == str(alarm.pk) and fields["next"] == "/command/"
    r = client_for(duty.leader).post(f"/events/{event.number}/do/acknowledge_alarm/", {**fields, "note": "已到场"})
    assert r.status_code == 302 and r.url == "/command/"
    assert Alarm.objects.get(pk=alarm.pk).state == "acknowledged"
    assert "data-duty-alarms" not in html(client_for(duty.leader).get("/command/"))
    # The event page shows the alarm and who answered it.
    page = html(client_for(duty.commander).get(f"/events/{event.number}/"))
    assert 'data-event-alarm="acknowledged"' in page and "已到场" in page
    assert "告警" in page


def test_the_banner_respects_reduced_motion():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[1] / "static" / "web" / "duty.css").read_text()
    assert "@keyframes duty-flash" in css
    assert re.search(r"prefers-reduced-motion: reduce\) \{ \.duty-alarms \{ animation:none", css)
