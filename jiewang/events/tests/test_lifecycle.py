from pathlib import Path

import pytest
from django.conf import settings

from jiewang.events.docs import as_markdown
from jiewang.events.lifecycle import TABLE, TransitionNotAllowed, transition_for
from jiewang.events.models import Event, EventActivity
from jiewang.events.testing import make_event, post


def test_generated_doc_is_current():
    assert (Path(settings.BASE_DIR) / "docs" / "lifecycle.md").read_text(encoding="utf-8") == as_markdown(), \
        "run: python dev.py manage lifecycle_doc"


def test_table_rejects_unlisted_moves():
    assert transition_for("accept", "reported").target == "accepted"
    with pytest.raises(TransitionNotAllowed) as exc:
        transition_for("accept", "closed")
    assert exc.value.code == "event.transition_not_allowed" and exc.value.status == 409
    with pytest.raises(TransitionNotAllowed):
        transition_for("teleport", "reported")
    assert all(t.target and t.sources for t in TABLE)


@pytest.mark.django_db
def test_wrong_state_is_409_and_changes_nothing(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "closed", level="town")
    before = (Event.objects.get(pk=e.pk).version, EventActivity.objects.count())
    r = post(client_for(people.town_operator), f"/api/events/{e.number}/accept")
    assert r.status_code == 409 and r.json()["code"] == "event.transition_not_allowed"
    assert (Event.objects.get(pk=e.pk).version, EventActivity.objects.count()) == before


@pytest.mark.django_db
def test_stale_edit_is_409_and_changes_nothing(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "reported", level="town")
    center = client_for(people.town_operator)
    read = center.get(f"/api/events/{e.number}").json()
    ok = post(center, f"/api/events/{e.number}/accept", {"expected_version": read["version"]})
    assert ok.status_code == 200
    before = (Event.objects.get(pk=e.pk).version, EventActivity.objects.count())
    stale = post(center, f"/api/events/{e.number}/shelve", {"expected_version": read["version"], "comment": "x"})
    assert stale.status_code == 409 and stale.json()["code"] == "event.stale"
    assert (Event.objects.get(pk=e.pk).version, EventActivity.objects.count()) == before
    assert Event.objects.get(pk=e.pk).status == "accepted"


@pytest.mark.django_db
def test_level_bound_moves_need_the_level_holding_the_event(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "reported")  # held by the grid
    r = post(client_for(people.town_operator), f"/api/events/{e.number}/accept")
    assert r.status_code == 403 and r.json()["code"] == "event.action_not_permitted"
    assert Event.objects.get(pk=e.pk).status == "reported"


@pytest.mark.django_db
def test_void_merges_a_duplicate(tree, people, loop, client_for):
    first = make_event(tree, people, loop, "reported", level="town")
    dup = make_event(tree, people, loop, "reported", level="town")
    from jiewang.events.selectors import event_possible_duplicates

    assert [e.number for e in event_possible_duplicates(user=people.town_operator, event=dup)] == [first.number]
    assert [e.number for e in event_possible_duplicates(user=people.town_operator, event=first)] == [dup.number]
    assert event_possible_duplicates(user=people.other_district_admin, event=dup) == []
    r = post(client_for(people.town_operator), f"/api/events/{dup.number}/void",
             {"comment": "重复上报", "duplicate_of": first.number})
    assert r.status_code == 200 and r.json()["status"] == "voided" and r.json()["duplicate_of"] == first.number
    assert [a.action for a in EventActivity.objects.filter(event=first)][-1] == "merge"
    empty = post(client_for(people.town_operator), f"/api/events/{first.number}/void", {"comment": ""})
    assert empty.status_code == 422 and empty.json()["code"] == "event.void_reason_required"


@pytest.mark.django_db
def test_bad_input_is_refused_cleanly(tree, people, loop, client_for):
    c = client_for(people.grid_worker)
    before = Event.objects.count()
    outside = post(c, "/api/events", {"category": "LS01", "lon": 120.0, "lat": 35.0, "title": "x"})
    assert outside.status_code == 422 and outside.json()["code"] == "event.outside_jurisdiction"
    bad = post(c, "/api/events", {"category": "LS01", "lon": 500, "lat": 29.2, "title": "x"})
    assert bad.status_code == 422
    missing = post(c, "/api/events", {"category": "SL02", "lon": 106.05, "lat": 29.2, "title": "x"})
    assert missing.status_code == 422 and missing.json()["fields"] == {"structure": "required"}
    unknown = post(c, "/api/events", {"category": "NOPE", "lon": 106.05, "lat": 29.2, "title": "x"})
    assert unknown.status_code == 404
    long = post(c, "/api/events", {"category": "LS01", "lon": 106.05, "lat": 29.2, "title": "x",
                                   "description": "长" * 4001})
    assert long.status_code == 422
    assert Event.objects.count() == before


@pytest.mark.django_db
def test_photo_checks(tree, people, loop, client_for, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jiewang.events.testing import png_bytes

    settings.EVENT_PHOTO_MAX_BYTES = 2000
    e = make_event(tree, people, loop, "reported")
    c = client_for(people.grid_worker)
    fake = c.post(f"/api/events/{e.number}/photos", {"file": SimpleUploadedFile("x.jpg", b"<?php echo 1;", "image/jpeg")})
    assert fake.status_code == 422 and fake.json()["code"] == "photo.type_not_allowed"
    big = c.post(f"/api/events/{e.number}/photos",
                 {"file": SimpleUploadedFile("big.png", png_bytes() + b"\0" * 3000, "image/png")})
    assert big.status_code == 413
    ok = c.post(f"/api/events/{e.number}/photos", {"file": SimpleUploadedFile("a.png", png_bytes(), "image/png")})
    again = c.post(f"/api/events/{e.number}/photos", {"file": SimpleUploadedFile("a.png", png_bytes(), "image/png")})
    assert ok.status_code == 201 and again.json()["id"] == ok.json()["id"]
    assert e.photos.count() == 1


@pytest.mark.django_db
def test_list_filters_and_cursor(tree, people, loop, client_for):
    events = [make_event(tree, people, loop, "reported") for _ in range(5)]
    c = client_for(people.community_staff)
    page1 = c.get("/api/events?limit=2").json()
    page2 = c.get(f"/api/events?limit=2&cursor={page1['next_cursor']}").json()
    page3 = c.get(f"/api/events?limit=2&cursor={page2['next_cursor']}").json()
    got = [e["number"] for p in (page1, page2, page3) for e in p["items"]]
    assert got == [e.number for e in reversed(events)] and page3["next_cursor"] is None
    assert c.get("/api/events?cursor=garbage").json()["code"] == "pagination.invalid_cursor"
    assert c.get("/api/events?status=closed").json()["items"] == []
    assert len(c.get("/api/events?board=livelihood&channel=resident_web&level=grid").json()["items"]) == 5
    assert c.get(f"/api/events?area_id={tree.c2.id}").status_code == 404


@pytest.mark.django_db
def test_labels_follow_the_language(tree, people, loop, client_for):
    e = make_event(tree, people, loop, "reported")
    c = client_for(people.grid_worker)
    assert c.get(f"/api/events/{e.number}").json()["status_label"] == "已上报"
    assert c.get(f"/api/events/{e.number}", HTTP_ACCEPT_LANGUAGE="en").json()["status_label"] == "Reported"


@pytest.mark.django_db
def test_intake_over_http_query_budget(tree, people, loop, client_for, django_assert_max_num_queries):
    """Session, user, category, grants, recipients, then the transaction (2 statements to open and
    close it) with the report's own writes (number, event, activity, clock, notification): a
    regression here is a regression of the intake benchmark."""
    c = client_for(people.grid_worker)
    body = {"category": "LS01", "lon": 106.05, "lat": 29.2, "title": "x", "channel": "patrol"}
    post(c, "/api/events", body)  # warms the per-process chain cache
    with django_assert_max_num_queries(12):
        r = post(c, "/api/events", body)
    assert r.status_code == 201 and r.json()["grid"]["name"] == "甲社区第1网格"


@pytest.mark.django_db
def test_a_retry_returns_the_first_event_even_when_the_input_no_longer_passes(tree, people, loop, client_for):
    """The key is not looked up before the report (the unique index catches a retry): a retry
    whose input would now be refused (category retired since) still gets the first event."""
    from jiewang.events.models import MatterCategory
    from jiewang.events.services.catalog import category_update

    c = client_for(people.grid_worker)
    body = {"category": "LS01", "lon": 106.05, "lat": 29.2, "title": "x", "channel": "patrol",
            "idempotency_key": "k-retire"}
    first = post(c, "/api/events", body)
    assert first.status_code == 201
    for code in ("LS01", "LS02"):
        category_update(actor=people.admin, category=MatterCategory.objects.get(code=code), is_active=False)
    again = post(c, "/api/events", {**body, "category": "LS02"})
    assert again.status_code == 200 and again.json()["number"] == first.json()["number"]
    fresh = post(c, "/api/events", {**body, "category": "LS02", "idempotency_key": "k-new"})
    assert fresh.status_code == 404 and fresh.json()["code"] == "event.category_unknown"
    assert Event.objects.count() == 1 and EventActivity.objects.count() == 1


@pytest.mark.django_db
def test_event_list_queries_do_not_grow_with_the_page(tree, people, loop, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiewang.events.services.actions import event_void

    c = client_for(people.community_staff)
    first = make_event(tree, people, loop, "reported", level="town")
    c.get("/api/events")  # the session's first request renews it (a write): not what is measured
    counts = []
    for _ in range(2):
        for _ in range(4):
            dup = make_event(tree, people, loop, "reported", level="town")
            event_void(event=dup, actor=people.admin, reason="重复", duplicate_of=first)
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/api/events?limit=100").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] == 4  # session, user, grants, the page
