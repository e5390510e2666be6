"""The /bulletins/ page: the bulletins of the areas the user may see, grouped with their history,
download links, the "generate now" form for the area's leaders only; downloads through the page
are scoped (another town's is a 404) and audited; the nav and the assessment page link to it."""

from __future__ import annotations

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.reports.models import Bulletin
from jiewang.reports.services.bulletins import bulletin_generate
from jiewang.reports.testing import PERIOD

pytestmark = pytest.mark.django_db


def test_the_list_with_history_and_downloads(tree, people, client_for):
    v1 = bulletin_generate(actor=None, area=tree.t1, period=PERIOD)
    v2 = bulletin_generate(actor=people.town_leader, area=tree.t1, period=PERIOD)
    other = bulletin_generate(actor=None, area=tree.t2, period=PERIOD)
    html = client_for(people.town_leader).get("/bulletins/").content.decode()
    assert "月度通报" in html and "一街道" in html and "二街道" not in html
    assert f"/bulletins/{v2.pk}/pdf/" in html and f"/bulletins/{v2.pk}/xlsx/" in html
    assert f"/bulletins/{v1.pk}/pdf/" in html and "1个历史版本" in html  # the history
    assert f"/bulletins/{other.pk}/" not in html
    assert "第2版" in html and "立即生成" in html and "2026年10月，一街道共新增事件0件" in html
    html = client_for(people.town_operator).get("/bulletins/").content.decode()
    assert f"/bulletins/{v2.pk}/pdf/" in html and "立即生成" not in html
    html = client_for(people.district_admin).get("/bulletins/").content.decode()
    assert f"/bulletins/{other.pk}/pdf/" in html


def test_downloads_are_scoped_and_audited(tree, people, client_for):
    mine = bulletin_generate(actor=None, area=tree.t1, period=PERIOD)
    other = bulletin_generate(actor=None, area=tree.t2, period=PERIOD)
    c = client_for(people.town_leader)
    r = c.get(f"/bulletins/{mine.pk}/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="bulletin.download", actor=people.town_leader).count() == 1
    assert c.get(f"/bulletins/{other.pk}/pdf/").status_code == 404
    assert c.get(f"/bulletins/{mine.pk}/doc/").status_code == 404
    assert c.get(f"/bulletins/{mine.pk}/pdf/").status_code == 200
    assert client_for(people.grid_worker).get(f"/bulletins/{mine.pk}/pdf/").status_code == 403
    assert client_for(None).get(f"/bulletins/{mine.pk}/pdf/").status_code == 302  # to the login page
    assert AuditEntry.objects.filter(action="bulletin.download").count() == 2


def test_generate_now_through_the_page(tree, people, client_for):
    r = client_for(people.town_leader).post("/bulletins/generate/", {"area": tree.t1.id, "period": PERIOD})
    assert r.status_code == 302 and Bulletin.objects.get().generated_by == people.town_leader
    client_for(people.town_operator).post("/bulletins/generate/", {"area": tree.t1.id, "period": PERIOD})
    client_for(people.town_leader).post("/bulletins/generate/", {"area": tree.t2.id, "period": PERIOD})
    client_for(people.town_leader).post("/bulletins/generate/", {"area": tree.t1.id, "period": "2099-01"})
    assert Bulletin.objects.count() == 1


def test_linked_from_the_nav_and_the_assessment_page(tree, people, client_for):
    from jiewang.web.nav import sections_for

    assert "/bulletins/" in [u for u, _ in sections_for(people.town_operator)]
    assert "/bulletins/" in [u for u, _ in sections_for(people.district_admin)]
    assert "/bulletins/" not in [u for u, _ in sections_for(people.department_staff)]
    html = client_for(people.town_leader).get("/assessment/").content.decode()
    assert 'href="/bulletins/' in html
    html = client_for(people.department_staff).get("/assessment/").content.decode()
    assert 'href="/bulletins/' not in html
