"""The Excel import: all-or-nothing by default (10,000 rows with 50 bad ones → nothing imported,
the 50 reported by row number and reason), ``partial`` imports the 9,950 others; duplicates in
the file and in the database; places created; limits; the template and the error report."""

import io

import pytest
from openpyxl import load_workbook

from jiewang.audit.models import AuditEntry
from jiewang.basedata.models import Address, House, ImportRun, Resident
from jiewang.basedata.services.importing import COLUMNS, import_residents, template_workbook
from jiewang.basedata.testing import ID_LI, ID_ZHANG, house_at, many_rows, resident_in, row, spoil, workbook
from jiewang.core.errors import NotFound, PayloadTooLarge, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def ten_thousand():
    rows = many_rows(10_000, seed=11)
    bad = spoil(rows, every=197, count=50)
    return workbook(rows), bad


def test_10000_rows_with_50_bad_import_nothing(tree, people, ten_thousand):
    data, bad = ten_thousand
    run = import_residents(actor=people.grid_worker, area=tree.g1, data=data, filename="居民.xlsx")
    assert (run.rows, run.imported) == (10_000, 0)
    assert Resident.objects.count() == 0 and House.objects.count() == 0 and Address.objects.count() == 0
    reported = {r: col for r, col, _reason in run.errors}
    assert reported == bad and len(run.errors) == 50
    reasons = {r: reason for r, _c, reason in run.errors}
    assert "校验码" in reasons[3] and "出生日期" in reasons[3 + 197]
    assert "必填" in reasons[3 + 2 * 197] and "重复" in reasons[3 + 4 * 197]
    # the report, as Excel
    from jiewang.basedata.services.importing import error_report_workbook

    ws = load_workbook(io.BytesIO(error_report_workbook(run))).active
    assert [c.value for c in ws[1]] == ["行号", "字段", "原因"] and ws.max_row == 51
    assert AuditEntry.objects.get(action="resident.import").data["imported"] == 0


def test_10000_rows_partial_imports_the_9950_others(tree, people, ten_thousand):
    data, bad = ten_thousand
    run = import_residents(actor=people.community_staff, area=tree.g1, data=data, mode="partial")
    assert (run.rows, run.imported, len(run.errors)) == (10_000, 9_950, 50)
    assert Resident.objects.filter(is_active=True, grid=tree.g1).count() == 9_950
    assert House.objects.count() == len({(r.house_id) for r in Resident.objects.only("house_id")})
    # stored encrypted, found again by ID number
    one = Resident.objects.order_by("id").first()
    assert one.id_number and one.id_masked == one.id_number[:4] + "*" * 10 + one.id_number[-4:]
    # importing the same file again: every good row is now a database duplicate
    again = import_residents(actor=people.community_staff, area=tree.g1, data=data, mode="partial")
    assert again.imported == 0 and sum("已登记" in e[2] for e in again.errors) >= 9_950


def test_duplicates_in_file_and_database(tree, people):
    resident_in(house_at(tree.g1))
    data = workbook([row(ID_LI, name="李四"), row(ID_ZHANG, name="张三"), row(ID_LI, name="李四又")])
    run = import_residents(actor=people.grid_worker, area=tree.g1, data=data, mode="partial")
    assert run.imported == 1
    assert sorted((r, reason.split(" / ")[0]) for r, _c, reason in run.errors) == [
        (3, "该身份证号已登记"), (4, "与第2行重复")]


def test_community_import_needs_grid_codes(tree, people):
    data = workbook([row(ID_LI, grid_code=tree.g2.code), row(ID_ZHANG), row(ID_ZHANG[:-1], grid_code=tree.g3.code)])
    run = import_residents(actor=people.community_staff, area=tree.c1, data=data, mode="partial")
    assert run.imported == 1 and Resident.objects.get().grid_id == tree.g2.pk
    assert {(r, c) for r, c, _ in run.errors} >= {(3, "网格编码"), (4, "网格编码")}


def test_unknown_address_refused_when_asked(tree, people):
    run = import_residents(actor=people.grid_worker, area=tree.g1, data=workbook([row(ID_LI)]), create_places=False)
    assert run.imported == 0 and run.errors[0][1] == "街路巷"
    house_at(tree.g1)
    run = import_residents(actor=people.grid_worker, area=tree.g1, data=workbook([row(ID_LI)]), create_places=False)
    assert run.imported == 1


def test_scope_and_limits(tree, people, settings):
    with pytest.raises(NotFound):
        import_residents(actor=people.grid_worker, area=tree.g2, data=workbook([row(ID_LI)]))
    settings.BASEDATA_IMPORT_MAX_ROWS = 5
    with pytest.raises(PayloadTooLarge) as exc:
        import_residents(actor=people.grid_worker, area=tree.g1, data=workbook(many_rows(6)))
    assert exc.value.code == "basedata.import_too_large"
    settings.BASEDATA_IMPORT_MAX_BYTES = 100
    with pytest.raises(PayloadTooLarge):
        import_residents(actor=people.grid_worker, area=tree.g1, data=workbook([row(ID_LI)]))
    with pytest.raises(ValidationFailed) as exc:
        import_residents(actor=people.grid_worker, area=tree.g1, data=b"not excel")
    assert exc.value.code == "basedata.import_bad_file"
    assert ImportRun.objects.count() == 0 and Resident.objects.count() == 0


def test_template_headers_are_chinese():
    ws = load_workbook(io.BytesIO(template_workbook())).worksheets[0]
    assert [c.value for c in ws[1]] == [h for h, _k, _r in COLUMNS]
    assert ws.max_row == 1


def test_import_through_the_api(tree, people, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(people.grid_worker)
    assert c.get("/api/basedata/imports/template").status_code == 200
    bad = workbook([row(ID_LI), row("110105194912310021")])
    resp = c.post("/api/basedata/imports", {"area_id": tree.g1.pk, "file": SimpleUploadedFile("r.xlsx", bad)})
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["imported"], body["bad_rows"], body["errors"][0][:2]) == (0, 1, [3, "身份证号"])
    report = c.get(f"/api/basedata/imports/{body['id']}/errors")
    assert report.status_code == 200 and report.content[:2] == b"PK"
    resp = c.post("/api/basedata/imports", {"area_id": tree.g1.pk, "mode": "partial",
                                            "file": SimpleUploadedFile("r.xlsx", bad)})
    assert resp.json()["imported"] == 1
    assert client_for(people.other_community_staff).get(f"/api/basedata/imports/{body['id']}").status_code == 404


def test_overseas_resident_with_a_date_cell(tree, people):
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append([h for h, _k, _r in COLUMNS])
    values = {**row("P1234567", kind="境外", gender="女"), "出生日期": dt.date(1991, 3, 4)}
    wb.active.append([values.get(h, "") for h, _k, _r in COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    run = import_residents(actor=people.grid_worker, area=tree.g1, data=out.getvalue())
    assert run.imported == 1, run.errors
    r = Resident.objects.get()
    assert (r.kind, r.gender, r.birth_date, r.id_number) == ("overseas", "female", dt.date(1991, 3, 4), "P1234567")


def test_huge_upload_refused_through_the_api(tree, people, client_for, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.BASEDATA_IMPORT_MAX_BYTES = 2_000
    data = workbook(many_rows(50))
    assert len(data) > 2_000
    resp = client_for(people.grid_worker).post(
        "/api/basedata/imports", {"area_id": tree.g1.pk, "file": SimpleUploadedFile("big.xlsx", data)})
    assert (resp.status_code, resp.json()["code"]) == (413, "basedata.import_too_large")
    settings.BASEDATA_IMPORT_MAX_BYTES = 10 * 1024 * 1024
    settings.BASEDATA_IMPORT_MAX_ROWS = 20
    resp = client_for(people.grid_worker).post(
        "/api/basedata/imports", {"area_id": tree.g1.pk, "file": SimpleUploadedFile("big.xlsx", data)})
    assert (resp.status_code, resp.json()["code"]) == (413, "basedata.import_too_large")
    assert "20" in resp.json()["message"]
    assert Resident.objects.count() == 0 and ImportRun.objects.count() == 0
