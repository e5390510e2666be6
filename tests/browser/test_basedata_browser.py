"""Base data in a real browser: the grid worker finds a resident of their grid on a phone, sees the
ID number masked, unmasks it with the button (one audit row), adds the resident to a key group;
the town leader's lists and counts stay masked; the import page reports a bad file row by row.
Every page passes axe-core and fits a 360 px wide phone."""

from .conftest import DESKTOP, PHONE, axe_check, login, no_horizontal_scroll


def _world(tree):
    from jiewang.basedata.testing import ID_LI, ID_ZHANG, ensure_key_groups, house_at, resident_in

    ensure_key_groups()
    house = house_at(tree.g1)
    zhang = resident_in(house, phone="13812345678")
    li = resident_in(house, name="李四", id_number=ID_LI, relation="spouse", phone="")
    return zhang, li, ID_ZHANG


def test_grid_worker_unmasks_on_the_phone(live_server, live_tree, live_people, new_page):
    from jiewang.audit.models import AuditEntry

    zhang, _li, id_zhang = _world(live_tree)
    page = new_page(PHONE)
    login(page, live_server.url, live_people.grid_worker, next_url="/basedata/")
    assert "1101**********002X" in page.content() and id_zhang not in page.content()
    no_horizontal_scroll(page)
    axe_check(page)
    with page.expect_navigation():
        page.get_by_role("link", name="张三").click()
    assert page.locator("#bd-id").inner_text() == "1101**********002X"
    with page.expect_navigation():
        page.locator("#bd-show-id").click()
    assert page.locator("#bd-id").inner_text() == id_zhang
    assert AuditEntry.objects.filter(action="resident.reveal", actor=live_people.grid_worker).count() == 1
    no_horizontal_scroll(page)
    axe_check(page)
    page.select_option("#bd-group", "elderly_alone")
    with page.expect_navigation():
        page.get_by_role("button", name="添加").click()
    assert "独居老人" in page.locator("[aria-labelledby=h-key]").inner_text()
    assert zhang.key_memberships.count() == 1


def test_town_leader_reads_masked_lists_and_counts(live_server, live_tree, live_people, new_page):
    _zhang, _li, id_zhang = _world(live_tree)
    for viewport in (DESKTOP, PHONE):
        page = new_page(viewport)
        login(page, live_server.url, live_people.town_leader, next_url=f"/basedata/?area={live_tree.g1.id}")
        assert "张三" in page.content() and id_zhang not in page.content()
        with page.expect_navigation():
            page.get_by_role("link", name="张三").click()
        assert page.locator("#bd-show-id").count() == 0
        page.goto(f"{live_server.url}/basedata/counts/?area={live_tree.t1.id}")
        total = page.locator("table.bd-counts tbody tr").last.inner_text()
        assert total.split()[:3] == ["合计", "1", "2"]
        axe_check(page)
        if viewport is PHONE:
            no_horizontal_scroll(page)


def test_import_page_reports_bad_rows(live_server, live_tree, live_people, new_page, tmp_path):
    from jiewang.basedata.models import Resident
    from jiewang.basedata.testing import ID_LI, ensure_key_groups, row, workbook

    ensure_key_groups()
    path = tmp_path / "居民.xlsx"
    path.write_bytes(workbook([row(ID_LI, name="李四"), row("110105194912310021", name="错号")]))
    page = new_page(PHONE)
    login(page, live_server.url, live_people.community_staff, next_url="/basedata/import/")
    no_horizontal_scroll(page)
    page.select_option("#imp-area", str(live_tree.g1.id))
    page.set_input_files("#imp-file", str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="导入", exact=True).click()
    result = page.locator("#import-result").inner_text()
    assert "共读取2行，导入0行" in result and "校验码错误" in result
    assert Resident.objects.count() == 0
    axe_check(page)
    page.check("input[name=mode][value=partial]")
    page.set_input_files("#imp-file", str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="导入", exact=True).click()
    assert "导入1行" in page.locator("#import-result").inner_text()
    assert Resident.objects.count() == 1
    with page.expect_download() as dl:
        page.locator("#import-result a[download]").click()
    assert dl.value.suggested_filename.endswith("-errors.xlsx")
