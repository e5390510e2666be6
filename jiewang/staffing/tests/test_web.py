"""The staffing pages: the staffing table and its flag, a grid's page (assign, end), a profile
(masked phones, the audited reveal, stale edits), the worker's own profile, and the flag panel on
the command center and the community's page."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from jiewang.audit.models import AuditEntry
from jiewang.staffing.models import GridMember, Person
from jiewang.staffing.testing import assign, person

pytestmark = pytest.mark.django_db


def png(size=(40, 50)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def test_staffing_page_lists_people_by_kind_and_flags_unstaffed(tree, people, client_for):
    zhang = person(tree.c1, "张专职")
    assign(zhang, tree.g1)
    assign(person(tree.c1, "李志愿"), tree.g1, kind="volunteer")
    r = client_for(people.community_staff).get(reverse("web:staffing"))
    html = r.content.decode()
    assert r.status_code == 200 and "张专职" in html and "李志愿" in html
    assert f'data-grid="{tree.g2.pk}" class="unstaffed' in html and f'data-grid="{tree.g1.pk}" class="' in html
    assert f'data-grid="{tree.g1.pk}" class="unstaffed' not in html
    assert 'id="unstaffed-count"' in html
    assert tree.g3.name not in html  # another community's grid
    r = client_for(people.town_leader).get(reverse("web:staffing") + "?unstaffed=1")
    assert tree.g3.name in r.content.decode() and tree.g1.name not in r.content.decode()
    assert client_for(people.resident).get(reverse("web:staffing")).status_code == 403


def test_assign_and_end_through_the_grid_page(tree, people, client_for):
    zhang = person(tree.c1, "张三")
    c = client_for(people.community_staff)
    page = c.get(reverse("web:staffing-grid", args=[tree.g2.pk])).content.decode()
    assert 'id="grid-unstaffed"' in page and "张三" in page
    r = c.post(reverse("web:staffing-assign", args=[tree.g2.pk]), {"person": zhang.pk, "kind": "full_time"})
    assert r.status_code == 302
    member = GridMember.objects.get(person=zhang, grid=tree.g2)
    page = c.get(reverse("web:staffing-grid", args=[tree.g2.pk])).content.decode()
    assert 'id="grid-unstaffed"' not in page
    r = c.post(reverse("web:staffing-assign", args=[tree.g2.pk]), {"person": zhang.pk, "kind": "full_time"},
               follow=True)
    assert GridMember.objects.filter(person=zhang).count() == 1 and "msg error" in r.content.decode()
    c.post(reverse("web:staffing-end", args=[member.pk]), {"reason": ""})
    member.refresh_from_db()
    assert member.end_date is None
    c.post(reverse("web:staffing-end", args=[member.pk]), {"reason": "调岗"})
    member.refresh_from_db()
    assert member.end_reason == "调岗"
    page = c.get(reverse("web:staffing-grid", args=[tree.g2.pk])).content.decode()
    assert 'id="grid-unstaffed"' in page and "调岗" in page
    # Another community's staff: not found, nothing changed.
    other = client_for(people.other_community_staff)
    assert other.get(reverse("web:staffing-grid", args=[tree.g2.pk])).status_code == 404
    assert other.post(reverse("web:staffing-assign", args=[tree.g2.pk]),
                      {"person": zhang.pk, "kind": "part_time"}).status_code == 404
    assert GridMember.objects.count() == 1


def test_person_pages_masked_reveal_audited_and_stale_edit(tree, people, client_for):
    zhang = person(tree.c1, "张三", work_phone="13800001111", personal_phone="13900002222")
    assign(zhang, tree.g1)
    url = reverse("web:staffing-person", args=[zhang.pk])
    html = client_for(people.grid_worker).get(url).content.decode()
    assert "138****1111" in html and "13800001111" not in html and 'id="reveal"' not in html
    c = client_for(people.community_staff)
    html = c.get(url).content.decode()
    assert "138****1111" in html and 'id="reveal"' in html
    html = c.post(url, {"verb": "reveal"}).content.decode()
    assert "13800001111" in html and "13900002222" in html
    assert AuditEntry.objects.filter(action="grid_person.reveal_phones").count() == 1
    r = c.post(url, {"verb": "edit", "version": 1, "name": "张三", "unit": "物业公司", "note": "",
                     "photo": io.BytesIO(png())})
    assert r.status_code == 302
    zhang.refresh_from_db()
    assert zhang.unit == "物业公司" and zhang.version == 2 and zhang.work_phone == "13800001111" and zhang.photo
    photo = c.get(reverse("web:staffing-photo", args=[zhang.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert client_for(people.other_community_staff).get(reverse("web:staffing-photo", args=[zhang.pk])).status_code \
        == 404
    r = c.post(url, {"verb": "edit", "version": 1, "name": "覆盖", "unit": ""}, follow=True)
    assert "msg error" in r.content.decode()
    assert Person.objects.get(pk=zhang.pk).name == "张三"


def test_bad_photo_refused(tree, people, client_for):
    c = client_for(people.community_staff)
    r = c.post(reverse("web:staffing-person-new"), {"area": tree.c1.pk, "name": "王五",
                                                     "photo": io.BytesIO(b"GIF89a not really")}, follow=True)
    assert "msg error" in r.content.decode() and not Person.objects.exists()
    r = c.post(reverse("web:staffing-person-new"), {"area": tree.c1.pk, "name": "王五", "grid": tree.g1.pk,
                                                     "work_phone": "13811112222"})
    p = Person.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"?person={p.pk}#assign")


def test_my_profile_and_nav(tree, people, client_for):
    zhang = person(tree.c1, "张三", user=people.grid_worker, work_phone="13800001111")
    assign(zhang, tree.g2)
    html = client_for(people.grid_worker).get(reverse("web:staffing-me")).content.decode()
    assert "13800001111" in html  # their own number
    assert html.index(tree.g2.name) < html.index(tree.g1.name)  # assignment first, then the grant
    assert reverse("web:staffing-me") in client_for(people.grid_worker).get(reverse("web:grid")).content.decode()
    assert reverse("web:staffing") in client_for(people.town_operator).get(reverse("web:command")).content.decode()


def test_flag_panel_on_command_center_and_community_page(tree, people, client_for):
    assign(person(tree.c1), tree.g1)
    html = client_for(people.town_operator).get(reverse("web:command")).content.decode()
    assert 'id="unstaffed-panel"' in html and tree.g2.name in html and tree.g3.name in html
    html = client_for(people.community_staff).get(reverse("web:grid")).content.decode()
    assert 'id="unstaffed-panel"' in html and tree.g2.name in html
    html = client_for(people.grid_worker).get(reverse("web:grid")).content.decode()
    assert 'id="unstaffed-panel"' not in html
