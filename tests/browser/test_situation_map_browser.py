"""The command center's figures and its situation map (态势地图) in a real browser: the tiles show
the rollups' numbers, the map colours the town's communities by the figure picked, with a legend
and tooltips; a click drills down into a community's grids and a button leads back up; it fits a
phone."""

import os

from .conftest import PHONE, axe_check, login, no_horizontal_scroll

SHOTS = os.environ.get("JIEWANG_SHOTS", "")


def test_the_dashboard_shows_the_figures_and_the_map(live_server, live_tree, live_people, live_loop, new_page):
    from jiewang.events.testing import make_event
    from jiewang.stats.services.rollups import rollups_apply

    make_event(live_tree, live_people, live_loop, "closed")  # 甲社区第1网格
    make_event(live_tree, live_people, live_loop, "handling", at=(106.2, 29.2))  # 甲社区第2网格
    make_event(live_tree, live_people, live_loop, "handling", at=(106.3, 29.2))  # 乙社区第1网格
    rollups_apply()
    t = live_tree
    page = new_page({"width": 1280, "height": 900})
    login(page, live_server.url, live_people.town_leader, next_url="/command/")
    sit = page.locator("#situation")
    assert sit.locator(".sit-tile").nth(0).locator("b").inner_text() == "3"  # new today
    assert sit.locator(".sit-tile").nth(4).locator("b").inner_text() == "2"  # open now
    amap = page.locator("[data-sitmap]")
    page.wait_for_function(f"() => document.querySelector('[data-sitmap]').dataset.drawn === '{t.t1.id}:new_month:2'")
    assert page.locator(".jw-sitmap-area").count() == 2  # 甲社区, 乙社区
    legend = amap.locator(".sit-map-legend").inner_text()
    assert "本月新增" in legend and "无数据" in legend and "\n1\n2\n" in legend, legend
    colours = page.evaluate("() => [...document.querySelectorAll('path.jw-sitmap-area')].map(p => p.getAttribute('fill'))")
    assert len(set(colours)) == 2, colours  # 2 new vs 1 new: two colours
    if SHOTS:
        page.locator("#situation").screenshot(path=os.path.join(SHOTS, "situation-map.png"))

    page.select_option(".sit-map-metric", "open")
    page.wait_for_function(f"() => document.querySelector('[data-sitmap]').dataset.drawn === '{t.t1.id}:open:2'")
    assert amap.locator(".sit-map-legend").inner_text().startswith("在办\n1\n")  # both communities: 1 open
    amap.locator("details summary").click()
    rows = amap.locator(".sit-map-table tbody tr")
    assert rows.count() == 2
    assert {rows.nth(i).inner_text().split("\t")[0].strip() for i in range(2)} == {"甲社区", "乙社区"}

    first = page.locator("path.jw-sitmap-area").first
    first.hover()
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for()
    assert "社区" in tip.inner_text()

    # Drill down into 甲社区 (its table row is a button too), then back up
    amap.locator(".sit-map-table button", has_text="甲社区").click()
    page.wait_for_function(f"() => document.querySelector('[data-sitmap]').dataset.drawn === '{t.c1.id}:open:2'")
    up = amap.locator(".sit-map-up")
    assert up.is_visible() and t.t1.name in up.inner_text()
    assert amap.locator(".sit-map-title").inner_text() == t.c1.name
    up.click()
    page.wait_for_function(f"() => document.querySelector('[data-sitmap]').dataset.drawn === '{t.t1.id}:open:2'")
    assert up.is_hidden()  # the town is the leader's top
    axe_check(page)

    phone = new_page(PHONE)
    login(phone, live_server.url, live_people.town_leader, next_url="/command/")
    phone.wait_for_function("() => document.querySelector('[data-sitmap]').dataset.drawn !== undefined")
    no_horizontal_scroll(phone)
