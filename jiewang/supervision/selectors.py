"""Reading the supervision log: always through ``restrict`` (the command center: the events under
its grants; department and post staff: the entries addressed to them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from jiewang.core.errors import ValidationFailed
from jiewang.core.scope import Action, restrict
from jiewang.dispatching.handlers import DEPARTMENT, POST, user_keys

from .choices import SupervisionOutcome as O
from .models import SupervisionEntry

SH = ZoneInfo("Asia/Shanghai")


@dataclass
class Filters:
    target_kind: str | None = None  # department | post | area
    target_id: int | None = None
    kind: str | None = None
    outcome: str | None = None  # open | on_time | late | withdrawn | overdue (open past its reply)
    month: str | None = None  # YYYY-MM, by issue time (Asia/Shanghai)
    area_id: int | None = None  # the events under this area


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    try:
        year, mon = (int(x) for x in month.split("-"))
        start = dt.datetime(year, mon, 1, tzinfo=SH)
        end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=SH)
    except (ValueError, TypeError, OverflowError):
        raise ValidationFailed("月份格式为 YYYY-MM / The month is YYYY-MM.", code="supervision.bad_month",
                               fields={"month": "YYYY-MM"}) from None
    return start, end


def entry_list(*, user, filters: Filters | None = None) -> QuerySet:
    f = filters or Filters()
    qs = restrict(SupervisionEntry.objects.all(), user, Action.VIEW)
    if f.target_kind:
        qs = qs.filter(target_kind=f.target_kind)
        if f.target_id:
            qs = qs.filter(**{f"{f.target_kind}_id": f.target_id})
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.outcome == "overdue":
        qs = qs.filter(outcome=O.OPEN, reply_due_at__lt=timezone.now())
    elif f.outcome:
        qs = qs.filter(outcome=f.outcome)
    if f.month:
        start, end = month_bounds(f.month)
        qs = qs.filter(issued_at__gte=start, issued_at__lt=end)
    if f.area_id:
        from jiewang.areas.models import Area

        path = Area.objects.filter(pk=f.area_id).values_list("path", flat=True).first()
        qs = qs.filter(area_path__startswith=path) if path else qs.none()
    return qs.select_related("event", "department", "post__board", "area", "issued_by").order_by("-issued_at", "-id")


def addressed_to(*, user, limit: int = 20) -> list[SupervisionEntry]:
    """The entries addressed to the user's own department(s) and post(s), open ones first (the
    workspace panel of department and post staff)."""
    keys = [k for k in user_keys(user) if k[0] in (DEPARTMENT, POST)]
    if not keys:
        return []
    q = Q(pk__in=[])
    for kind, pk in keys:
        q |= Q(**{f"{kind}_id": pk})
    qs = restrict(SupervisionEntry.objects.filter(q), user, Action.VIEW)
    recent = qs.select_related("event", "department", "post__board", "area", "issued_by").order_by("-issued_at", "-id")
    return sorted(recent[:200], key=lambda e: (e.outcome != O.OPEN, e.reply_due_at))[:limit]


def summary(*, user, filters: Filters | None = None) -> list[dict]:
    """Per addressee: issued, answered in time, late, still open (and how many of those past
    their reply), withdrawn, and the response rate = in time / (issued − withdrawn)."""
    f = Filters(**{**(filters or Filters()).__dict__, "outcome": None})
    now = timezone.now()
    rows = (entry_list(user=user, filters=f).order_by()
            .values("target_kind", "department_id", "post_id", "area_id")
            .annotate(issued=Count("id"), on_time=Count("id", filter=Q(outcome=O.ON_TIME)),
                      late=Count("id", filter=Q(outcome=O.LATE)), open=Count("id", filter=Q(outcome=O.OPEN)),
                      overdue=Count("id", filter=Q(outcome=O.OPEN, reply_due_at__lt=now)),
                      withdrawn=Count("id", filter=Q(outcome=O.WITHDRAWN))))
    names = _names(rows)
    out = []
    for r in rows:
        pk = r["department_id"] or r["post_id"] or r["area_id"]
        due = r["issued"] - r["withdrawn"]
        out.append({"target_kind": r["target_kind"], "target_id": pk, "target_name": names.get((r["target_kind"], pk), ""),
                    "issued": r["issued"], "on_time": r["on_time"], "late": r["late"], "open": r["open"],
                    "overdue": r["overdue"], "withdrawn": r["withdrawn"],
                    "response_rate": round(r["on_time"] / due, 4) if due else None})
    return sorted(out, key=lambda r: (-r["issued"], r["target_name"]))


def _names(rows) -> dict:
    from jiewang.accounts.models import Department, Post
    from jiewang.areas.models import Area

    ids = {"department": set(), "post": set(), "area": set()}
    for r in rows:
        ids[r["target_kind"]].add(r["department_id"] or r["post_id"] or r["area_id"])
    names = {("department", pk): n for pk, n in Department.objects.filter(pk__in=ids["department"])
             .values_list("pk", "name")}
    names |= {("post", p.pk): f"{p.board.name} · {p.name}" for p in Post.objects.filter(pk__in=ids["post"])
              .select_related("board")}
    names |= {("area", pk): n for pk, n in Area.objects.filter(pk__in=ids["area"]).values_list("pk", "name")}
    return names


def targets_in(*, user) -> list[tuple[str, str]]:
    """(value ``kind:id``, name) of the addressees in the user's log, for the page's filter."""
    return [(f"{r['target_kind']}:{r['target_id']}", r["target_name"]) for r in summary(user=user)]
