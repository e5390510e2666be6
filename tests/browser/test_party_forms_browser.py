"""The party keepers' forms in a real browser, at 1366 px (the street's organization department) and
at 360 px (a community's party committee on a phone): a refusal shows under its field in Chinese
with the input kept, then the form goes through; a member's transfer; and a member completing a
wish with a photo proof on their phone. Every page passes axe-core; none scrolls sideways."""

import datetime as dt

from .conftest import PHONE, axe_check, login, no_horizontal_scroll

WIDE = {"width": 1366, "height": 768}


def test_the_street_founds_enrols_and_transfers_at_1366(live_server, live_tree, live_people, new_page):
    from jiewang.party.models import MemberTransfer, PartyMember, PartyOrg
    from jiewang.party.testing import party_world

    w = party_world(live_tree, live_people)
    page = new_page(WIDE)
    login(page, live_server.url, w.town_party_staff, next_url="/party/")
    with page.expect_navigation():
        page.get_by_role("link", name="成立党组织").click()
    page.get_by_label("类别").select_option("grid_branch")
    page.get_by_label("名称", exact=True).fill("甲社区第2网格党支部")
    page.get_by_label("所领导或所在区域").select_option(str(live_tree.g2.id))
    page.get_by_label("上级党组织", exact=True).select_option(str(w.street.id))  # not a kind a grid branch hangs under
    with page.expect_navigation():
        page.get_by_role("button", name="成立").click()
    assert page.locator("#id_parent_error").inner_text() == "上级党组织类型不符"
    assert page.get_by_label("名称", exact=True).input_value() == "甲社区第2网格党支部"
    assert not PartyOrg.objects.filter(name="甲社区第2网格党支部").exists()
    axe_check(page)
    page.get_by_label("上级党组织", exact=True).select_option(str(w.community.id))
    with page.expect_navigation():
        page.get_by_role("button", name="成立").click()
    assert "党组织已成立" in page.locator(".messages").inner_text()
    assert PartyOrg.objects.get(name="甲社区第2网格党支部").parent_id == w.community.id

    page.goto(f"{live_server.url}/party/members/new/")
    page.get_by_label("所在党组织", exact=True).select_option(str(w.community.id))
    page.get_by_label("姓名").fill("孙大姐")
    page.get_by_label("手机号码").fill("12345")
    page.get_by_label("居住社区").select_option(str(live_tree.c1.id))
    with page.expect_navigation():
        page.get_by_role("button", name="入册").click()
    assert page.locator("#id_phone_error").inner_text() == "手机号码格式不正确"
    assert page.get_by_label("姓名").input_value() == "孙大姐"
    page.get_by_label("手机号码").fill("13600001111")
    with page.expect_navigation():
        page.get_by_role("button", name="入册").click()
    assert PartyMember.objects.get(name="孙大姐").home_community_id == live_tree.c1.id

    page.goto(f"{live_server.url}/party/?q=王工程师")
    with page.expect_navigation():
        page.locator("li.row", has_text="王工程师").get_by_role("link", name="组织关系转接").click()
    page.get_by_label("转入党组织").select_option(str(w.school.id))
    page.get_by_label("原因", exact=True).fill("调入学校工作")
    with page.expect_navigation():
        page.get_by_role("button", name="组织关系转接").click()
    t = MemberTransfer.objects.get(member=w.member2)
    assert (t.from_org_id, t.to_org_id) == (w.community.id, w.school.id)
    assert "乙社区实验小学党支部" in page.locator("section", has_text="最近的组织关系转接").inner_text()
    axe_check(page)
    page.screenshot(path=str(_shots() / "party-forms-1366.png"), full_page=True)


def test_the_community_seats_an_officer_on_a_phone(live_server, live_tree, live_people, new_page):
    from jiewang.party.models import Officer, PartyOrg
    from jiewang.party.testing import party_world

    w = party_world(live_tree, live_people)
    page = new_page(PHONE)
    login(page, live_server.url, w.party_staff, next_url="/party/officers/new/")
    assert page.locator("h1").inner_text() == "班子成员任职"
    no_horizontal_scroll(page)
    page.get_by_label("所在党组织", exact=True).select_option(str(w.community.id))
    page.get_by_label("党员").select_option(str(w.member2.id))
    page.get_by_label("职务").select_option("part_time_member")
    today = dt.date.today().isoformat()
    page.get_by_label("新一届任期开始日期（已换届）").fill(today)
    with page.expect_navigation():
        page.get_by_role("button", name="任职").click()
    assert page.locator("#id_from_unit_error").inner_text() == "请填写此项"
    assert not Officer.objects.filter(org=w.community, member=w.member2).exists()
    no_horizontal_scroll(page)
    axe_check(page)
    page.get_by_label("来自单位（兼职委员填写）").fill("渝州建工")
    with page.expect_navigation():
        page.get_by_role("button", name="任职").click()
    assert Officer.objects.get(org=w.community, member=w.member2).from_unit == "渝州建工"
    assert PartyOrg.objects.get(pk=w.community.pk).election_stage == 0
    page.goto(f"{live_server.url}/party/officers/new/")
    page.screenshot(path=str(_shots() / "party-forms-360.png"), full_page=True)


def test_the_member_completes_a_wish_with_a_photo_on_a_phone(live_server, live_tree, live_people, new_page, tmp_path):
    from jiewang.party.models import Wish
    from jiewang.party.testing import party_world, tiny_png

    w = party_world(live_tree, live_people)
    photo = tmp_path / "proof.png"
    photo.write_bytes(tiny_png())
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    page = new_page(PHONE)
    login(page, live_server.url, w.member_user, next_url="/party/me/")
    item = page.locator("li.row", has_text=w.wish_claimed.title)
    item.get_by_label("服务情况").fill("已取药送到家")
    item.get_by_label("时长（小时）").fill("1")
    item.get_by_label("照片凭证（JPEG、PNG 或 WebP，不超过 10 MB）").set_input_files(str(notes))
    with page.expect_navigation():
        item.get_by_role("button", name="已办结").click()
    assert "只接受 JPEG、PNG 或 WebP 图片" in page.locator(".messages").inner_text()
    assert Wish.objects.get(pk=w.wish_claimed.pk).status == "claimed"
    item = page.locator("li.row", has_text=w.wish_claimed.title)
    item.get_by_label("服务情况").fill("已取药送到家")
    item.get_by_label("时长（小时）").fill("1")
    item.get_by_label("照片凭证（JPEG、PNG 或 WebP，不超过 10 MB）").set_input_files(str(photo))
    with page.expect_navigation():
        item.get_by_role("button", name="已办结").click()
    row = Wish.objects.get(pk=w.wish_claimed.pk)
    assert (row.status, row.proof_photo_type) == ("done", "image/png")
    done = page.locator("section", has_text="我已办结的").locator("li.row", has_text=row.title)
    assert done.locator("img").evaluate("img => img.naturalWidth") == 8
    no_horizontal_scroll(page)
    axe_check(page)


def _shots():
    from pathlib import Path

    out = Path(__file__).resolve().parents[2] / "var" / "browser-shots"
    out.mkdir(parents=True, exist_ok=True)
    return out
