"""Reading the first sheet of an .xlsx file fast: the rows as tuples of cell values, with their Excel
row numbers.

Why not openpyxl's read-only mode: it builds an object per cell (and a rich-text object per inline
string), some 30 µs a cell — reading 10,000 residents took longer than validating, encrypting and
inserting them. This reads the sheet's XML with the C parser of ``xml.etree`` and keeps only values:
shared strings (``t="s"``), inline strings (``t="inlineStr"``), formula strings (``t="str"``),
booleans and numbers (an integral number is an ``int``). Dates stay Excel serial numbers (a
number); the caller converts the columns it knows to be dates (:func:`serial_to_date`).

Anything this reader does not understand raises :class:`UnreadableWorkbook`; the import then reads
the file with openpyxl instead (which is the reference: a test holds the two equal). Guards: at
most ``MAX_UNCOMPRESSED`` bytes of XML are inflated (zip bombs), and expat does not fetch external
entities.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import zipfile
from xml.etree.ElementTree import iterparse

MAX_UNCOMPRESSED = 400 * 1024 * 1024
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class UnreadableWorkbook(ValueError):
    pass


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _col_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        else:
            break
    return n - 1


def _first_sheet_path(z: zipfile.ZipFile) -> tuple[str, bool]:
    """(path of the first sheet in the zip, whether the workbook uses the 1904 date system)."""
    rid, date1904 = None, False
    for _ev, el in iterparse(z.open("xl/workbook.xml")):
        name = _local(el.tag)
        if name == "workbookPr":
            date1904 = el.get("date1904") in ("1", "true")
        elif name == "sheet" and rid is None:
            rid = el.get(f"{{{REL_NS}}}id") or next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
    if rid is None:
        raise UnreadableWorkbook("no sheet")
    for _ev, el in iterparse(z.open("xl/_rels/workbook.xml.rels")):
        if _local(el.tag) == "Relationship" and el.get("Id") == rid:
            target = el.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            return path, date1904
    raise UnreadableWorkbook("sheet relation missing")


def _shared_strings(z: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in z.namelist():
        return []
    strings: list[str] = []
    parts: list[str] = []
    in_phonetic = 0
    for ev, el in iterparse(z.open("xl/sharedStrings.xml"), events=("start", "end")):
        name = _local(el.tag)
        if ev == "start":
            if name == "rPh":
                in_phonetic += 1
            continue
        if name == "t" and not in_phonetic:
            parts.append(el.text or "")
        elif name == "rPh":
            in_phonetic -= 1
        elif name == "si":
            strings.append("".join(parts))
            parts = []
            el.clear()
    return strings


def _number(text: str):
    try:
        value = float(text)
    except ValueError:
        raise UnreadableWorkbook(f"bad number {text[:20]!r}") from None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def read_rows(data: bytes):
    """Yield ``(excel_row_number, values tuple)`` for each row of the first sheet that has cells."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UnreadableWorkbook("not a zip") from exc
    with z:
        if sum(i.file_size for i in z.infolist()) > MAX_UNCOMPRESSED:
            raise UnreadableWorkbook("too large uncompressed")
        try:
            sheet, _date1904 = _first_sheet_path(z)
            shared = _shared_strings(z)
            stream = z.open(sheet)
        except KeyError as exc:
            raise UnreadableWorkbook("part missing") from exc
        yield from _rows(stream, shared)


def _rows(stream, shared: list[str]):
    """Only "end" events (an element's attributes are there too), tag names looked up in a dict."""
    local: dict[str, str] = {}
    row_number, col = 0, -1
    cells: dict[int, object] = {}
    value = None
    inline: list[str] = []
    for _ev, el in iterparse(stream):
        tag = el.tag
        name = local.get(tag)
        if name is None:
            name = local[tag] = _local(tag)
        if name == "v":
            value = el.text or ""
        elif name == "t":
            inline.append(el.text or "")
        elif name == "c":
            ref = el.get("r")
            col = _col_index(ref) if ref else col + 1
            ctype = el.get("t", "n")
            if ctype == "inlineStr":
                cells[col] = "".join(inline)
            elif value is None:
                pass
            elif ctype == "s":
                try:
                    cells[col] = shared[int(value)]
                except (ValueError, IndexError):
                    raise UnreadableWorkbook("bad shared string index") from None
            elif ctype in ("str", "e"):
                cells[col] = value
            elif ctype == "b":
                cells[col] = value == "1"
            elif ctype == "n":
                cells[col] = _number(value)
            else:  # "d" (ISO dates) and anything newer: let openpyxl read it
                raise UnreadableWorkbook(f"cell type {ctype!r}")
            value, inline = None, []
        elif name == "row":
            r = el.get("r")
            row_number = int(r) if r else row_number + 1
            if cells:
                yield row_number, tuple(cells.get(i) for i in range(max(cells) + 1))
            cells, col = {}, -1
            el.clear()
        elif name == "sheetData":
            break


def serial_to_date(value, date1904: bool = False) -> dt.date | None:
    """An Excel date serial number as a date (``None`` when out of any sensible range)."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return None
    if not 1 <= days <= 2_958_465:
        return None
    base = dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 30)
    return base + dt.timedelta(days=days)
