"""The event page (/events/<number>/): facts, the actions each role may do now, posting them, stale
pages and scope."""

import re

import pytest

from jiewang.events.models import Event
from jiewang.events.testing import make_event, png_bytes




def actions_on(page: str) -> set[str]:
    return set(re.findall(r'data-action="([a-z_]+)"', page))


def page_of(client, event) -> str:
    r = client.get(f"/events/{event.number}/")
    assert r.status_code == 200, r.status_code
    return r.content.decode()


def act(client, event, action, version=None, **data):
    data["expected_version"] = event.version if version is None else version
    return client.post(f"/events/{event.number}/do/{action}/", data)


@pytest.mark.django_db
def test_page_shows_the_facts_and_masked_phone(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "reported")
    Event.objects.filter(pk=e.pk).update(reporter_name="张三", reporter_phone="13912345678", address="甲街1号")
    page = page_of(client_for(people.grid_worker), e)
    assert e.title in page and "甲街1号" in page and "张三" in page
    assert "139*****678" not in page and "139****5678" in page and "13912345678" not in page
    assert 'data-status="reported"' in page and "event-map-data" in page
    assert "受理" in page  # the accept clock


@pytest.mark.django_db
def test_each_role_sees_its_actions_on_a_reported_grid_event(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "reported", category="LS01")
    gw = actions_on(page_of(client_for(people.grid_worker), e))
    # the district does not let grids whistle directly (the default): they ask the town center
    assert {"escalate", "void", "photo", "request_whistle"} <= gw and not {"accept", "whistle"} & gw
    cs = actions_on(page_of(client_for(people.community_staff), e))
    assert "accept" not in cs and "escalate" not in cs  # level-bound: the grid holds it
    assert "request_whistle" in cs and "whistle" not in cs
    admin = actions_on(page_of(client_for(people.admin), e))
    assert {"accept", "void", "escalate"} <= admin


@pytest.mark.django_db
def test_town_and_department_actions(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "accepted", level="town")
    op = actions_on(page_of(client_for(people.town_operator), e))
    assert {"dispatch", "handle_locally", "shelve"} <= op
    assert "dispatch" not in actions_on(page_of(client_for(people.community_staff), e))
    d = make_event(tree, people, loop, "dispatched")
    ds = actions_on(page_of(client_for(loop.cgj_staff), d))
    assert ds >= {"sign", "return"} and "dispatch" not in ds
    assert "sign" not in actions_on(page_of(client_for(people.town_operator), d))
    h = make_event(tree, people, loop, "handling")
    ds = actions_on(page_of(client_for(loop.cgj_staff), h))
    assert {"feedback", "dispute", "extension"} <= ds and "sign" not in ds
    # Another department's staff cannot even see it.
    assert client_for(loop.sthj_staff).get(f"/events/{h.number}/").status_code == 404


@pytest.mark.django_db
def test_an_action_posts_and_changes_state(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "reported", level="town")
    c = client_for(people.town_operator)
    r = act(c, e, "accept", comment="立案")
    assert r.status_code == 302 and r.url == f"/events/{e.number}/"
    e2 = Event.objects.get(pk=e.pk)
    assert e2.status == "accepted" and e2.version == e.version + 1
    # the form offers the fields of the action's schema, named as in the API
    page = page_of(c, e2)
    assert 'name="lead"' in page and 'name="assist_department_ids"' in page
    r = act(c, e2, "dispatch", lead=f"department:{loop.cgj.pk}", assist_department_ids=[str(loop.sthj.pk)],
            comment="请处理")
    assert r.status_code == 302 and r.url == f"/events/{e.number}/"
    e3 = Event.objects.get(pk=e.pk)
    assert e3.status == "dispatched" and e3.assignments.count() == 2
    page = page_of(c, e3)
    assert "北区城市管理局" in page and "北区生态环境局" in page and "请处理" in page
    # The department signs from the page; the event moves into handling.
    lead = e3.assignments.get(role="lead")
    ds = client_for(loop.cgj_staff)
    act(ds, e3, "sign", assignment_id=lead.pk)
    assert Event.objects.get(pk=e.pk).status == "handling"
    assert e3.assignments.get(role="lead").status == "signed"
    assert e3.assignments.get(role="assist").status == "dispatched"


@pytest.mark.django_db
def test_refused_action_shows_the_message_and_changes_nothing(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "reported", level="town")
    c = client_for(people.town_operator)
    r = act(c, e, "escalate", comment="")  # a reason is required
    assert r.status_code == 302
    page = c.get(r.url).content.decode()
    assert "请填写原因" in page
    assert Event.objects.get(pk=e.pk).version == e.version


@pytest.mark.django_db
def test_stale_version_gets_the_message_and_changes_nothing(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "reported", level="town")
    c = client_for(people.town_operator)
    r = act(c, e, "accept", version=e.version - 1)
    assert r.status_code == 302
    page = c.get(r.url).content.decode()
    assert "事件已被他人处理，本次操作未执行" in page
    after = Event.objects.get(pk=e.pk)
    assert after.status == "reported" and after.version == e.version
    assert after.activities.count() == e.activities.count()


@pytest.mark.django_db
def test_another_communitys_event_is_a_404(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "reported")
    c = client_for(people.other_community_staff)
    assert c.get(f"/events/{e.number}/").status_code == 404
    r = act(c, e, "void", comment="x")
    assert r.status_code == 404
    assert Event.objects.get(pk=e.pk).status == "reported"
    assert client_for(people.grid_worker).get("/events/NOPE-1/").status_code == 404


@pytest.mark.django_db
def test_photo_upload_and_thumbnail(tree, people, loop, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    from django.core.files.uploadedfile import SimpleUploadedFile

    e = make_event(tree, people, loop, "grid_handling")
    c = client_for(people.grid_worker)
    r = c.post(f"/events/{e.number}/do/photo/", {"expected_version": e.version, "kind": "after",
                                                 "file": SimpleUploadedFile("a.png", png_bytes(), "image/png")})
    assert r.status_code == 302
    photo = e.photos.get()
    assert photo.kind == "after"
    page = page_of(c, e)
    assert f"/events/{e.number}/photos/{photo.pk}/" in page
    img = c.get(f"/events/{e.number}/photos/{photo.pk}/")
    assert img.status_code == 200 and img["Content-Type"] == "image/png"
    assert client_for(people.other_community_staff).get(f"/events/{e.number}/photos/{photo.pk}/").status_code == 404


@pytest.mark.django_db
def test_grid_worker_closes_on_the_spot_and_resident_rates(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "grid_handling", reporter=people.resident)
    gw = client_for(people.grid_worker)
    assert "close_on_spot" in actions_on(page_of(gw, e))
    act(gw, e, "close_on_spot", comment="已清理")
    e = Event.objects.get(pk=e.pk)
    assert e.status == "closed"
    res = client_for(people.resident)
    assert "rate" in actions_on(page_of(res, e))
    act(res, e, "rate", satisfaction="satisfied")
    assert Event.objects.get(pk=e.pk).status == "rated"
