"""The text forms of an arrangement, shared by the /manage/ page and ``manage.py load_holidays``.

Dates are ISO (``2027-02-05``); a range is two dates joined by ``..`` (``2027-02-05..2027-02-11``,
both ends included). A list separates items by commas (also ``，`` and ``、``), semicolons,
spaces or new lines, so the page's text areas accept one range per line as well::

    2027-01-01, 2027-02-05..2027-02-11, 2027-04-05

A small TOML file carries a whole arrangement (``load_holidays --file``)::

    year = 2027
    notice = "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕5号）"
    published = 2026-11-12
    holidays = ["2027-01-01", "2027-02-05..2027-02-11"]
    workdays = ["2027-02-14", "2027-02-20"]

(``holidays`` and ``workdays`` may also be one string in the list syntax above.)
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

from jiewang.core.errors import ValidationFailed

Range = tuple[dt.date, dt.date]

_SEPARATORS = re.compile(r"[,，、;；\s]+")


def parse_date(text: str, *, field: str) -> dt.date:
    """An ISO date, or a 422 naming ``field``."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(f"日期格式应为 2027-01-01：{text!r} / Not a date (use 2027-01-01): {text!r}.",
                               code="holidays.bad_date", fields={field: text}) from None


def parse_ranges(text: str | list | tuple | None, *, field: str) -> list[Range]:
    """``"2027-01-01, 2027-02-05..2027-02-11"`` (or a list of such items, or of dates) → ranges."""
    if text is None:
        return []
    items: list = []
    for part in (text if isinstance(text, (list, tuple)) else [text]):
        if isinstance(part, dt.date):
            items.append(part)
        else:
            items.extend(p for p in _SEPARATORS.split(str(part)) if p)
    ranges: list[Range] = []
    for item in items:
        if isinstance(item, dt.date):
            ranges.append((item, item))
            continue
        first, sep, last = item.partition("..")
        start = parse_date(first, field=field)
        end = parse_date(last, field=field) if sep else start
        ranges.append((start, end))
    return ranges


def format_ranges(dates) -> str:
    """Sorted dates → the list syntax with consecutive days joined (``2027-02-05..2027-02-11``)."""
    return ", ".join(a.isoformat() if a == b else f"{a.isoformat()}..{b.isoformat()}"
                     for a, b in collapse(dates))


def collapse(dates) -> list[Range]:
    """Sorted runs of consecutive days."""
    runs: list[list[dt.date]] = []
    for day in sorted(set(dates)):
        if runs and day - runs[-1][1] == dt.timedelta(days=1):
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(a, b) for a, b in runs]


def read_file(path: str | Path) -> dict:
    """A TOML arrangement file → ``{year, notice, published_on, holidays, workdays}`` (ranges)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationFailed(f"无法读取文件 / Cannot read {path}: {exc}", code="holidays.bad_file",
                               fields={"file": str(exc)}) from None
    unknown = set(data) - {"year", "notice", "published", "holidays", "workdays"}
    if unknown:
        raise ValidationFailed(f"文件中有未知字段 / Unknown keys in {path}: {sorted(unknown)}",
                               code="holidays.bad_file", fields={"file": sorted(unknown)})
    published = data.get("published")
    if isinstance(published, str):
        published = parse_date(published, field="published_on")
    elif published is not None and not isinstance(published, dt.date):
        raise ValidationFailed("published 应为日期 / published must be a date.", code="holidays.bad_date",
                               fields={"published_on": str(published)})
    year = data.get("year")
    if year is not None and not isinstance(year, int):
        raise ValidationFailed("year 应为整数 / year must be a number.", code="holidays.year_invalid",
                               fields={"year": str(year)})
    return {"year": year, "notice": data.get("notice"), "published_on": published,
            "holidays": parse_ranges(data.get("holidays"), field="holidays"),
            "workdays": parse_ranges(data.get("workdays"), field="workdays")}
