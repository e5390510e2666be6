"""The matter catalog shows default departments by name (城市管理局), not by code (cgj)."""

import pytest

from jiewang.accounts.models import Department
from jiewang.accounts.selectors import department_names_by_code


@pytest.fixture
def coded(people, tree):
    from jiewang.events.services.catalog import catalog_seed

    catalog_seed()
    Department.objects.filter(pk=people.department.pk).update(code="cgj")
    Department.objects.filter(pk=people.other_department.pk).update(code="cgj")
    Department.objects.create(area=tree.d1, name="北区规划和自然资源局", code="ghzy")
    return people


def test_names_by_code_drop_the_district(coded):
    assert department_names_by_code(user=coded.admin) == {"cgj": "城市管理局", "ghzy": "规划和自然资源局"}
    # Only departments the user may see name a code.
    assert department_names_by_code(user=coded.nobody) == {}


def test_catalog_list_shows_names(coded, client_for):
    page = client_for(coded.district_admin).get("/manage/catalog/").content.decode()
    # SL02 违章搭建 defaults to cgj, ghzy.
    row = page[page.index("SL02"):]
    row = row[:row.index("</tr>")]
    assert '<span title="cgj">城市管理局</span>、<span title="ghzy">规划和自然资源局</span>' in row
    assert ">cgj<" not in page


def test_catalog_edit_names_the_current_departments(coded, client_for):
    page = client_for(coded.district_admin).get("/manage/catalog/SL02/").content.decode()
    assert '<option value="cgj">城市管理局</option>' in page
    assert '<span id="c-depts-names">城市管理局 (cgj)、规划和自然资源局 (ghzy)</span>' in page
    # A code no department has is said so.
    page = client_for(coded.district_admin).get("/manage/catalog/EC01/").content.decode()
    assert "发展改革委" not in page and "fgw <em>（无此部门）</em>" in page


def test_catalog_api_names_the_departments(coded, client_for):
    rows = client_for(coded.district_admin).get("/api/catalog").json()
    sl02 = next(r for r in rows if r["code"] == "SL02")
    assert sl02["default_department_codes"] == ["cgj", "ghzy"]
    assert sl02["default_departments"] == [{"code": "cgj", "name": "城市管理局"},
                                           {"code": "ghzy", "name": "规划和自然资源局"}]
