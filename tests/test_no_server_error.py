"""No HTTP 500 on any input (issue #8, item 7): each input that used to crash a request, as a test
of the exact refusal, and that the refusal changed nothing. The schemathesis run over the whole API
is tests/test_api_fuzz.py."""

from __future__ import annotations

import json
import struct
import time
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from jiewang.audit.models import AuditEntry
from jiewang.dispatching.models import Whistle
from jiewang.events.models import Event, EventActivity, EventPhoto
from jiewang.events.services import public
from jiewang.events.testing import make_event, png_bytes, post


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header declaring ``width × height`` pixels, with a few bytes of image data:
    what a decompression bomb looks like before anything is decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def upload(data: bytes, name="photo.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type)


# ---- photos: the API and the resident portal ----------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("width, height", [(20000, 20000), (10000, 10000)],
                         ids=["beyond Pillow's error limit", "between Pillow's warning and error limits"])
def test_photo_declaring_too_many_pixels_is_422_on_the_api(tree, people, loop, client_for, width, height):
    event = make_event(tree, people, loop, "reported")
    activities = EventActivity.objects.filter(event=event).count()
    r = client_for(people.admin).post(f"/api/events/{event.number}/photos",
                                      {"file": upload(png_declaring(width, height))})
    assert r.status_code == 422
    assert r.json()["code"] == "photo.too_many_pixels"
    assert set(r.json()) == {"code", "message", "fields"}
    assert EventPhoto.objects.count() == 0
    assert EventActivity.objects.filter(event=event).count() == activities


@pytest.mark.django_db
def test_photo_limit_is_a_setting(tree, people, loop, client_for, settings):
    event = make_event(tree, people, loop, "reported")
    c = client_for(people.admin)
    settings.EVENT_PHOTO_MAX_PIXELS = 63  # the test picture is 8 × 8
    r = c.post(f"/api/events/{event.number}/photos", {"file": upload(png_bytes())})
    assert (r.status_code, r.json()["code"]) == (422, "photo.too_many_pixels")
    settings.EVENT_PHOTO_MAX_PIXELS = 64
    assert c.post(f"/api/events/{event.number}/photos", {"file": upload(png_bytes())}).status_code == 201
    assert EventPhoto.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # the signature and nothing sensible
    png_bytes()[:-20],  # truncated
    b"\xff\xd8\xff\xe0" + b"JFIF garbage" * 10,
], ids=["png-signature-only", "truncated-png", "jpeg-garbage"])
def test_undecodable_photo_is_422_corrupt(tree, people, loop, client_for, data):
    event = make_event(tree, people, loop, "reported")
    r = client_for(people.admin).post(f"/api/events/{event.number}/photos", {"file": upload(data)})
    assert (r.status_code, r.json()["code"]) == (422, "photo.corrupt")
    assert EventPhoto.objects.count() == 0


def resident_form(**over):
    data = {"stamp": public.form_stamp(now=time.time() - 10), "website": "", "category": "LS01",
            "title": "小区门口垃圾堆放", "description": "三天没人清理", "lon": "106.05", "lat": "29.2",
            "phone": "13912345678", "name": "王女士"}
    data.update(over)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("data, message", [
    (png_declaring(20000, 20000), "图片像素过多"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "图片已损坏"),
], ids=["bomb", "corrupt"])
def test_resident_portal_refuses_the_same_photos_with_the_form_again(tree, people, loop, data, message):
    r = Client().post("/report/", {**resident_form(), "photo": upload(data)})
    assert r.status_code == 422
    page = r.content.decode()
    assert message in page and 'name="stamp"' in page  # the form, with the reason, to correct and resend
    assert "The image" not in page  # the page speaks one language (zh-Hans here)
    assert Event.objects.count() == 0 and EventPhoto.objects.count() == 0


# ---- hotline import -----------------------------------------------------------------------------

HOTLINE_CSV = "工单编号,诉求类别,标题,诉求内容,经度,纬度\nGD1,LS05,停水,小区停水,106.05,29.2\n"


@pytest.mark.django_db
@pytest.mark.parametrize("name, data, code", [
    ("orders.csv", HOTLINE_CSV.encode("utf-16"), "hotline.bad_encoding"),
    ("orders.csv", HOTLINE_CSV.encode("utf-16-le"), "hotline.bad_encoding"),  # no BOM: NULs in GB18030
    ("orders.csv", png_bytes(), "hotline.bad_encoding"),
    ("orders.xlsx", png_bytes(), "hotline.bad_file"),
], ids=["utf-16", "utf-16-without-bom", "png-as-csv", "png-as-xlsx"])
def test_hotline_file_that_cannot_be_read_is_422(tree, people, loop, client_for, name, data, code):
    r = client_for(people.town_operator).post("/api/hotline/import", {"file": upload(data, name, "text/csv")})
    assert (r.status_code, r.json()["code"]) == (422, code)
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_hotline_rows_with_values_beyond_the_columns_are_reported_not_crashing(tree, people, loop, client_for):
    csv_text = ("工单编号,诉求类别,标题,诉求内容,经度,纬度,地址,办理时限\n"
                f"{'9' * 80},LS05,a,b,106.05,29.2,,\n"  # longer than the idempotency key allows
                "GD2,LS05,a,b,106.05,29.2," + "地" * 201 + ",\n"
                "GD3,LS05,a,b,nan,29.2,,\n"
                "GD4,LS05,a,b,106.05,29.2,,0001-01-01 00:00\n"
                "GD5,LS05\n"  # a short row: no coordinates at all
                "GD6,LS05,a,b,106.05,29.2,,\n")
    r = client_for(people.town_operator).post("/api/hotline/import",
                                              {"file": upload(csv_text.encode(), "orders.csv", "text/csv")})
    body = r.json()
    assert r.status_code == 200
    assert [(e["row"], e["code"]) for e in body["errors"]] == [(n, "hotline.bad_value") for n in (2, 3, 4, 5, 6)]
    assert body["created"] == 1
    assert list(Event.objects.values_list("external_number", flat=True)) == ["GD6"]


# ---- integers beyond 64 bits --------------------------------------------------------------------

@pytest.mark.django_db
def test_whistle_with_a_department_id_beyond_64_bits_is_refused(tree, people, loop, client_for):
    event = make_event(tree, people, loop, "dispatched", level="town")
    audit = AuditEntry.objects.count()
    r = post(client_for(people.admin), f"/api/events/{event.number}/whistle",
             {"department_ids": [2**64 + 1], "problem": "多部门联合执法"})
    outcome = (r.status_code, r.json()["code"])
    if connection.vendor == "sqlite":  # the safety net: SQLite cannot bind the number
        expected = {(422, "number_out_of_range")}
    else:  # PostgreSQL compares it as numeric and finds no such department
        expected = {(404, "whistle.department_not_found")}
    expected.add((422, "validation_failed"))  # once WhistleIn types its ids as DbId (core/schema_types.py)
    assert outcome in expected
    assert Whistle.objects.count() == 0
    assert Event.objects.get(pk=event.pk).version == event.version
    assert AuditEntry.objects.count() == audit


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "/api/departments?offset=1234567890123456789012345",
    "/api/users?offset=1234567890123456789012345",
    "/api/areas?offset=1234567890123456789012345",
    "/api/departments?area_id=1234567890123456789012345",
    "/api/users/1234567890123456789012345",
    "/api/areas/1234567890123456789012345",
    "/api/areas/tree?root_id=1234567890123456789012345",
    "/api/areas/1234567890123456789012345/boards",
])
def test_integers_beyond_their_column_are_422_naming_the_field(tree, people, client_for, url):
    r = client_for(people.admin).get(url)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "validation_failed"
    assert len(body["fields"]) == 1 and "less than or equal to" in next(iter(body["fields"].values()))


@pytest.mark.django_db
def test_the_largest_offset_is_an_empty_page(tree, people, client_for):
    r = client_for(people.admin).get("/api/departments?offset=2147483647")
    assert r.status_code == 200
    assert r.json() == {"items": [], "count": 2}


@pytest.mark.django_db
def test_grant_with_ids_beyond_64_bits_changes_nothing(tree, people, client_for):
    from jiewang.accounts.models import RoleGrant

    grants = RoleGrant.objects.count()
    r = post(client_for(people.admin), f"/api/users/{people.nobody.id}/grants",
             {"role": "grid_worker", "area_id": 2**64, "department_id": 2**70})
    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
    assert set(r.json()["fields"]) == {"payload.area_id", "payload.department_id"}
    assert RoleGrant.objects.count() == grants


@pytest.mark.django_db
def test_area_counts_beyond_their_column_are_422(tree, people, client_for):
    from jiewang.areas.models import Area

    r = client_for(people.admin).patch(f"/api/areas/{tree.g1.id}", data=json.dumps(
        {"expected_version": tree.g1.version, "population": 2**31}), content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")
    assert Area.objects.get(pk=tree.g1.pk).population == tree.g1.population


@pytest.mark.django_db
def test_mark_read_with_ids_beyond_64_bits_is_422(people, client_for):
    r = post(client_for(people.admin), "/api/inbox/read", {"ids": [2**64]})
    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")


@pytest.mark.django_db
def test_database_refusing_a_number_is_422_not_500(people, rf):
    """The safety net for PostgreSQL: a number that reached the database out of its column's range
    (SQLSTATE 22003) is 422 ``number_out_of_range``; the request's transaction is left usable."""
    from django.db import DataError, transaction

    from config.api import api

    if connection.vendor != "postgresql":
        pytest.skip("SQLite refuses such numbers while binding (OverflowError, covered by the whistle test)")
    request = rf.get("/api/departments")
    with transaction.atomic():
        try:
            with connection.cursor() as cur:
                cur.execute("SELECT 1 OFFSET 100000000000000000000")
        except DataError as exc:
            error = exc
        response = api.on_exception(request, error)
    assert response.status_code == 422
    assert json.loads(response.content)["code"] == "number_out_of_range"
    assert people.admin.__class__.objects.filter(pk=people.admin.pk).exists()  # the connection still works


# ---- request bodies -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_nul_characters_are_422_wherever_they_come_from(tree, people, loop, client_for):
    c = client_for(people.admin)
    r = c.post("/api/events", data=json.dumps({"category": "LS01", "lon": 106.05, "lat": 29.2, "title": "a\x00b"}),
               content_type="application/json")
    assert (r.status_code, r.json()["code"], r.json()["fields"]) == (422, "request.nul_character", {"body.title": "NUL character"})
    r = c.get("/api/users", {"q": "a\x00"})
    assert (r.status_code, r.json()["code"]) == (422, "request.nul_character")
    r = c.get("/api/events/500101001-2026-0\x00")  # a path parameter (core/middleware.py)
    assert (r.status_code, r.json()["code"]) == (422, "request.nul_character")
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_nul_characters_in_pages_are_400_on_both_databases(tree, people, loop):
    c = Client()
    r = c.post("/report/", {**resident_form(title="垃圾\x00堆放")})
    assert r.status_code == 400 and "NUL" in r.content.decode()
    assert Event.objects.count() == 0
    assert c.get("/report/track/500101001-2026-000001\x00/", {"t": "x"}).status_code == 400
    assert c.get("/report/", {"q": "\x00"}).status_code == 400
    r = c.get("/open311/v2/requests.json", {"service_code": "LS01\x00"})
    assert r.status_code == 400 and r.json()[0]["code"] == 400


@pytest.mark.django_db
def test_malformed_json_is_400_with_a_code(people, client_for):
    r = client_for(people.admin).post("/api/inbox/read", data="{not json", content_type="application/json")
    assert r.status_code == 400
    assert r.json() == {"code": "request.malformed", "message": "请求体无法解析 / The request body cannot be parsed.",
                        "fields": {}}


# ---- CSRF -----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_csrf_failure_answers_the_api_error_shape(people):
    c = Client(enforce_csrf_checks=True)
    c.force_login(people.admin, backend="jiewang.accounts.backends.ModelBackend")
    r = c.post("/api/auth/logout", data="{}", content_type="application/json")
    assert r.status_code == 403
    assert r.json()["code"] == "csrf_failed" and set(r.json()) == {"code", "message", "fields"}
    assert c.get("/api/me").status_code == 200  # still signed in: the refused request did nothing
    token = "t" * 32  # a CSRF secret of the client's: the cookie and the header agree
    c.cookies["csrftoken"] = token
    r = c.post("/api/auth/logout", data="{}", content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 200
    assert c.get("/api/me").status_code == 401


@pytest.mark.django_db
def test_signed_out_unsafe_request_is_401_not_a_csrf_failure(people):
    r = Client(enforce_csrf_checks=True).post("/api/inbox/read", data="{}", content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (401, "unauthenticated")


# ---- the OpenAPI document -------------------------------------------------------------------------

def _operations(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield method.upper(), path, op


@pytest.mark.django_db
def test_openapi_documents_every_error_status_with_the_error_schema(client):
    doc = client.get("/api/openapi.json").json()
    assert doc["components"]["schemas"]["Error"]["required"] == ["code", "message", "fields"]
    seen = 0
    for method, path, op in _operations(doc):
        responses = {int(s): r for s, r in op["responses"].items()}
        errors = {s for s in responses if s >= 400}
        params = {p["in"] for p in op.get("parameters", [])}
        if op.get("security"):
            assert {401, 403} <= errors, (method, path)
        if "path" in params:
            assert 404 in errors, (method, path)
        if params or "requestBody" in op:
            assert 422 in errors, (method, path)
        if "multipart/form-data" in op.get("requestBody", {}).get("content", {}):
            assert 413 in errors, (method, path)
        for status in errors:
            content = responses[status].get("content", {}).get("application/json", {})
            assert content, (method, path, status)
        seen += 1
    assert seen > 50
    login = doc["paths"]["/api/auth/login"]["post"]["responses"]
    assert {"401", "429"} <= set(login) and "403" not in login
    # 429 is where django-axes locks out: the login, and nowhere else
    assert [p for m, p, op in _operations(doc) if "429" in op["responses"]] == ["/api/auth/login"]
    assert "405" not in json.dumps(doc["paths"]["/api/me"])


@pytest.mark.django_db
def test_login_lockout_is_the_documented_429(people, settings):
    settings.AXES_FAILURE_LIMIT = 2
    c = Client()
    for _ in range(2):
        r = c.post("/api/auth/login", data=json.dumps({"username": "admin", "password": "wrong"}),
                   content_type="application/json")
    assert r.status_code == 429
    assert r.json()["code"] == "auth.locked_out" and set(r.json()) == {"code", "message", "fields"}


# ---- the bounded types ----------------------------------------------------------------------------

def test_moment_reads_naive_times_in_the_server_zone_and_bounds_the_year():
    import datetime as dt

    import pydantic
    from django.utils import timezone

    from jiewang.core.schema_types import DbId, Moment

    class In(pydantic.BaseModel):
        at: Moment
        id: DbId = 1

    at = In(at="2026-12-01T18:00:00").at
    assert timezone.localtime(at).isoformat() == "2026-12-01T18:00:00+08:00"
    assert In(at="2026-12-01T10:00:00Z").at == dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)
    for bad in ("0001-01-01T00:00:00", "9999-12-31T23:59:59+14:00"):
        with pytest.raises(pydantic.ValidationError, match="between the years 1900 and 2200"):
            In(at=bad)
    with pytest.raises(pydantic.ValidationError, match="less than or equal to 9223372036854775807"):
        In(at="2026-01-01T00:00:00", id=2**63)
    assert In(at="2026-01-01T00:00:00", id=2**63 - 1).id == 2**63 - 1
