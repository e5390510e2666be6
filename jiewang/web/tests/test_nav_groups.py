"""The top bar groups a role's sections (nav.py): a town leader's fourteen sections are seven
entries, a page of a group with several sections shows them in the group's bar, and a grid
worker's group keeps the name of their own workspace (我的网格)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def bar(html: str, label: str) -> list[tuple[str, str, str]]:
    nav = html[html.index(f'aria-label="{label}"'):]
    nav = nav[:nav.index("</nav>")]
    return re.findall(r'<a href="([^"]+)"(?: aria-current="(page|true)")?>([^<]+)</a>', nav)


def test_a_town_leaders_sections_are_grouped(people, client_for):
    c = client_for(people.town_leader)
    html = c.get("/basedata/").content.decode()
    top = [(h, cur, label) for h, cur, label in bar(html, "主导航")][:7]
    assert top == [("/command/", "", "指挥调度"), ("/grid/staffing/", "true", "网格工作"),
                   ("/events/", "", "查找事件"), ("/assessment/", "", "考核通报"), ("/party/", "", "党的建设"),
                   ("/report/", "", "我要反映"), ("/manage/", "", "系统管理")]
    assert bar(html, "本栏目页面") == [("/grid/staffing/", "", "网格力量"), ("/basedata/", "page", "基础数据"),
                                   ("/patrols/coverage/", "", "巡查走访"), ("/admission/", "", "职责事项准入")]
    # a page outside every section (the inbox) has no group bar
    assert '<nav class="subnav"' not in c.get("/inbox/").content.decode()


def test_a_grid_workers_group_keeps_the_name_of_their_workspace(people, client_for):
    html = client_for(people.grid_worker).get("/grid/").content.decode()
    top = bar(html, "主导航")
    assert top[0] == ("/grid/", "page", "我的网格")
    assert [label for _h, _c, label in bar(html, "本栏目页面")] == ["我的网格", "我的资料", "基础数据"]
