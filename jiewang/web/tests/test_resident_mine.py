"""我的反映: a resident finds earlier reports by a one-time SMS code (the service and the page) and
through the tracking links the device remembers (the receipt marks them; see the browser test)."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from jiewang.audit.models import AuditEntry
from jiewang.core.crypto import blind_index
from jiewang.core.errors import ApplicationError
from jiewang.events.models import Event, ReporterCode
from jiewang.events.services import public, reporter_codes
from jiewang.notifications.models import OutboundMessage

PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def report(client, phone=PHONE, title="小区门口垃圾堆放"):
    data = {"stamp": public.form_stamp(now=time.time() - 10), "website": "", "category": "LS01", "title": title,
            "lon": "106.05", "lat": "29.2", "phone": phone}
    assert client.post("/report/", data).status_code == 302
    return Event.objects.get(title=title)


def sent_code() -> str:
    msg = OutboundMessage.objects.order_by("-id").first()
    return re.search(r"\b(\d{6})\b", msg.body).group(1)


def state():
    return (list(ReporterCode.objects.order_by("id").values_list("attempts", "used_at")),
            OutboundMessage.objects.count(), AuditEntry.objects.count())


@pytest.mark.django_db
def test_phone_index_is_written_by_every_insert(tree, people, loop):
    from jiewang.events.testing import make_event

    ev = report(Client())
    assert ev.reporter_phone_index == blind_index(PHONE)
    with connection.cursor() as cur:
        cur.execute("SELECT reporter_phone_index FROM events_event WHERE id = %s", [ev.id])
        assert cur.fetchone()[0] == blind_index(PHONE)
    # An event without a phone has none.
    other = make_event(None, people, None, "reported", level="grid", category="LS01", at=(106.05, 29.2), lead=None,
                       title="无电话", attributes={})
    assert Event.objects.get(pk=other.pk).reporter_phone_index == ""


@pytest.mark.django_db
def test_issue_sends_a_hashed_code_once(tree, people, loop):
    now = timezone.now()
    row = reporter_codes.reporter_code_issue(phone=" 139 1234 5678 ", ip="10.0.0.1", now=now)
    code = sent_code()
    msg = OutboundMessage.objects.get()
    assert (msg.channel, msg.address, msg.status) == ("sms", PHONE, "pending")
    assert row.phone_index == blind_index(PHONE) and code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at == now + dt.timedelta(minutes=10) and row.attempts == 0 and row.used_at is None
    assert AuditEntry.objects.filter(action="reporter_code.issue", object_id=str(row.pk)).count() == 1
    # Bad numbers are refused before anything is written.
    for bad, code_ in (("", "reporter_code.phone_required"), ("abc", "resident.phone_invalid")):
        with pytest.raises(ApplicationError) as exc:
            reporter_codes.reporter_code_issue(phone=bad, ip="10.0.0.1")
        assert exc.value.code == code_
    assert ReporterCode.objects.count() == 1 and OutboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_issue_is_rate_limited_per_phone_and_per_ip(tree, people, loop, settings):
    settings.REPORTER_CODES_PER_HOUR_PER_PHONE = 2
    settings.REPORTER_CODES_PER_HOUR_PER_IP = 3
    now = timezone.now()
    for _ in range(2):
        reporter_codes.reporter_code_issue(phone=PHONE, ip="10.0.0.1", now=now)
    before = state()
    with pytest.raises(ApplicationError) as exc:
        reporter_codes.reporter_code_issue(phone=PHONE, ip="10.0.0.2", now=now)
    assert (exc.value.code, exc.value.status) == ("reporter_code.rate_limited", 429)
    assert state() == before
    reporter_codes.reporter_code_issue(phone="13800000001", ip="10.0.0.1", now=now)
    with pytest.raises(ApplicationError) as exc:  # the address has had its three
        reporter_codes.reporter_code_issue(phone="13800000002", ip="10.0.0.1", now=now)
    assert exc.value.code == "reporter_code.rate_limited"
    # An hour later the phone may ask again.
    reporter_codes.reporter_code_issue(phone=PHONE, ip="10.0.0.2", now=now + dt.timedelta(minutes=61))


@pytest.mark.django_db
def test_verify_wrong_code_only_counts_an_attempt(tree, people, loop, settings):
    settings.REPORTER_CODE_MAX_ATTEMPTS = 3
    now = timezone.now()
    reporter_codes.reporter_code_issue(phone=PHONE, ip="1.2.3.4", now=now)
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"
    audits = AuditEntry.objects.count()
    for n in (1, 2, 3):
        with pytest.raises(ApplicationError) as exc:
            reporter_codes.reporter_code_verify(phone=PHONE, code=wrong, now=now)
        assert exc.value.code == "reporter_code.invalid"
        assert state() == ([(n, None)], 1, audits)
    # Out of tries: even the right code is refused now, and nothing changes.
    with pytest.raises(ApplicationError) as exc:
        reporter_codes.reporter_code_verify(phone=PHONE, code=code, now=now)
    assert exc.value.code == "reporter_code.too_many_attempts"
    assert state() == ([(3, None)], 1, audits)


@pytest.mark.django_db
def test_verify_right_code_once_and_not_after_expiry(tree, people, loop):
    now = timezone.now()
    reporter_codes.reporter_code_issue(phone=PHONE, ip="1.2.3.4", now=now)
    code = sent_code()
    # Another phone cannot use it.
    with pytest.raises(ApplicationError):
        reporter_codes.reporter_code_verify(phone="13800000001", code=code, now=now)
    # Expired: refused.
    with pytest.raises(ApplicationError) as exc:
        reporter_codes.reporter_code_verify(phone=PHONE, code=code, now=now + dt.timedelta(minutes=10, seconds=1))
    assert exc.value.code == "reporter_code.invalid"
    assert reporter_codes.reporter_code_verify(phone=PHONE, code=code, now=now) == blind_index(PHONE)
    assert ReporterCode.objects.get().used_at == now
    with pytest.raises(ApplicationError):  # used once
        reporter_codes.reporter_code_verify(phone=PHONE, code=code, now=now)


@pytest.mark.django_db
def test_mine_page_lists_only_the_verified_phones_reports(tree, people, loop):
    mine = report(Client(), title="我的反映一")
    report(Client(), phone="13800000001", title="别人的反映")
    c = Client()
    page = c.get("/report/mine/").content.decode()
    assert 'id="device-reports"' in page and 'name="phone"' in page and "我的反映一" not in page
    r = c.post("/report/mine/", {"action": "send", "phone": PHONE})
    page = r.content.decode()
    assert r.status_code == 200 and 'name="code"' in page and f'name="phone" value="{PHONE}"' in page
    assert "139****5678" in page
    # A wrong code: refused, nothing listed.
    wrong = "000000" if sent_code() != "000000" else "111111"
    r = c.post("/report/mine/", {"action": "verify", "phone": PHONE, "code": wrong})
    assert r.status_code == 422 and "我的反映一" not in r.content.decode()
    r = c.post("/report/mine/", {"action": "verify", "phone": PHONE, "code": sent_code()})
    assert r.status_code == 302 and r.url == "/report/mine/"
    assert PHONE not in str(dict(c.session))  # the session keeps the keyed hash, not the number
    page = c.get("/report/mine/").content.decode()
    assert f'href="/report/mine/{mine.number}/"' in page and "我的反映一" in page and "别人的反映" not in page
    detail = c.get(f"/report/mine/{mine.number}/")
    assert detail.status_code == 200 and "我的反映一" in detail.content.decode()
    # Another phone's report by URL: 404, as for an unknown number.
    other = Event.objects.get(title="别人的反映")
    assert c.get(f"/report/mine/{other.number}/").status_code == 404
    assert c.get("/report/mine/NOPE/").status_code == 404
    assert Client().get(f"/report/mine/{mine.number}/").status_code == 404
    # Forgetting ends it.
    c.post("/report/mine/", {"action": "forget"})
    assert "我的反映一" not in c.get("/report/mine/").content.decode()
    assert c.get(f"/report/mine/{mine.number}/").status_code == 404


@pytest.mark.django_db
def test_receipt_marks_the_link_for_the_device(tree, people, loop):
    c = Client()
    ev = report(c)
    token = c.session["resident_receipts"][ev.number]
    page = c.get(f"/report/receipt/{ev.number}/").content.decode()
    assert (f'id="remember-report" data-number="{ev.number}" '
            f'data-url="http://testserver/report/track/{ev.number}/?t={token}" data-title="小区门口垃圾堆放">') in page
    assert "web/resident-mine.js" in page


@pytest.mark.django_db
def test_migration_backfills_the_phone_index(tree, people, loop):
    import importlib

    from django.apps import apps

    ev = report(Client())
    Event.objects.filter(pk=ev.pk).update(reporter_phone_index="")
    importlib.import_module("jiewang.events.migrations.0011_reporter_phone_index").backfill(apps, None)
    assert Event.objects.get(pk=ev.pk).reporter_phone_index == blind_index(PHONE)
