"""The early-warning rules page (/warnings/rules/): keepers list, create, edit, enable and disable
rules of every kind and edit a keyword rule's word list, through the services (audited); the
service's validation errors appear beside the fields; viewers read only; other areas see nothing."""

from __future__ import annotations

import pytest

from jiewang.audit.models import AuditEntry
from jiewang.warning.models import WarningRule
from jiewang.warning.testing import evaluate, report, rule

pytestmark = pytest.mark.django_db

VALID = {
    "cluster": {"p_category": "LS01", "p_count": "3", "p_hours": "2"},
    "hotspot": {"p_category": "LS01", "p_count": "4", "p_hours": "6", "p_distance_m": "100"},
    "repeat": {"p_category": "LS01", "p_radius_m": "50", "p_days": "7"},
    "trend": {"p_points": "10"},
    "keyword": {"p_words": "讨薪\n爆炸，上访 群体"},
    "sensor": {"p_reading": "water_level", "p_threshold": "3.5", "p_category": "LS01"},
}


def audits(action):
    return AuditEntry.objects.filter(action=action).count()


def test_a_town_leader_creates_a_rule_of_every_kind(tree, people, loop, client_for):
    c = client_for(people.town_leader)
    for kind, params in VALID.items():
        page = c.get(f"/warnings/rules/new/?kind={kind}")
        assert page.status_code == 200 and f'value="{kind}"' in page.content.decode()
        before = audits("warning_rule.create")
        r = c.post("/warnings/rules/new/", {"kind": kind, "name": f"规则 {kind}", "area": tree.t1.id, "enabled": "1",
                                            **params})
        assert r.status_code == 302 and r["Location"] == "/warnings/rules/", (kind, r.content.decode()[:3000])
        assert audits("warning_rule.create") == before + 1
    rules = {r.kind: r for r in WarningRule.objects.all()}
    assert rules["keyword"].params == {"words": ["讨薪", "爆炸", "上访", "群体"]}
    assert rules["repeat"].params == {"category": "LS01", "count": 2, "radius_m": 50.0, "days": 7.0}
    assert rules["sensor"].params["threshold"] == 3.5 and rules["sensor"].area_id == tree.t1.id
    listing = c.get("/warnings/rules/").content.decode()
    for r in rules.values():
        assert f'data-rule="{r.pk}"' in listing and r.name in listing


def test_the_services_errors_are_shown_on_the_form(tree, people, loop, client_for):
    c = client_for(people.town_leader)
    r = c.post("/warnings/rules/new/", {"kind": "keyword", "name": "敏感词", "area": tree.t1.id, "p_words": "  "})
    assert r.status_code == 422
    html = r.content.decode()
    assert 'id="p-words-err"' in html and 'aria-invalid="true"' in html
    r = c.post("/warnings/rules/new/", {"kind": "sensor", "name": "水位", "area": tree.t1.id,
                                        "p_reading": "water_level", "p_threshold": "很高", "p_category": "LS01"})
    assert r.status_code == 422 and 'id="p-threshold-err"' in r.content.decode()
    assert 'value="很高"' in r.content.decode()  # what was typed stays
    r = c.post("/warnings/rules/new/", {"kind": "cluster", "name": "聚集", "area": tree.t1.id, "p_category": "LS01",
                                        "p_count": "1", "p_hours": "2"})
    assert r.status_code == 422 and 'id="p-count-err"' in r.content.decode()
    r = c.post("/warnings/rules/new/", {"kind": "cluster", "name": "", "area": tree.t1.id, "p_category": "LS01",
                                        "p_count": "3", "p_hours": "2"})
    assert r.status_code == 422 and 'id="r-name-err"' in r.content.decode()
    assert WarningRule.objects.count() == 0 and audits("warning_rule.create") == 0


def test_edit_the_keyword_list_and_toggle(tree, people, loop, client_for):
    kw = rule(tree.t1, "keyword", {"words": ["爆炸"]}, name="敏感词")
    c = client_for(people.town_leader)
    page = c.get(f"/warnings/rules/{kw.pk}/").content.decode()
    assert "爆炸</textarea>" in page
    r = c.post(f"/warnings/rules/{kw.pk}/", {"version": kw.version, "name": "敏感词表", "enabled": "1",
                                             "p_words": "爆炸\n讨薪"})
    assert r.status_code == 302
    kw.refresh_from_db()
    assert kw.params == {"words": ["爆炸", "讨薪"]} and kw.name == "敏感词表" and kw.version == 2
    stale = c.post(f"/warnings/rules/{kw.pk}/", {"version": 1, "name": "x", "enabled": "1", "p_words": "a"})
    assert stale.status_code == 422 and "msg error" in stale.content.decode()
    empty = c.post(f"/warnings/rules/{kw.pk}/", {"version": kw.version, "name": "x", "enabled": "1", "p_words": ""})
    assert empty.status_code == 422 and 'id="p-words-err"' in empty.content.decode()
    r = c.post(f"/warnings/rules/{kw.pk}/toggle/", {"version": kw.version})
    assert r.status_code == 302
    kw.refresh_from_db()
    assert kw.enabled is False and kw.version == 3
    assert audits("warning_rule.update") == 2
    # a disabled rule does not fire; enabled again it does
    report(title="农民工讨薪")
    assert evaluate() == []
    c.post(f"/warnings/rules/{kw.pk}/toggle/", {"version": kw.version})
    report(title="又有人讨薪")
    assert len(evaluate()) == 1


def test_viewers_read_only_and_other_areas_see_nothing(tree, people, loop, client_for):
    kw = rule(tree.t1, "keyword", {"words": ["爆炸"]}, name="一街道词表")
    op = client_for(people.town_operator)
    listing = op.get("/warnings/rules/")
    assert listing.status_code == 200 and kw.name in listing.content.decode()
    assert f"/warnings/rules/{kw.pk}/toggle/" not in listing.content.decode()
    assert op.get("/warnings/rules/new/").status_code == 403
    assert op.post(f"/warnings/rules/{kw.pk}/toggle/", {"version": kw.version}).status_code == 403
    r = op.post(f"/warnings/rules/{kw.pk}/", {"version": kw.version, "name": "x", "enabled": "1", "p_words": "a"})
    assert r.status_code == 422  # the service refuses it: permission denied
    other = client_for(people.other_district_admin)
    assert f'data-rule="{kw.pk}"' not in other.get("/warnings/rules/").content.decode()
    assert other.get(f"/warnings/rules/{kw.pk}/").status_code == 404
    assert other.post(f"/warnings/rules/{kw.pk}/toggle/", {"version": kw.version}).status_code == 404
    r = other.post("/warnings/rules/new/", {"kind": "trend", "name": "x", "area": tree.t1.id, "p_points": "5"})
    assert r.status_code == 422  # 一街道 is not among its areas
    kw.refresh_from_db()
    assert (kw.name, kw.enabled, kw.version) == ("一街道词表", True, 1)
    assert client_for(people.community_staff).get("/warnings/rules/").status_code == 403
    assert client_for(None).get("/warnings/rules/").status_code == 302


def test_the_district_puts_a_rule_on_one_of_its_towns(tree, people, loop, client_for):
    c = client_for(people.district_admin)
    page = c.get("/warnings/rules/new/?kind=trend").content.decode()
    assert f'value="{tree.d1.id}"' in page and f'value="{tree.t1.id}"' in page and f'value="{tree.t3.id}"' not in page
    r = c.post("/warnings/rules/new/", {"kind": "trend", "name": "超期上升", "area": tree.t2.id, "p_points": "5",
                                        "enabled": "1"})
    assert r.status_code == 302
    assert WarningRule.objects.get().area_id == tree.t2.id
