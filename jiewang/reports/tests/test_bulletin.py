"""The bulletin of 一街道 for October 2026, rendered from the assessment's hand-counted October story
(``jiewang.assessment.testing.build_october``; read its docstring first), with its rollups rebuilt
and its assessment published: the PDF's text extracted (pypdf) and checked for the exact Chinese
figures, its pages counted; the workbook read back (openpyxl) and its cells checked.

Counted by hand from the story: reported in October and not voided E1, E2, E3, E4, E5 → new 5
(E6 was voided; E7 is September's: the month before had 1). Closed in October: E5 (5 Oct), E1
(11 Oct), E3 (15 Oct), E2 (16 Oct) → 4; none carries the overdue mark (no sweeper ran) → 4 on time,
100.0%. Rated: E1 满意, E2 基本满意 (E3's visit reached nobody) → (1 + 0.9) / 2 = 95.0%.
September: E7 new, closed on time, 满意 → 100.0%. 甲社区 (grid 1): E1, E2, E4, E5 → 4 new, 3 closed;
乙社区: E3 → 1 new, 1 closed, no rating. The assessment's ranking of departments (from the
assessment's own test): 北区生态环境局 70.0 C 1 red, 北区城市管理局 66.67 C 2 black.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from jiewang.audit.models import AuditEntry
from jiewang.reports.models import Bulletin
from jiewang.reports.services.bulletins import bulletin_generate

pytestmark = pytest.mark.django_db


def files(b: Bulletin) -> dict[str, bytes]:
    return {f.format: bytes(f.content) for f in b.files.all()}


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "".join("".join(p.extract_text().split()) for p in reader.pages)


def test_pdf_has_the_exact_figures_in_chinese(october, tree):
    b = bulletin_generate(actor=None, area=tree.t1, period="2026-10")
    pages, text = pdf_text(files(b)["pdf"])
    assert pages == 3
    assert text.startswith("一街道2026年10月工作通报第1页一街道2026年10月工作通报区域代码500101001第1版生成于")
    assert ("2026年10月，一街道共新增事件5件（上月1件，环比上升400.0%），办结4件，其中按期办结4件，"
            "按期办结率100.0%；超期0件；满意率95.0%。考核情况：第1版，") in text
    assert "红榜3个，黑榜3个。" in text
    # the charts (their titles and board names), then the tables
    assert "各板块事件数" in text and "每日新增与办结事件" in text and "平安法治" in text
    assert "主要指标指标本月上月新增51办结41按期办结41超期00按期办结率100.0%100.0%满意率95.0%100.0%" in text
    assert "平安法治540100.0%95.0%" in text
    assert "分区域区域新增办结超期按期办结率满意率甲社区430100.0%95.0%乙社区110100.0%—" in text
    assert "职能部门（综合）名次名称得分等次榜单1北区生态环境局70.00C红榜2北区城市管理局66.67C黑榜" in text
    assert "红黑榜考核对象榜单名次名称得分职能部门红榜1北区生态环境局70.00职能部门黑榜2北区城市管理局66.67" in text
    assert "第3页" in text and "第4页" not in text


def test_workbook_has_every_table_with_chinese_headers(october, tree):
    b = bulletin_generate(actor=None, area=tree.t1, period="2026-10")
    wb = load_workbook(io.BytesIO(files(b)["xlsx"]))
    assert wb.sheetnames[:6] == ["概要", "主要指标", "分板块", "分类别", "分区域", "逐日"]
    assert "职能部门（综合）" in wb.sheetnames and wb.sheetnames[-1] == "红黑榜"
    assert wb["概要"]["A1"].value == "一街道2026年10月工作通报"
    assert wb["概要"]["A3"].value.startswith("2026年10月，一街道共新增事件5件（上月1件，环比上升400.0%）")
    key = [[c.value for c in row] for row in wb["主要指标"].iter_rows()]
    assert key == [["指标", "本月", "上月"], ["新增", 5, 1], ["办结", 4, 1], ["按期办结", 4, 1], ["超期", 0, 0],
                   ["按期办结率", 1.0, 1.0], ["满意率", 0.95, 1.0]]
    assert wb["主要指标"]["B7"].number_format == "0.0%"
    areas = [[c.value for c in row] for row in wb["分区域"].iter_rows()]
    assert areas == [["区域", "新增", "办结", "超期", "按期办结率", "满意率"],
                     ["甲社区", 4, 3, 0, 1.0, 0.95], ["乙社区", 1, 1, 0, 1.0, "—"]]
    daily = {row[0]: row[1:] for row in wb["逐日"].iter_rows(min_row=2, values_only=True)}
    assert len(daily) == 31
    assert (daily["2026-10-05"], daily["2026-10-06"], daily["2026-10-10"], daily["2026-10-11"],
            daily["2026-10-16"]) == ((1, 1), (0, 0), (1, 0), (0, 1), (0, 1))
    assert sum(v[0] for v in daily.values()) == 5 and sum(v[1] for v in daily.values()) == 4
    depts = [[c.value for c in row] for row in wb["职能部门（综合）"].iter_rows()]
    assert depts == [["名次", "名称", "得分", "等次", "榜单"], [1, "北区生态环境局", 70.0, "C", "红榜"],
                     [2, "北区城市管理局", 66.67, "C", "黑榜"]]
    lists = list(wb["红黑榜"].iter_rows(values_only=True))
    assert lists[0] == ("考核对象", "榜单", "名次", "名称", "得分")
    assert lists[1:3] == [("职能部门", "红榜", 1, "北区生态环境局", 70.0), ("职能部门", "黑榜", 2, "北区城市管理局", 66.67)]
    assert len(lists) == 1 + 6  # departments, communities, grids: one red and one black each


def test_stored_with_size_and_hash_and_audited(october, tree):
    import hashlib

    b = bulletin_generate(actor=None, area=tree.t1, period="2026-10")
    for f in b.files.all():
        assert (f.size, f.sha256) == (len(bytes(f.content)), hashlib.sha256(bytes(f.content)).hexdigest())
    assert files(b)["pdf"].startswith(b"%PDF") and files(b)["xlsx"].startswith(b"PK")
    entry = AuditEntry.objects.get(action="bulletin.generate")
    assert entry.data["pdf"]["sha256"] == b.files.get(format="pdf").sha256 and entry.data["version"] == 1


def test_regenerating_makes_a_new_version_and_keeps_the_old(october, tree, people):
    v1 = bulletin_generate(actor=None, area=tree.t1, period="2026-10")
    v2 = bulletin_generate(actor=people.town_leader, area=tree.t1, period="2026-10")
    rows = list(Bulletin.objects.filter(area=tree.t1, period="2026-10").order_by("version")
                .values_list("version", "status", "generated_by"))
    assert rows == [(1, "superseded", None), (2, "current", people.town_leader.pk)]
    assert v1.files.count() == 2 and v2.files.count() == 2
    _, text = pdf_text(files(v2)["pdf"])
    assert "第2版" in text


def test_a_month_without_published_assessment_says_so(tree, people, loop):
    from jiewang.assessment.services.engine import run_compute

    run_compute(actor=None, area=tree.t1, period="2026-10")  # a draft only
    b = bulletin_generate(actor=None, area=tree.t1, period="2026-10")
    pages, text = pdf_text(files(b)["pdf"])
    assert b.run is None and pages == 2
    assert ("2026年10月，一街道共新增事件0件（上月0件，与上月持平），办结0件，其中按期办结0件，按期办结率—；超期0件；"
            "满意率—。本月考核结果尚未发布。") in text
    assert "红黑榜" not in load_workbook(io.BytesIO(files(b)["xlsx"])).sheetnames


def test_district_bulletin_lists_its_towns(october, tree):
    b = bulletin_generate(actor=None, area=tree.d1, period="2026-10")
    wb = load_workbook(io.BytesIO(files(b)["xlsx"]))
    areas = [[c.value for c in row] for row in wb["分区域"].iter_rows(min_row=2)]
    assert areas == [["一街道", 5, 4, 0, 1.0, 0.95], ["二街道", 0, 0, 0, "—", "—"]]


@pytest.mark.parametrize("period,code", [("2026-Q3", "bulletin.bad_period"), ("2026-13", "assessment.bad_period"),
                                         ("2099-01", "bulletin.period_not_over")])
def test_bad_periods_are_refused(tree, people, period, code):
    from jiewang.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        bulletin_generate(actor=None, area=tree.t1, period=period)
    assert exc.value.code == code
    assert Bulletin.objects.count() == 0


def test_who_may_generate(tree, people):
    from jiewang.core.errors import NotFound, PermissionDenied

    with pytest.raises(PermissionDenied):  # reads the town's bulletins, may not generate them
        bulletin_generate(actor=people.town_operator, area=tree.t1, period="2026-10")
    with pytest.raises(NotFound):  # another district
        bulletin_generate(actor=people.other_district_admin, area=tree.t1, period="2026-10")
    with pytest.raises(NotFound):  # a district's bulletin: a town leader does not even read it
        bulletin_generate(actor=people.town_leader, area=tree.d1, period="2026-10")
    assert Bulletin.objects.count() == 0
    assert bulletin_generate(actor=people.district_admin, area=tree.d1, period="2026-10").version == 1


def test_a_concurrent_generation_takes_the_next_version(tree, people, monkeypatch):
    from jiewang.reports.services import bulletins

    real = bulletins._render
    calls = []

    def render(area, period, version, now):
        calls.append(version)
        if len(calls) == 1:  # another process finishes version 1 while this one renders
            real_generate(actor=None, area=area, period=period)
        return real(area, period, version, now)

    real_generate = bulletins.bulletin_generate
    monkeypatch.setattr(bulletins, "_render", render)
    b = bulletin_generate(actor=None, area=tree.t1, period="2026-10")
    assert calls == [1, 1, 2] and b.version == 2
    assert list(Bulletin.objects.order_by("version").values_list("version", "status")) == [
        (1, "superseded"), (2, "current")]
    _, text = pdf_text(files(b)["pdf"])
    assert "第2版" in text
