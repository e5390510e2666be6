"""Finding any event (查询): the one search over events for every staff role, within its scope.

``EventSearchIn`` is the whole input, shared by the API (``GET /api/events/search`` and
``/api/events/export``, as query parameters) and the page (``/events/``, the same names in its
GET form, read with :func:`criteria_from_query`): one validation for both. :func:`event_search`
checks what a schema cannot (the area is one the user can see: else 404 ``area.not_found``; the
category exists: else 422 ``search.category_unknown``; the date range is not inverted: 422
``search.date_range_inverted``) and answers a queryset that starts from ``restrict(...)``:

* ``number`` — exact or prefix (``500101001-2026-00`` finds the whole run);
* ``q`` — words (split on spaces, at most :data:`MAX_WORDS`), each found in the title or the
  description (``icontains``, both databases), all of them required;
* ``category`` — a category code and its subtree; ``board``; ``status`` (several);
* ``area_id`` — any area the user can see, with its subtree (a grid worker naming their
  community still sees only their grid: the scope is applied first);
* ``overdue`` (only overdue events when true), ``channel``, ``source``, ``urgency``, ``level``;
* ``reported_from`` / ``reported_to`` — calendar days of Asia/Shanghai, both included;
* ``sort`` (:data:`SORTS`), ``page`` and ``page_size``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, ValidationError

from jiewang.accounts.choices import BoardKind
from jiewang.core.errors import ValidationFailed
from jiewang.core.schema_types import MAX_INT, Day, DbId
from jiewang.core.scope import Action, restrict

from .choices import EventChannel, EventSource, EventStatus, HandlingLevel, Urgency
from .models import Event, MatterCategory

MAX_WORDS = 8
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50

# sort key -> order_by (the id last: a stable order, so pages never repeat or skip a row)
SORTS: dict[str, tuple] = {
    "newest": ("-reported_at", "-id"),
    "oldest": ("reported_at", "id"),
    "due": (F("due_at").asc(nulls_last=True), "id"),
    "number": ("number", "id"),
}
SortKey = Literal["newest", "oldest", "due", "number"]
Page = Annotated[int, Field(ge=1, le=MAX_INT // MAX_PAGE_SIZE)]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]


class EventSearchIn(Schema):
    number: str | None = Field(None, max_length=40, description="event number, exact or its beginning")
    q: str | None = Field(None, max_length=200, description="words, each in the title or the description")
    category: str | None = Field(None, max_length=32, description="category code (its subcategories included)")
    board: BoardKind | None = None
    status: list[EventStatus] | None = Field(None, max_length=len(EventStatus.values))
    area_id: DbId | None = Field(None, description="an area you can see; its subtree")
    overdue: bool = Field(False, description="overdue events only")
    channel: EventChannel | None = None
    source: EventSource | None = None
    urgency: Urgency | None = None
    level: HandlingLevel | None = None
    reported_from: Day | None = Field(None, description="first day reported (Asia/Shanghai), included")
    reported_to: Day | None = Field(None, description="last day reported (Asia/Shanghai), included")
    sort: SortKey = "newest"
    page: Page = 1
    page_size: PageSize = DEFAULT_PAGE_SIZE


LIST_FIELDS = ("status",)


def criteria_from_query(query) -> EventSearchIn:
    """The criteria of a page's GET form (a ``QueryDict``): empty fields are left out, ``status``
    may repeat. A bad value is a ``ValidationFailed`` naming each field (as the API's 422)."""
    data: dict = {}
    for key in EventSearchIn.model_fields:
        if key in LIST_FIELDS:
            values = [v for v in query.getlist(key) if v]
            if values:
                data[key] = values
        else:
            value = query.get(key, "").strip()
            if value:
                data[key] = value
    try:
        return EventSearchIn.model_validate(data)
    except ValidationError as exc:
        fields = {}
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "__all__"
            fields.setdefault(name, _invalid_message(name))
        raise ValidationFailed(_("Some filters are not valid: see the marked fields."), code="validation_failed",
                               fields=fields) from None


def _invalid_message(name: str) -> str:
    if name in ("reported_from", "reported_to"):
        return _("Give a date as YYYY-MM-DD.")
    return _("Not a valid value.")


def words_of(q: str | None) -> list[str]:
    words = (q or "").split()
    if len(words) > MAX_WORDS:
        raise ValidationFailed(_("Search for at most %(n)d words.") % {"n": MAX_WORDS},
                               code="search.too_many_words", fields={"q": _("Too many words.")})
    return words


def category_subtree_ids(code: str) -> list[int]:
    """The ids of the category ``code`` and of every category below it (one query: the catalog is
    a few hundred rows at most). Unknown code: 422 ``search.category_unknown``."""
    rows = list(MatterCategory.objects.values_list("id", "code", "parent_id"))
    start = [pk for pk, c, _parent in rows if c == code]
    if not start:
        raise ValidationFailed(_("Unknown category."), code="search.category_unknown",
                               fields={"category": _("Unknown category.")})
    children: dict[int, list[int]] = {}
    for pk, _c, parent in rows:
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    out, todo = [], list(start)
    while todo:
        pk = todo.pop()
        out.append(pk)
        todo.extend(children.get(pk, ()))
    return out


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the server's zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def event_search(*, user, criteria: EventSearchIn) -> QuerySet:
    """The events ``user`` may see that match ``criteria``, in its order (not paginated)."""
    from jiewang.areas import selectors as area_selectors

    c = criteria
    if c.reported_from and c.reported_to and c.reported_from > c.reported_to:
        raise ValidationFailed(_("The first day comes after the last day."), code="search.date_range_inverted",
                               fields={"reported_to": _("Before the first day.")})
    words = words_of(c.q)
    qs = restrict(Event.objects.all(), user, Action.VIEW)
    if c.area_id is not None:
        area = area_selectors.area_get(user=user, area_id=c.area_id)  # 404 outside what the user sees
        qs = qs.filter(area_path__startswith=area.path)
    if c.number:
        qs = qs.filter(number__startswith=c.number.strip())
    for word in words:
        qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word))
    if c.category:
        qs = qs.filter(category_id__in=category_subtree_ids(c.category))
    if c.board:
        qs = qs.filter(board_kind=c.board)
    if c.status:
        qs = qs.filter(status__in=[str(s) for s in c.status])
    if c.overdue:
        qs = qs.filter(is_overdue=True)
    for name in ("channel", "source", "urgency", "level"):
        value = getattr(c, name)
        if value:
            qs = qs.filter(**{name: value})
    if c.reported_from:
        qs = qs.filter(reported_at__gte=day_start(c.reported_from))
    if c.reported_to:
        qs = qs.filter(reported_at__lt=day_start(c.reported_to + dt.timedelta(days=1)))
    return qs.select_related("category", "category__parent", "town", "community", "grid", "duplicate_of") \
        .order_by(*SORTS[c.sort])


def event_search_page(*, user, criteria: EventSearchIn) -> dict:
    """One page of :func:`event_search`: ``{"total", "page", "page_size", "pages", "items"}``
    (two queries: the count and the page)."""
    qs = event_search(user=user, criteria=criteria)
    total = qs.count()
    size = criteria.page_size
    start = (criteria.page - 1) * size
    items = list(qs[start:start + size]) if start < total else []
    return {"total": total, "page": criteria.page, "page_size": size, "pages": max(1, -(-total // size)),
            "items": items}


def criteria_as_data(criteria: EventSearchIn) -> dict:
    """The filters that were set, JSON-ready (for the audit row of an export)."""
    data = criteria.model_dump(mode="json", exclude_defaults=True, exclude={"page", "page_size"})
    return data
