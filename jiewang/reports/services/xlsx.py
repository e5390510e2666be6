"""The bulletin's tables as an Excel workbook (openpyxl): one sheet per table of the PDF, with the
same Chinese headers (bold, frozen), rates as numbers in percent format, and a first sheet with
the title and the summary paragraph."""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from .content import Content
from .tables import DASH, summary, tables, title

BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(text: str, taken: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = BAD_SHEET_CHARS.sub("_", text)[:31] or "Sheet"
    name, n = base, 2
    while name in taken:
        suffix = f"({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def render_xlsx(content: Content, *, meta: str) -> bytes:
    wb = Workbook()
    bold = Font(bold=True)
    ws = wb.active
    taken: set[str] = set()
    ws.title = sheet_name(_("Summary"), taken)
    ws["A1"] = title(content)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = meta
    ws["A3"] = summary(content)
    ws["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 100
    ws.row_dimensions[3].height = 90
    for table in tables(content):
        sheet = wb.create_sheet(sheet_name(table.title, taken))
        sheet.append(table.headers)
        for cell in sheet[1]:
            cell.font = bold
        for i, row in enumerate(table.rows):
            sheet.append([DASH if v is None else v for v in row])
            for j, v in enumerate(row):
                if table.is_percent(i, j) and isinstance(v, float):
                    sheet.cell(row=i + 2, column=j + 1).number_format = "0.0%"
        sheet.freeze_panes = "A2"
        sheet.column_dimensions["A"].width = 28
        for col in "BCDEF":
            sheet.column_dimensions[col].width = 14
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
