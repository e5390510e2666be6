import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from jiewang.events.models import Deadline, Event

CSV = """工单编号,诉求类别,标题,诉求内容,经度,纬度,地址,来电人,联系电话,办理时限,紧急程度
GD20261001,LS05,停水,小区停水两天,106.05,29.2,甲社区1栋,张先生,13600000001,2026-12-01 18:00,紧急
GD20261002,垃圾堆放,,路边垃圾,106.06,29.3,,李女士,13600000002,,一般
GD20261003,NOPE,x,x,106.05,29.2,,,,,
GD20261004,LS05,x,x,120.0,35.0,,,,,
,LS05,x,x,106.05,29.2,,,,,
"""


@pytest.mark.django_db
def test_hotline_csv_reports_row_by_row_and_is_idempotent(tree, people, loop, client_for):
    c = client_for(people.town_operator)
    r = c.post("/api/hotline/import", {"file": SimpleUploadedFile("orders.csv", CSV.encode(), "text/csv")})
    body = r.json()
    assert (body["created"], body["existing"], body["rejected"]) == (2, 0, 3)
    assert [(e["row"], e["code"]) for e in body["errors"]] == [
        (4, "hotline.unknown_category"), (5, "event.outside_jurisdiction"), (6, "hotline.missing_number")]
    first = Event.objects.get(external_number="GD20261001")
    assert (first.channel, first.level, first.urgency, first.reporter_name) == ("hotline", "town", "urgent", "张先生")
    assert timezone.localtime(first.external_due_at).isoformat() == "2026-12-01T18:00:00+08:00"
    assert Deadline.objects.get(event=first, kind="handle").due_at == first.external_due_at
    assert Event.objects.get(external_number="GD20261002").title == "路边垃圾"
    again = c.post("/api/hotline/import", {"file": SimpleUploadedFile("orders.csv", CSV.encode())}).json()
    assert (again["created"], again["existing"]) == (0, 2)
    assert Event.objects.count() == 2


@pytest.mark.django_db
def test_hotline_excel_and_command(tree, people, loop, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in [r.split(",") for r in CSV.strip().splitlines()[:2]]:
        ws.append(row)
    path = tmp_path / "orders.xlsx"
    wb.save(path)
    call_command("import_hotline", str(path))
    assert Event.objects.filter(external_number="GD20261001").count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="hotline.missing_columns"):
        call_command("import_hotline", str(bad))
