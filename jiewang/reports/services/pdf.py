"""The bulletin as a PDF (reportlab): readable in Chinese with no system font installed, because
it uses the Adobe CID font ``STSong-Light`` that every PDF reader carries (reportlab names it and
does not embed it). A title, the summary paragraph, two charts drawn with reportlab.graphics (events
by board; daily new and closed) and every table of :func:`tables.tables`, each repeating its
header row across pages. The output is invariant (no random id, no creation time): the same
content gives the same bytes, so a SHA-256 identifies a bulletin's content."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus import Table as PdfTable
from reportlab.platypus import TableStyle

from .content import Content
from .tables import DASH, Table, pct, summary, tables, title

FONT = "STSong-Light"
NEW_COLOR = colors.HexColor("#1f6feb")
CLOSED_COLOR = colors.HexColor("#2da44e")
WIDTH = A4[0] - 36 * mm

_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _styles():
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=24, alignment=1, spaceAfter=4 * mm),
        "meta": ParagraphStyle("meta", fontName=font, fontSize=9, leading=12, alignment=1, textColor=colors.grey,
                               spaceAfter=4 * mm),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=5 * mm, spaceAfter=2 * mm),
        "body": ParagraphStyle("body", fontName=font, fontSize=11, leading=18, firstLineIndent=22, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=12, wordWrap="CJK"),
    }


def cell_text(table: Table, row: int, col: int, value) -> str:
    if value is None:
        return DASH
    if table.is_percent(row, col) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return pct(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _pdf_table(table: Table, styles) -> PdfTable:
    data = [[Paragraph(h, styles["cell"]) for h in table.headers]]
    for i, row in enumerate(table.rows):
        data.append([Paragraph(cell_text(table, i, j, v), styles["cell"]) for j, v in enumerate(row)])
    if not table.rows:
        data.append([Paragraph(_("None"), styles["cell"])] + [""] * (len(table.headers) - 1))
    if table.widths:
        widths = [WIDTH * w for w in table.widths]
    else:
        first = WIDTH * (0.34 if len(table.headers) > 3 else 0.4)
        widths = [first] + [(WIDTH - first) / max(1, len(table.headers) - 1)] * (len(table.headers) - 1)
    t = PdfTable(data, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), _font()),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eaeef2")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8c959f")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return t


def _legend(x, y):
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = _font(), 8
    legend.alignment = "right"
    legend.columnMaximum = 2  # one above the other, beside the chart
    legend.colorNamePairs = [(NEW_COLOR, pgettext("bulletin", "New")), (CLOSED_COLOR, pgettext("bulletin", "Closed"))]
    return legend


def board_chart(content: Content) -> Drawing:
    """Bars: new and closed events of the month by board."""
    d = Drawing(WIDTH, 60 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 12 * mm, WIDTH - 40 * mm, 40 * mm
    chart.data = [[b["new"] for b in content.by_board], [b["closed"] for b in content.by_board]]
    chart.categoryAxis.categoryNames = [b["name"] for b in content.by_board]
    chart.categoryAxis.labels.fontName = _font()
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = _font()
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor, chart.bars[1].fillColor = NEW_COLOR, CLOSED_COLOR
    d.add(chart)
    d.add(_legend(WIDTH - 24 * mm, 50 * mm))
    d.add(String(0, 56 * mm, _("Events by board"), fontName=_font(), fontSize=10))
    return d


def daily_chart(content: Content) -> Drawing:
    """Lines: new and closed events per day of the month."""
    d = Drawing(WIDTH, 60 * mm)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, WIDTH - 40 * mm, 40 * mm
    chart.data = [[x["new"] for x in content.daily], [x["closed"] for x in content.daily]]
    chart.categoryAxis.categoryNames = [str(x["day"].day) if x["day"].day % 5 == 1 else "" for x in content.daily]
    chart.categoryAxis.labels.fontName = _font()
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = _font()
    chart.valueAxis.valueMin = 0
    chart.lines[0].strokeColor, chart.lines[1].strokeColor = NEW_COLOR, CLOSED_COLOR
    chart.lines[0].strokeWidth = chart.lines[1].strokeWidth = 1.2
    d.add(chart)
    d.add(_legend(WIDTH - 24 * mm, 50 * mm))
    d.add(String(0, 56 * mm, _("New and closed events per day"), fontName=_font(), fontSize=10))
    return d


def render_pdf(content: Content, *, meta: str) -> bytes:
    """The PDF of ``content``; ``meta`` is the line under the title (area code, version, time)."""
    styles = _styles()
    heading = title(content)
    buf = io.BytesIO()

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(_font(), 8)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, _("%(title)s · page %(page)d") % {"title": heading,
                                                                                     "page": doc.page})
        canvas.restoreState()

    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=18 * mm, title=heading, author="Jiewang", invariant=True)
    story = [Paragraph(heading, styles["title"]), Paragraph(meta, styles["meta"]),
             Paragraph(summary(content), styles["body"]), Spacer(1, 4 * mm),
             board_chart(content), Spacer(1, 3 * mm), daily_chart(content)]
    for table in [t for t in tables(content) if t.in_pdf]:
        story.append(KeepTogether([Paragraph(table.title, styles["h2"]), _pdf_table(table, styles)])
                     if len(table.rows) < 12 else Paragraph(table.title, styles["h2"]))
        if len(table.rows) >= 12:
            story.append(_pdf_table(table, styles))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
