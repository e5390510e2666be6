"""The resident portal (/report/): anonymous report with the abuse guard, receipt, tracking, rating."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from jiewang.events.models import Event, EventPhoto
from jiewang.events.services import public
from jiewang.events.testing import png_bytes




@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def form(**over):
    data = {"stamp": public.form_stamp(now=time.time() - 10), "website": "", "category": "LS01",
            "title": "小区门口垃圾堆放", "description": "三天没人清理", "lon": "106.05", "lat": "29.2",
            "phone": "13912345678", "name": "王女士"}
    data.update(over)
    return data


def receipt_token(client, number):
    return client.session["resident_receipts"][number]


@pytest.mark.django_db
def test_form_page_for_anyone(tree, people, loop, client):
    r = client.get("/report/")
    page = r.content.decode()
    assert r.status_code == 200
    assert 'name="website"' in page and 'name="stamp"' in page and 'name="phone"' in page
    assert '<option value="LS01"' in page and "民生服务" in page


@pytest.mark.django_db
def test_anonymous_report_creates_one_event_with_receipt_and_tracking(tree, people, loop, client):
    r = client.post("/report/", {**form(), "photo": SimpleUploadedFile("p.png", png_bytes(), "image/png")})
    assert r.status_code == 302
    ev = Event.objects.get()
    assert (ev.channel, ev.level, ev.grid_id, ev.reporter_id) == ("resident_web", "grid", tree.g1.id, None)
    assert ev.reporter_phone == "13912345678" and ev.reporter_name == "王女士"
    # the phone is encrypted at rest
    with connection.cursor() as cur:
        cur.execute("SELECT reporter_phone FROM events_event WHERE id = %s", [ev.id])
        stored = cur.fetchone()[0]
    assert "13912345678" not in stored
    assert EventPhoto.objects.filter(event=ev, kind="report").count() == 1
    assert r.url == f"/report/receipt/{ev.number}/"
    token = receipt_token(client, ev.number)
    assert ev.track_token_hash and token not in ev.track_token_hash
    page = client.get(r.url).content.decode()
    assert ev.number in page and f"/report/track/{ev.number}/?t={token}" in page
    # tracking: right token → the public timeline; wrong or missing token → 404
    track = client.get(f"/report/track/{ev.number}/", {"t": token})
    assert track.status_code == 200 and "已受理" not in track.content.decode()
    assert client.get(f"/report/track/{ev.number}/", {"t": token + "x"}).status_code == 404
    assert client.get(f"/report/track/{ev.number}/").status_code == 404
    # a receipt is only for the browser that reported
    from django.test import Client

    assert Client().get(f"/report/receipt/{ev.number}/").status_code == 404


@pytest.mark.django_db
def test_double_submission_of_one_form_is_one_event(tree, people, loop, client):
    data = form()
    assert client.post("/report/", data).status_code == 302
    assert client.post("/report/", data).status_code == 302
    assert Event.objects.count() == 1


@pytest.mark.django_db
def test_timeline_is_public_safe_and_rating_by_token(tree, people, loop, client, client_for):
    from jiewang.events.services import actions

    client.post("/report/", form())
    ev = Event.objects.get()
    token = receipt_token(client, ev.number)
    worker = people.grid_worker
    actions.event_self_handle(event=ev, actor=worker, comment="内部备注：找物业")
    actions.event_close_on_spot(event=Event.objects.get(pk=ev.pk), actor=worker, comment="内部备注：已清运")
    page = client.get(f"/report/track/{ev.number}/", {"t": token}).content.decode()
    assert "内部备注" not in page and "grid_worker" not in page and worker.display_name not in page
    assert 'name="satisfaction"' in page
    # a wrong token cannot rate
    assert client.post(f"/report/track/{ev.number}/", {"t": "nope", "satisfaction": "satisfied"}).status_code == 404
    assert Event.objects.get(pk=ev.pk).status == "closed"
    # an invalid satisfaction: refused, nothing changes
    r = client.post(f"/report/track/{ev.number}/", {"t": token, "satisfaction": "meh"})
    assert r.status_code == 422 and "满意度无效" in r.content.decode()
    assert Event.objects.get(pk=ev.pk).status == "closed"
    r = client.post(f"/report/track/{ev.number}/", {"t": token, "satisfaction": "satisfied", "comment": "谢谢"})
    assert r.status_code == 302
    fresh = Event.objects.get(pk=ev.pk)
    assert (fresh.status, fresh.satisfaction) == ("rated", "satisfied")
    rate = fresh.activities.get(action="rate")
    assert rate.actor_id is None
    # rating twice is refused
    r = client.post(f"/report/track/{ev.number}/", {"t": token, "satisfaction": "dissatisfied"})
    assert Event.objects.get(pk=ev.pk).satisfaction == "satisfied"


@pytest.mark.django_db
def test_signed_in_resident_may_omit_the_phone_and_is_the_reporter(tree, people, loop, client_for):
    c = client_for(people.resident)
    assert c.post("/report/", form(phone="")).status_code == 302
    ev = Event.objects.get()
    assert ev.reporter_id == people.resident.id and ev.channel == "resident_web"


@pytest.mark.django_db
@pytest.mark.parametrize("over, message, status", [
    ({"website": "http://spam.example"}, "无法受理", 400),
    ({"stamp": "__NOW__"}, "提交过快", 422),
    ({"stamp": "__OLD__"}, "表单已过期", 422),
    ({"stamp": "forged"}, "表单无效", 422),
    ({"phone": ""}, "须留电话", 422),
    ({"phone": "call me"}, "电话号码格式不正确", 422),
    ({"lon": "", "lat": ""}, "请在地图上标出位置", 422),
    ({"lon": "120.0", "lat": "20.0"}, "不在辖区内", 422),
    ({"category": "nope"}, "请选择问题类别", 422),
    ({"title": ""}, "请用一句话", 422),
])
def test_refusals_show_a_message_and_create_nothing(tree, people, loop, client, over, message, status):
    if over.get("stamp") == "__NOW__":
        over["stamp"] = public.form_stamp()
    elif over.get("stamp") == "__OLD__":
        over["stamp"] = public.form_stamp(now=time.time() - 3 * 3600)
    r = client.post("/report/", form(**over))
    page = r.content.decode()
    assert r.status_code != 302, page
    assert message in page
    assert Event.objects.count() == 0
    if "website" in over:
        assert r.status_code in (400, 422)


@pytest.mark.django_db
def test_bad_or_large_photo_creates_nothing(tree, people, loop, client, settings):
    r = client.post("/report/", {**form(), "photo": SimpleUploadedFile("p.png", b"not an image", "image/png")})
    assert "只接受 JPEG" in r.content.decode() and Event.objects.count() == 0
    settings.EVENT_PHOTO_MAX_BYTES = 100
    r = client.post("/report/", {**form(), "photo": SimpleUploadedFile("p.png", png_bytes() + b"\0" * 200, "image/png")})
    assert r.status_code == 413 and Event.objects.count() == 0
    settings.RESIDENT_REPORT_MAX_BYTES = 50
    r = client.post("/report/", form())
    assert r.status_code == 413 and Event.objects.count() == 0


@pytest.mark.django_db
def test_rate_limit_per_phone_and_per_address(tree, people, loop, client, settings):
    settings.RESIDENT_REPORTS_PER_HOUR_PER_PHONE = 2
    settings.RESIDENT_REPORTS_PER_HOUR_PER_IP = 3
    for i in range(2):
        assert client.post("/report/", form(title=f"问题{i}")).status_code == 302
    r = client.post("/report/", form(title="第三个"))
    assert r.status_code == 429 and "提交次数过多" in r.content.decode()
    assert Event.objects.count() == 2
    # another phone from the same address: one more, then the address limit
    assert client.post("/report/", form(title="换号码", phone="13700000001")).status_code == 302
    r = client.post("/report/", form(title="又换号码", phone="13700000002"))
    assert r.status_code == 429 and Event.objects.count() == 3
    # another address and phone is not affected
    r = client.post("/report/", form(title="别人", phone="13700000003"), REMOTE_ADDR="10.1.2.3")
    assert r.status_code == 302 and Event.objects.count() == 4


@pytest.mark.django_db
def test_public_locate_and_boundaries(tree, people, loop, client):
    r = client.get("/report/locate/", {"lon": 106.05, "lat": 29.2}).json()
    assert r["status"] == "inside" and r["text"].endswith("甲社区第1网格")
    assert client.get("/report/locate/", {"lon": 120, "lat": 20}).json()["status"] == "outside"
    assert client.get("/report/locate/", {"lon": "x"}).status_code == 422
    fc = client.get("/report/boundaries.geojson", {"bbox": "106.0,29.0,106.3,29.5"}).json()
    assert sorted(f["properties"]["name"] for f in fc["features"]) == ["乙社区第1网格", "甲社区第1网格", "甲社区第2网格"]
    assert set(fc["features"][0]["properties"]) == {"name"}
