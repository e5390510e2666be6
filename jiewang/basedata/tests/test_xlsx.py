"""The fast .xlsx reader gives what openpyxl gives (shared strings, inline strings, numbers,
booleans, gaps), and refuses what it does not know."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from jiewang.basedata import xlsx


def _openpyxl_rows(data):
    ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    out = []
    for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
        values = list(values)
        while values and values[-1] is None:
            values.pop()
        if values:
            out.append((n, tuple(values)))
    return out


@pytest.mark.parametrize("write_only", [True, False])
def test_same_values_as_openpyxl(write_only):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("居民") if write_only else wb.active
    rows = [["姓名", "身份证号", "数", "真"], ["张三", "11010519491231002X", 12, True], ["李四", None, 3.5, False],
            [None, None, None, None], ["王 五", "  x ", -7, None], ["", "长文本" * 50, 10**15, True]]
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    fast = [(n, tuple(v)) for n, v in xlsx.read_rows(data)]
    ref = _openpyxl_rows(data)
    # openpyxl returns "" for an empty inline string as None in some modes: compare with both normalized
    norm = lambda rows: [(n, tuple(None if c == "" else c for c in v)) for n, v in rows]  # noqa: E731
    assert norm(fast) == norm(ref)
    assert fast[0] == (1, ("姓名", "身份证号", "数", "真"))
    assert [n for n, _ in fast] == [1, 2, 3, 5, 6]


def test_dates_are_serials():
    wb = Workbook()
    wb.active.append(["出生日期"])
    wb.active.append([dt.date(1990, 5, 17)])
    out = io.BytesIO()
    wb.save(out)
    (_, header), (_, (serial,)) = list(xlsx.read_rows(out.getvalue()))
    assert xlsx.serial_to_date(serial) == dt.date(1990, 5, 17)


def test_not_a_workbook():
    with pytest.raises(xlsx.UnreadableWorkbook):
        list(xlsx.read_rows(b"PK not really"))
