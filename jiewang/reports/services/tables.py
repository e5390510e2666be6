"""The bulletin's text and tables, in the active language (the renderers switch to
:data:`BULLETIN_LANGUAGE`): one list of :class:`Table` drawn by both the PDF and the workbook, so
every table of the PDF is also a sheet of the Excel file, with the same headers."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jiewang.assessment.choices import ListKind

from .content import Content

BULLETIN_LANGUAGE = "zh-hans"
DASH = "—"


@dataclass
class Table:
    title: str  # also the sheet's name (at most 31 characters)
    headers: list[str]
    rows: list[list]  # cells: str, int or float (rates as fractions, shown as percentages)
    percent_columns: tuple[int, ...] = ()  # columns holding rates
    percent_rows: tuple[int, ...] = ()  # rows holding rates (the key figures)
    in_pdf: bool = True  # the daily series is the chart's data: a sheet only
    widths: tuple[float, ...] = ()  # the PDF's column widths as shares of the page (default: a wide first)

    def is_percent(self, row: int, col: int) -> bool:
        return col > 0 and (col in self.percent_columns or row in self.percent_rows)


def pct(value) -> str:
    return DASH if value is None else f"{100 * value:.1f}%"


def num(value) -> str:
    if value is None:
        return DASH
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def month_label(content: Content) -> str:
    return _("%(year)d/%(month)d") % {"year": content.first.year, "month": content.first.month}


def title(content: Content) -> str:
    return _("%(area)s monthly bulletin, %(month)s") % {"area": content.area.name, "month": month_label(content)}


def change(now: int, before: int) -> str:
    if before == 0:
        return _("no events the month before") if now else _("as the month before")
    if now == before:
        return _("as the month before")
    share = f"{abs(now - before) * 100 / before:.1f}%"
    return (_("up %(share)s on the month before") if now > before else _("down %(share)s on the month before")) \
        % {"share": share}


def _sentences(first: str, second: str) -> str:
    # Chinese runs sentences together; English puts a space between them.
    return _("%(first)s %(second)s") % {"first": first, "second": second}


def summary(content: Content) -> str:
    """The summary paragraph: the month's figures and the assessment in two sentences."""
    m, p = content.month, content.previous
    text = _("In %(month)s, %(area)s received %(new)d new events (%(prev_new)d the month before, %(change)s) and "
             "closed %(closed)d, %(on_time)d of them on time (on-time closure rate %(on_time_rate)s); %(overdue)d "
             "were overdue; the satisfaction rate was %(satisfaction)s.") % {
        "month": month_label(content), "area": content.area.name, "new": m["new"], "prev_new": p["new"],
        "change": change(m["new"], p["new"]), "closed": m["closed"], "on_time": m["closed_on_time"],
        "on_time_rate": pct(m["on_time_rate"]), "overdue": m["overdue"], "satisfaction": pct(m["satisfaction_rate"])}
    run = content.run
    if run is None:
        return _sentences(text, _("The assessment of this month has not been published yet."))
    red = sum(1 for r in content.lists if r["list_kind"] == ListKind.RED)
    black = sum(1 for r in content.lists if r["list_kind"] == ListKind.BLACK)
    published = timezone.localtime(run.published_at).strftime("%Y-%m-%d") if run.published_at else DASH
    return _sentences(text, _("Assessment: version %(version)d, published %(date)s; %(red)d on the red list, "
                              "%(black)d on the black list.") % {"version": run.version, "date": published, "red": red,
                                                                 "black": black})


def _figure_row(name, f) -> list:
    return [name, f["new"], f["closed"], f["overdue"], f["on_time_rate"], f["satisfaction_rate"]]


def tables(content: Content) -> list[Table]:
    m, p = content.month, content.previous
    new, closed = pgettext("bulletin", "New"), pgettext("bulletin", "Closed")
    on_time, overdue = pgettext("bulletin", "Closed on time"), pgettext("bulletin", "Overdue")
    on_time_rate, satisfaction = _("On-time closure rate"), _("Satisfaction rate")
    figure_headers = [new, closed, overdue, on_time_rate, satisfaction]
    key = Table(_("Key figures"), [_("Indicator"), _("This month"), _("Month before")], [
        [new, m["new"], p["new"]],
        [closed, m["closed"], p["closed"]],
        [on_time, m["closed_on_time"], p["closed_on_time"]],
        [overdue, m["overdue"], p["overdue"]],
        [on_time_rate, m["on_time_rate"], p["on_time_rate"]],
        [satisfaction, m["satisfaction_rate"], p["satisfaction_rate"]],
    ], percent_rows=(4, 5))
    out = [
        key,
        Table(_("By board"), [_("Board"), *figure_headers], [_figure_row(b["name"], b) for b in content.by_board],
              (4, 5)),
        Table(_("By category"), [_("Category"), *figure_headers],
              [_figure_row(c["name"], c) for c in content.by_category], (4, 5)),
        Table(_("By area"), [_("Area"), *figure_headers], [_figure_row(a["name"], a) for a in content.by_area],
              (4, 5)),
        Table(_("Daily"), [_("Day"), new, closed],
              [[d["day"].isoformat(), d["new"], d["closed"]] for d in content.daily], in_pdf=False),
    ]
    list_labels = dict(ListKind.choices)
    for r in content.rankings:
        out.append(Table(_("%(population)s (%(scheme)s)") % {"population": r.population_label,
                                                              "scheme": r.scheme_label},
                         [_("Rank"), _("Name"), _("Score"), _("Grade"), _("List")],
                         [[row["rank"] if row["rank"] is not None else DASH, row["name"],
                           row["score"] if row["score"] is not None else DASH, row["grade"] or DASH,
                           str(list_labels.get(row["list_kind"], ""))] for row in r.rows],
                         widths=(0.1, 0.44, 0.16, 0.12, 0.18)))
    if content.run is not None:
        out.append(Table(_("Red and black lists"), [_("Assessed group"), _("List"), _("Rank"), _("Name"), _("Score")],
                         [[r["population_label"], str(list_labels[r["list_kind"]]), r["rank"], r["name"], r["score"]]
                          for r in content.lists], widths=(0.2, 0.12, 0.1, 0.42, 0.16)))
    return out
