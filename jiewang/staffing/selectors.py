"""Reads of the grid's people, each from ``restrict(...)``: outside the user's scope a row does
not exist (404).

**"A worker sees their own grids first, everywhere."** Other apps (patrols, base data, the grid
worker's pages) order what they list with :func:`my_grids` / :func:`my_grid_ids` (the user's
grids, best first) or :func:`mine_first` (any queryset with a grid foreign key, the user's grids
first, then the queryset's own order). The user's grids are, in this order:

1. the grids where the person linked to the user (``Person.user``) has an assignment in force on
   the day, full-time worker first, then the other kinds in :class:`~.choices.MemberKind` order;
2. the grids and micro-grids on which the user holds an active ``grid_worker`` role grant
   (the grant is what scopes their reads; an assignment without a grant gives no rights).

These names are stable: ``my_grids(user, on=None)``, ``my_grid_ids(user, on=None)``,
``mine_first(queryset, user, field="grid", on=None)``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant
from jiewang.areas.choices import GRID_LEVELS
from jiewang.areas.models import Area
from jiewang.core.errors import NotFound
from jiewang.core.scope import Action, restrict

from .choices import MemberKind
from .models import GridMember, Person, UnstaffedFlag

KIND_ORDER = {kind: i for i, kind in enumerate(MemberKind.values)}


# ---- "my grids" (for every app) ----

def my_grid_ids(user, on: dt.date | None = None) -> list[int]:
    """The ids of the user's own grids, best first (see the module docstring). Empty for
    anonymous users and for users who serve no grid."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    on = on or timezone.localdate()
    ranked: dict[int, tuple] = {}
    rows = (GridMember.objects.active(on).filter(person__user_id=user.pk)
            .values_list("grid_id", "kind", "grid_path"))
    for grid_id, kind, path in rows:
        key = (0, KIND_ORDER.get(kind, 99), path)
        ranked[grid_id] = min(ranked.get(grid_id, key), key)
    grants = (RoleGrant.objects.active().filter(user_id=user.pk, role=Role.GRID_WORKER,
                                                area__level__in=GRID_LEVELS)
              .values_list("area_id", "area__path"))
    for area_id, path in grants:
        ranked.setdefault(area_id, (1, 0, path))
    return [grid_id for grid_id, _ in sorted(ranked.items(), key=lambda item: item[1])]


def _rank(ids: list[int], field: str):
    if not ids:
        return Value(0, output_field=IntegerField())
    return Case(*[When(**{field: pk}, then=Value(i)) for i, pk in enumerate(ids)],
                default=Value(len(ids)), output_field=IntegerField())


def my_grids(user, on: dt.date | None = None) -> QuerySet:
    """The user's own grids (Area rows), best first, annotated ``mine_rank`` (0 = first)."""
    ids = my_grid_ids(user, on)
    return Area.objects.filter(pk__in=ids).annotate(mine_rank=_rank(ids, "pk")).order_by("mine_rank")


def mine_first(queryset: QuerySet, user, field: str = "grid", on: dt.date | None = None) -> QuerySet:
    """``queryset`` with the rows whose ``field`` (a foreign key to a grid, or ``"pk"`` for areas)
    is one of the user's grids first, in :func:`my_grid_ids` order, then the queryset's own order.
    Annotates ``mine_rank`` (the number of the user's grids for rows of other grids)."""
    ids = my_grid_ids(user, on)
    lookup = field if field == "pk" or field.endswith("_id") else f"{field}_id"
    existing = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    return queryset.annotate(mine_rank=_rank(ids, lookup)).order_by("mine_rank", *existing)


# ---- people and assignments ----

def person_list(*, user, q: str = "") -> QuerySet:
    qs = restrict(Person.objects.select_related("area", "user"), user, Action.VIEW)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


def person_get(*, user, person_id: int) -> Person:
    person = person_list(user=user).filter(pk=person_id).first()
    if person is None:
        raise NotFound("人员不存在 / Person not found.", code="staffing.person_not_found")
    return person


def person_of_user(user) -> Person | None:
    """The profile linked to the signed-in user (a grid worker's "my profile"), if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.filter(user_id=user.pk).select_related("area").first()


def member_list(*, user, grid: Area | None = None, person: Person | None = None, on: dt.date | None = None,
                include_ended: bool = False) -> QuerySet:
    """Assignments the user may read; in force on ``on`` (today) unless ``include_ended``."""
    qs = restrict(GridMember.objects.select_related("person", "grid"), user, Action.VIEW)
    if grid is not None:
        qs = qs.filter(grid=grid)
    if person is not None:
        qs = qs.filter(person=person)
    if not include_ended:
        qs = qs.active(on)
    return qs


def member_get(*, user, member_id: int) -> GridMember:
    member = restrict(GridMember.objects.select_related("person", "grid"), user, Action.VIEW) \
        .filter(pk=member_id).first()
    if member is None:
        raise NotFound("任职记录不存在 / Assignment not found.", code="staffing.member_not_found")
    return member


def grid_history(*, user, grid: Area) -> list[GridMember]:
    """Every assignment of one grid, past and present, newest start first."""
    return list(member_list(user=user, grid=grid, include_ended=True).order_by("-start_date", "-id"))


def managed_grids(*, user, under: Area | None = None, on: dt.date | None = None) -> QuerySet:
    """The grids and micro-grids in use (on ``on``, today) the user may see, under ``under`` if
    given, the user's own first."""
    qs = restrict(Area.objects.current(on).filter(level__in=GRID_LEVELS), user, Action.VIEW)
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    return mine_first(qs.order_by("path"), user, field="pk")


# ---- the unstaffed flag ----

def unstaffed_grids(*, user=None, under: Area | None = None, on: dt.date | None = None) -> QuerySet:
    """Grids (level grid; micro-grids are staffed through their grid) without an assignment of a
    full-time worker in force on ``on`` (today): what a community and a town are flagged about.
    ``user=None`` is the system (the worker's check); otherwise restricted to the user's scope."""
    from .choices import REQUIRED_KIND
    from jiewang.areas.choices import AreaLevel

    staffed = GridMember.objects.active(on).filter(kind=REQUIRED_KIND).values("grid_id")
    qs = Area.objects.current(on).filter(level=AreaLevel.GRID).exclude(pk__in=staffed)
    if user is not None:
        qs = restrict(qs, user, Action.VIEW)
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    return qs.order_by("path")


def open_flags(*, user, under: Area | None = None) -> QuerySet:
    qs = restrict(UnstaffedFlag.objects.select_related("grid"), user, Action.VIEW).filter(cleared_at__isnull=True)
    if under is not None:
        qs = qs.filter(grid_path__startswith=under.path)
    return qs


# ---- the staffing overview (pages and API) ----

OVERVIEW_LIMIT = 500


def staffing_overview(*, user, under: Area | None = None, on: dt.date | None = None,
                      unstaffed_only: bool = False, limit: int = OVERVIEW_LIMIT) -> list[dict]:
    """Per grid the user may see (their own first, then by path): the people in force on ``on``
    (today) by kind, and whether the grid lacks a full-time worker. Two queries whatever the
    number of grids."""
    from jiewang.areas.choices import AreaLevel

    from .choices import REQUIRED_KIND

    grids = managed_grids(user=user, under=under, on=on)
    if unstaffed_only:
        grids = grids.filter(pk__in=unstaffed_grids(under=under, on=on).values("pk"))
    grids = list(grids[:limit])
    mine = set(my_grid_ids(user))
    members: dict[int, list[GridMember]] = {g.pk: [] for g in grids}
    for m in (GridMember.objects.active(on).filter(grid_id__in=members).select_related("person")
              .order_by("kind", "start_date", "id")):
        members[m.grid_id].append(m)
    rows = []
    for grid in grids:
        people = sorted(members[grid.pk], key=lambda m: (KIND_ORDER.get(m.kind, 99), m.start_date, m.pk))
        unstaffed = grid.level == AreaLevel.GRID and not any(m.kind == REQUIRED_KIND for m in people)
        if unstaffed_only and not unstaffed:
            continue
        rows.append({"grid": grid, "members": people, "unstaffed": unstaffed, "mine": grid.pk in mine})
    return rows
