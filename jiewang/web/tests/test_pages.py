import pytest
from django.test import Client


@pytest.mark.django_db
def test_login_page_is_chinese_by_default_and_english_on_request(people):
    c = Client()
    page = c.get("/login/").content.decode()
    assert "登录" in page and 'lang="zh-hans"' in page
    c.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    page = c.get("/login/").content.decode()
    assert "Sign in" in page and 'lang="en"' in page


@pytest.mark.django_db
def test_home_requires_login_and_shows_roles(people):
    c = Client()
    assert c.get("/").status_code == 302
    r = c.post("/login/", {"username": "community_staff", "password": "pw-community_staff-2026"})
    assert r.status_code == 302
    assert c.get("/").url == "/grid/"  # community staff work in the grid workspace


@pytest.mark.django_db
def test_area_page_is_scoped(tree, people, client_for):
    c = client_for(people.community_staff)
    page = c.get(f"/areas/{tree.c1.id}/").content.decode()
    assert "甲社区第1网格" in page and "甲社区第2网格" in page and "<svg" in page
    assert "渝州市" in page  # breadcrumb
    assert c.get(f"/areas/{tree.c2.id}/").status_code == 404
    town = c.get(f"/areas/{tree.t1.id}/").content.decode()
    assert "甲社区" in town and "乙社区" not in town


@pytest.mark.django_db
def test_wrong_password_shows_error_and_stays_signed_out(people):
    c = Client()
    r = c.post("/login/", {"username": "community_staff", "password": "nope"})
    assert r.status_code == 200 and "用户名或密码错误" in r.content.decode()
    assert c.get("/").status_code == 302


@pytest.mark.django_db
def test_area_overview_lists_roles_and_visible_roots(tree, people, client_for):
    page = client_for(people.community_staff).get("/areas/").content.decode()
    assert "村社工作人员" in page and "甲社区" in page and "渝州市" in page
    assert "丙村" not in page
