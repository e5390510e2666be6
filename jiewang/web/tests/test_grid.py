"""The grid worker's workspace (/grid/), the report page, the service worker and the manifest."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiewang.events.models import Event, EventPhoto
from jiewang.events.testing import make_event, png_bytes




@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def in_c3(tree, people, loop):
    """An event in 丙村 (another district's village) reported there."""
    from jiewang.events.models import MatterCategory
    from jiewang.events.services.intake import event_report

    event, _ = event_report(actor=None, channel="resident_web", category=MatterCategory.objects.get(code="LS01"),
                            lon=106.7, lat=29.5, title="别村的事件")
    return event


@pytest.mark.django_db
def test_tasks_show_exactly_the_grids_events(tree, people, loop, client_for):
    reported = make_event(tree, people, loop, "reported")  # grid level, in 甲社区第1网格
    feedback = make_event(tree, people, loop, "feedback")  # a department's result to verify
    other = in_c3(tree, people, loop)
    c = client_for(people.grid_worker)
    page = c.get("/grid/").content.decode()
    assert f'id="task-handle-{reported.number}"' in page
    assert f'id="task-verify-{feedback.number}"' in page
    assert f'id="task-handle-{feedback.number}"' not in page  # town-level work is not the grid's to handle
    assert other.number not in page and "别村的事件" not in page
    assert f'href="/events/{reported.number}/"' in page
    # another community's event by URL: 404, nothing changes
    for url in (f"/grid/events/{other.number}/escalate/", f"/grid/events/{other.number}/verify/"):
        r = c.post(url, {"reason": "x", "outcome": "pass"})
        assert r.status_code == 404
    assert Event.objects.get(pk=other.pk).version == other.version
    # community staff verify in their community; the other village's staff see none of it
    staff_page = client_for(people.community_staff).get("/grid/").content.decode()
    assert f'id="task-verify-{feedback.number}"' in staff_page and other.number not in staff_page
    other_page = client_for(people.other_community_staff).get("/grid/").content.decode()
    assert reported.number not in other_page and feedback.number not in other_page


@pytest.mark.django_db
def test_grid_workspace_is_for_grid_roles(people, client_for):
    assert client_for(None).get("/grid/").status_code == 302
    assert client_for(people.department_staff).get("/grid/").status_code == 403
    assert client_for(people.resident).get("/grid/report/").status_code == 403
    assert client_for(people.grid_worker).get("/grid/").status_code == 200


@pytest.mark.django_db
def test_escalate_changes_level_and_a_refusal_changes_nothing(tree, people, loop, client_for):
    ev = make_event(tree, people, loop, "reported")
    c = client_for(people.grid_worker)
    # no reason: refused with the service's message, nothing changed
    r = c.post(f"/grid/events/{ev.number}/escalate/", {"reason": "  ", "version": ev.version}, follow=True)
    assert "请填写原因" in r.content.decode()
    fresh = Event.objects.get(pk=ev.pk)
    assert (fresh.level, fresh.version, fresh.escalation_count) == ("grid", ev.version, 0)
    # a stale version: refused
    r = c.post(f"/grid/events/{ev.number}/escalate/", {"reason": "需社区协调", "version": ev.version - 1}, follow=True)
    assert "事件已被他人处理" in r.content.decode()
    assert Event.objects.get(pk=ev.pk).level == "grid"
    r = c.post(f"/grid/events/{ev.number}/escalate/", {"reason": "需社区协调", "version": ev.version}, follow=True)
    assert r.status_code == 200
    fresh = Event.objects.get(pk=ev.pk)
    assert (fresh.level, fresh.status, fresh.escalation_count) == ("community", "reported", 1)
    assert fresh.activities.filter(action="escalate", comment="需社区协调", actor=people.grid_worker).count() == 1
    # now held by the community: the grid worker may not escalate it again
    r = c.post(f"/grid/events/{ev.number}/escalate/", {"reason": "再报"}, follow=True)
    assert "您无权执行" in r.content.decode()
    assert Event.objects.get(pk=ev.pk).level == "community"


@pytest.mark.django_db
def test_verify_pass_with_photos_closes(tree, people, loop, client_for):
    ev = make_event(tree, people, loop, "feedback")
    c = client_for(people.grid_worker)
    r = c.post(f"/grid/events/{ev.number}/verify/", {
        "outcome": "pass", "version": ev.version, "comment": "现场已整改",
        "before": SimpleUploadedFile("b.png", png_bytes((10, 10, 10)), "image/png"),
        "after": SimpleUploadedFile("a.png", png_bytes((200, 200, 200)), "image/png"),
    }, follow=True)
    assert r.status_code == 200
    fresh = Event.objects.get(pk=ev.pk)
    assert fresh.status == "closed" and fresh.closed_at
    assert sorted(EventPhoto.objects.filter(event=ev).values_list("kind", flat=True)) == ["after", "before"]
    assert fresh.activities.get(action="verify_pass").actor_role == "grid_worker"


@pytest.mark.django_db
def test_verify_fail_needs_a_reason_and_a_refusal_keeps_no_photo(tree, people, loop, client_for):
    ev = make_event(tree, people, loop, "feedback")
    c = client_for(people.grid_worker)
    r = c.post(f"/grid/events/{ev.number}/verify/", {
        "outcome": "fail", "version": ev.version, "comment": "",
        "after": SimpleUploadedFile("a.png", png_bytes(), "image/png"),
    }, follow=True)
    assert "请填写原因" in r.content.decode()
    assert Event.objects.get(pk=ev.pk).status == "feedback"
    assert not EventPhoto.objects.filter(event=ev).exists()
    # a bad photo refuses the whole verification too
    r = c.post(f"/grid/events/{ev.number}/verify/", {
        "outcome": "pass", "version": ev.version,
        "after": SimpleUploadedFile("a.png", b"not an image", "image/png"),
    }, follow=True)
    assert "只接受 JPEG" in r.content.decode()
    assert Event.objects.get(pk=ev.pk).status == "feedback"
    r = c.post(f"/grid/events/{ev.number}/verify/", {"outcome": "fail", "version": ev.version,
                                                     "comment": "垃圾仍未清运"}, follow=True)
    fresh = Event.objects.get(pk=ev.pk)
    assert (fresh.status, fresh.rework_count) == ("handling", 1)


@pytest.mark.django_db
def test_report_page_lists_categories_by_board_and_sets_the_csrf_cookie(tree, people, loop, client_for):
    c = client_for(people.grid_worker)
    r = c.get("/grid/report/")
    page = r.content.decode()
    assert r.status_code == 200 and "csrftoken" in r.cookies
    assert 'data-code="LS01"' in page and 'data-code="SL02"' in page
    assert "民生服务" in page and "平安法治" in page
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page


@pytest.mark.django_db
def test_patrol_report_through_the_api_is_idempotent(tree, people, loop, client_for):
    """What the outbox sends: the same key twice → one event (201 then 200), the photo once."""
    c = client_for(people.grid_worker)
    body = {"category": "LS01", "lon": 106.05, "lat": 29.2, "title": "巡查发现垃圾", "channel": "patrol",
            "source": "proactive", "idempotency_key": "0b6f1f9e-4d1c-4f55-9c51-3d1f0c1f2a77"}
    first = c.post("/api/events", json.dumps(body), content_type="application/json")
    again = c.post("/api/events", json.dumps(body), content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    n = first.json()["number"]
    for _ in range(2):
        p = c.post(f"/api/events/{n}/photos", {"kind": "report", "file": SimpleUploadedFile("p.png", png_bytes(), "image/png")})
        assert p.status_code == 201
    assert Event.objects.filter(title="巡查发现垃圾").count() == 1
    assert EventPhoto.objects.filter(event__number=n).count() == 1


@pytest.mark.django_db
def test_service_worker_and_manifest(client):
    r = client.get("/sw.js")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/javascript")
    assert r["Service-Worker-Allowed"] == "/"
    assert "no-cache" in r["Cache-Control"]
    body = r.content.decode()
    assert "/static/web/offline-queue.js" in body and '"/grid/report/"' in body and "/grid/offline/" in body
    m = client.get("/manifest.webmanifest")
    assert m.status_code == 200 and m["Content-Type"].startswith("application/manifest+json")
    data = json.loads(m.content)
    assert data["start_url"] == "/grid/" and data["scope"] == "/" and data["display"] == "standalone"
    assert {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        from django.contrib.staticfiles import finders
        from PIL import Image

        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path and Image.open(path).size == tuple(int(x) for x in icon["sizes"].split("x"))
    assert client.get("/grid/offline/").status_code == 200


@pytest.mark.django_db
def test_due_soon_lists_open_deadlines_and_links_every_copy(tree, people, loop, client_for):
    import datetime as dt

    from django.utils import timezone

    ev = make_event(tree, people, loop, "grid_handling")
    later = make_event(tree, people, loop, "grid_handling")
    Event.objects.filter(pk=ev.pk).update(due_at=timezone.now() + dt.timedelta(hours=2))
    Event.objects.filter(pk=later.pk).update(due_at=timezone.now() + dt.timedelta(days=3))
    page = client_for(people.grid_worker).get("/grid/").content.decode()
    due = page.split('id="h-due"')[1]
    assert ev.number in due and later.number not in due
    # listed under "to handle" and "due soon": both copies link to the event page
    assert page.count(f'href="/events/{ev.number}/"') == 2
