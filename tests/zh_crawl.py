"""The zh-Hans crawl: every page a signed-in role can reach, read as a person reads it, must show no
English word outside an allow-list of proper names and codes (issue #9, item 6).

Used by ``tests/test_zh_crawl.py`` (Django's test client, no browser). The crawl starts at the
role's home (``/``, following its redirect to the workspace) and the top navigation, follows
same-site links (GET only, no query strings, at most ``PER_PATTERN`` pages for each URL shape such
as ``/events/{id}/`` and ``MAX_PAGES`` pages in all), and reads each HTML page's visible text:
tags, scripts, styles and attribute values are stripped, except the attributes a person or a
screen reader meets as text (``title``, ``alt``, ``placeholder``, ``aria-label``, a submit input's
``value``).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# Proper names, codes and technical names that stay as they are in the Chinese interface.
ALLOWED_WORDS = {
    "API", "GeoJSON", "JSON", "Open311", "GeoReport", "PWA", "SMS", "ID", "IDs", "GPS", "URL",
    "Excel", "CSV", "XML", "OpenAPI", "WGS84", "Leaflet", "htmx", "axe", "Jiewang", "English",
    "OK", "PDF", "PNG", "JPEG", "WebP", "JavaScript", "HTTP", "IP", "AM", "PM", "km", "m", "GB", "MB", "KB",
    "Django",
}
# A token with a digit, an underscore, a dot or an @ is a code, a number, a login or an address.
TOKEN = re.compile(r"[A-Za-z0-9_.@/:+-]*[A-Za-z][A-Za-z0-9_.@/:+-]*")
CODE_LIKE = re.compile(r"[0-9_.@/:]")
TEXT_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label"}
SKIPPED_ELEMENTS = {"script", "style", "template", "svg:style"}
# Where the crawl does not go: sign-out and language switches (POST anyway), JSON and files.
SKIP_PREFIXES = ("/logout/", "/i18n/", "/static/", "/media/", "/api/", "/open311/", "/sw.js",
                 "/manifest.webmanifest", "/admin/logout/", "/admin/password_change/", "/admin/jsi18n/")
SKIP_SUFFIXES = (".json", ".geojson", ".xlsx", ".csv", ".png", ".jpg", ".js", ".css", ".ico", ".svg")
# Pages read for their links only: django-axes names its log rows in English ("Access Log for …"),
# a third-party string the admin shows as the page's heading.
LINKS_ONLY = re.compile(r"^/admin/axes/\w+/\d+/")
MAX_PAGES = 250
PER_PATTERN = 3


class VisibleText(HTMLParser):
    """Collect the text a person sees (and the attributes read out as text)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in SKIPPED_ELEMENTS:
            self._skip += 1
            return
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for name in TEXT_ATTRIBUTES:
            if a.get(name):
                self.parts.append(a[name])
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.parts.append(a["value"])

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


class AdminLabels(VisibleText):
    """The admin's own words only: headings, column headers, filter titles, form labels, buttons
    and the navigation — not the stored values it lists and edits (a JSON field, a status code,
    permission names that Django stores in English), which are data, not interface."""

    LABELS = {"h1", "h2", "h3", "label", "caption", "legend", "button"}

    def __init__(self):
        super().__init__()
        self._open: list[str] = []
        self._thead = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in SKIPPED_ELEMENTS:
            self._skip += 1
            return
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "thead":
            self._thead += 1
        if tag in self.LABELS or (tag == "th" and self._thead) or (tag == "caption"):
            self._open.append(tag)
        if tag == "input" and a.get("type") == "submit" and a.get("value"):
            self.parts.append(a["value"])

    def handle_endtag(self, tag):
        super().handle_endtag(tag)
        if tag == "thead" and self._thead:
            self._thead -= 1
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        if not self._skip and self._open:
            self.parts.append(data)


def read_page(html: str, *, admin: bool = False) -> tuple[str, list[str]]:
    """(visible text, hrefs of the links) of an HTML page (the admin's: its labels only)."""
    parser = AdminLabels() if admin else VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(p.strip() for p in parser.parts if p.strip()), parser.links


def english_words(text: str, allowed: set[str] = ALLOWED_WORDS) -> list[str]:
    """The English words of ``text`` that are not proper names, codes or numbers."""
    out = []
    for token in TOKEN.findall(text):
        if CODE_LIKE.search(token):
            continue
        word = token.strip("-+")
        if word and word not in allowed:
            out.append(word)
    return out


@dataclass
class Finding:
    role: str
    url: str
    words: list[str]
    context: str


def _pattern(path: str) -> str:
    return re.sub(r"/[^/]*\d[^/]*(?=/)", "/{id}", path)


def crawl(client, *, role: str, start: list[str], allowed_users: set[str] = frozenset(),
          max_pages: int = MAX_PAGES) -> tuple[list[Finding], list[str], list[tuple[str, int]]]:
    """Crawl from ``start`` as ``client``'s user. Returns (findings, pages read, error statuses)."""
    allowed = ALLOWED_WORDS | set(allowed_users)
    queue, seen, per_pattern = deque(start), set(start), {}
    findings, read, errors = [], [], []
    while queue and len(read) < max_pages:
        path = queue.popleft()
        response = client.get(path, follow=True, HTTP_ACCEPT_LANGUAGE="zh-CN")
        final = response.request["PATH_INFO"]
        if response.status_code >= 400:
            errors.append((path, response.status_code))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        read.append(final)
        text, links = read_page(response.content.decode(), admin=final.startswith("/admin/"))
        words = [] if LINKS_ONLY.match(final) else english_words(text, allowed)
        if words:
            first = words[0]
            at = text.find(first)
            findings.append(Finding(role, final, sorted(set(words)), text[max(0, at - 60):at + 60]))
        for href in links:
            target = urlsplit(urljoin(final, href))
            if target.scheme not in ("", "http") or target.netloc not in ("", "testserver"):
                continue
            p = target.path
            if not p.startswith("/") or p.startswith(SKIP_PREFIXES) or p.endswith(SKIP_SUFFIXES) or p in seen:
                continue
            shape = _pattern(p)
            if per_pattern.get(shape, 0) >= PER_PATTERN:
                continue
            per_pattern[shape] = per_pattern.get(shape, 0) + 1
            seen.add(p)
            queue.append(p)
    return findings, read, errors


def report(findings: list[Finding]) -> str:
    return "\n".join(f"- {f.role} {f.url}: {', '.join(f.words)}  …{f.context}…" for f in findings)
