"""The holiday pages (/manage/holidays/): who may enter, check then load, errors beside the fields;
the administrators' notice; the provisional mark beside an event's clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.core import worktime
from jiewang.core.models import HolidayArrangement, HolidayArrangementDay
from jiewang.holidays import selectors as holiday_selectors

SH = ZoneInfo("Asia/Shanghai")
FORM = {"year": "2027", "notice": "国办发明电〔2026〕测试号", "published_on": "2026-11-12",
        "holidays": "2027-01-01..2027-01-03\n2027-02-05..2027-02-11", "workdays": "2027-02-14，2027-02-20"}
NOTICE_TEXT = "2027年节假日安排尚未载入"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("provisional_2027")]


@pytest.fixture
def november(monkeypatch):
    monkeypatch.setattr(holiday_selectors, "local_today", lambda: dt.date(2026, 11, 30))


def written():
    return (HolidayArrangement.objects.count(), HolidayArrangementDay.objects.count(),
            AuditEntry.objects.filter(action__startswith="holiday_arrangement").count())


def test_only_district_administrators_enter(people, client_for, november):
    for user in (people.town_leader, people.town_operator, people.community_staff, people.grid_worker,
                 people.department_staff, people.resident, people.nobody):
        c = client_for(user)
        assert c.get("/manage/holidays/").status_code == 403, user
        assert c.get("/manage/holidays/load/").status_code == 403, user
        assert c.post("/manage/holidays/load/", FORM | {"step": "load"}).status_code == 403, user
    assert client_for(None).get("/manage/holidays/").status_code == 302
    assert written() == (0, 0, 0)
    leader_home = client_for(people.town_leader).get("/manage/", follow=True)
    assert "/manage/holidays/" not in leader_home.content.decode()
    for user in (people.district_admin, people.admin):
        c = client_for(user)
        page = c.get("/manage/holidays/").content.decode()
        assert "2027" in page and "暂按法定节假日" in page
        assert "/manage/holidays/" in c.get("/manage/").content.decode()


def test_check_then_load(people, client_for, november):
    c = client_for(people.district_admin)
    form = c.get("/manage/holidays/load/")
    assert form.status_code == 200
    page = form.content.decode()
    assert 'value="2027"' in page and "2027-02-05" in page and "清明节" in page  # the statutory hint

    preview = c.post("/manage/holidays/load/", FORM | {"step": "preview"})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert 'id="preview"' in page and "2027-02-11" in page and "2027-02-20" in page
    assert 'name="holidays" value="2027-01-01..2027-01-03, 2027-02-05..2027-02-11"' in page
    assert "清明节" in page  # statutory days the arrangement leaves out are pointed out
    assert written() == (0, 0, 0)  # a preview writes nothing

    done = c.post("/manage/holidays/load/", {
        "year": "2027", "notice": FORM["notice"], "published_on": "2026-11-12",
        "holidays": "2027-01-01..2027-01-03, 2027-02-05..2027-02-11", "workdays": "2027-02-14, 2027-02-20",
        "step": "load"})
    assert done.status_code == 302 and done.url == "/manage/holidays/"
    assert written() == (1, 12, 1)
    assert HolidayArrangement.objects.get().loaded_by == people.district_admin
    assert worktime.deadline_after(dt.datetime(2027, 2, 4, 10, tzinfo=SH), 3, "working_days") == \
        dt.datetime(2027, 2, 15, 10, tzinfo=SH)
    page = c.get("/manage/holidays/").content.decode()
    assert FORM["notice"] in page and NOTICE_TEXT not in page


@pytest.mark.parametrize("over, message", [
    ({"workdays": "2027-02-15"}, "调休上班日应为周六或周日"),
    ({"holidays": "2027-02-30"}, "日期格式应为"),
    ({"holidays": "2028-01-01"}, "日期不在 2027 年内"),
    ({"workdays": "2027-02-06"}, "既是放假日又是调休上班日"),
    ({"year": "x"}, "年份无效"),
])
def test_errors_come_back_beside_the_fields_and_write_nothing(people, client_for, november, over, message):
    for step in ("preview", "load"):
        r = client_for(people.district_admin).post("/manage/holidays/load/", FORM | over | {"step": step})
        assert r.status_code == 422
        page = r.content.decode()
        assert message in page and 'aria-invalid="true"' in page and 'id="preview"' not in page
    assert written() == (0, 0, 0)


def test_the_notice_shows_to_administrators_from_november_until_loaded(people, client_for, monkeypatch):
    admin = client_for(people.district_admin)
    monkeypatch.setattr(holiday_selectors, "local_today", lambda: dt.date(2026, 10, 31))
    assert NOTICE_TEXT not in admin.get("/manage/").content.decode()

    monkeypatch.setattr(holiday_selectors, "local_today", lambda: dt.date(2026, 11, 30))
    for url in ("/manage/", "/manage/catalog/", "/command/"):  # /command/ is their home workspace
        page = admin.get(url).content.decode()
        assert NOTICE_TEXT in page and "/manage/holidays/load/?year=2027" in page, url
    assert NOTICE_TEXT not in admin.get("/inbox/").content.decode()  # not on every page
    leader = client_for(people.town_leader)  # may not load: not asked
    assert NOTICE_TEXT not in leader.get("/manage/users/").content.decode()

    admin.post("/manage/holidays/load/", FORM | {"step": "load"})
    assert HolidayArrangement.objects.filter(year=2027).exists()
    assert NOTICE_TEXT not in admin.get("/manage/").content.decode()


def test_a_clock_due_in_a_provisional_year_says_so(tree, people, loop, client_for):
    from jiewang.events.models import Deadline
    from jiewang.events.testing import make_event

    e = make_event(tree, people, loop, "reported")
    clock = Deadline.objects.get(event=e, kind="accept")
    mark = "暂按法定节假日计算"
    Deadline.objects.filter(pk=clock.pk).update(started_at=dt.datetime(2026, 12, 31, 10, tzinfo=SH),
                                                due_at=dt.datetime(2027, 1, 4, 10, tzinfo=SH))
    c = client_for(people.grid_worker)
    assert mark in c.get(f"/events/{e.number}/").content.decode()

    Deadline.objects.filter(pk=clock.pk).update(due_at=dt.datetime(2026, 12, 31, 15, tzinfo=SH))
    assert mark not in c.get(f"/events/{e.number}/").content.decode()

    Deadline.objects.filter(pk=clock.pk).update(due_at=dt.datetime(2027, 1, 4, 10, tzinfo=SH))
    client_for(people.admin).post("/manage/holidays/load/", FORM | {"step": "load"})
    assert mark not in c.get(f"/events/{e.number}/").content.decode()
