"""The monthly bulletins in a real browser: a town leader opens 月度通报 from the navigation,
finds October's bulletin of 一街道 (from the assessment's October story, its assessment published),
downloads the PDF and the Excel workbook, and the files hold the month's figures; a new version
generated through the page keeps the old one in the history. Axe-core, and a 360 px phone."""

from __future__ import annotations

import io

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll


def test_a_town_leader_downloads_the_bulletin(live_server, live_tree, live_people, live_loop, new_page):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from jiewang.assessment.services.engine import run_compute, run_publish
    from jiewang.assessment.testing import build_october
    from jiewang.reports.models import Bulletin
    from jiewang.reports.services.bulletins import bulletin_generate
    from jiewang.stats.services.rollups import rollups_rebuild

    build_october(live_tree, live_people, live_loop)
    rollups_rebuild()
    run_publish(actor=None, run=run_compute(actor=None, area=live_tree.t1, period="2026-10"))
    b = bulletin_generate(actor=None, area=live_tree.t1, period="2026-10")

    page = new_page(DESKTOP)
    login(page, live_server.url, live_people.town_leader, next_url="/assessment/")
    with page.expect_navigation():
        page.locator("nav").get_by_role("link", name="月度通报").click()
    card = page.locator("section.bulletin").first
    assert "一街道" in card.inner_text() and "2026年10月，一街道共新增事件5件" in card.inner_text()
    axe_check(page)
    with page.expect_download() as info:
        card.get_by_role("link", name="下载 PDF").click()
    download = info.value
    assert download.suggested_filename == "bulletin-500101001-2026-10-v1.pdf"
    reader = PdfReader(download.path())
    text = "".join("".join(p.extract_text().split()) for p in reader.pages)
    assert len(reader.pages) == 3 and "按期办结率100.0%；超期0件；满意率95.0%" in text
    with page.expect_download() as info:
        card.get_by_role("link", name="下载 Excel").click()
    wb = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))
    assert wb["主要指标"]["B2"].value == 5

    page.fill("#g-period", "2026-10")  # the default is the last ended month, whatever today is
    with page.expect_navigation():
        page.locator("#h-generate ~ form button").click()
    assert list(Bulletin.objects.filter(area=live_tree.t1).order_by("version").values_list("status", flat=True)) == [
        "superseded", "current"]
    card = page.locator("section.bulletin").first
    assert "第2版" in card.inner_text() and "1个历史版本" in card.inner_text()
    card.locator("details summary").click()
    assert card.locator(f'details a[href="/bulletins/{b.pk}/pdf/"]').is_visible()

    phone = new_page(PHONE)
    login(phone, live_server.url, live_people.town_leader, next_url="/bulletins/")
    no_horizontal_scroll(phone)
