"""Reads of the area tree. Every selector starts from :func:`jiewang.core.scope.restrict`, so an
area outside the user's scope is simply not found."""

from __future__ import annotations

from django.db.models import QuerySet

from jiewang.core.errors import NotFound
from jiewang.core.scope import Action, restrict

from .models import Area


def area_list(*, user, parent_id: int | None = None, root_id: int | None = None,
              level: int | None = None, q: str | None = None, code: str | None = None,
              grid_type: str | None = None, include_retired: bool = False) -> QuerySet:
    """Areas the user may see, filtered. ``root_id`` limits to a subtree (the root included)."""
    qs = restrict(Area.objects.all(), user, Action.VIEW)
    if not include_retired:
        qs = qs.current()
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    if root_id is not None:
        root = area_get(user=user, area_id=root_id, include_retired=include_retired)
        qs = qs.filter(path__startswith=root.path)
    if level is not None:
        qs = qs.filter(level=level)
    if code:
        qs = qs.filter(code__startswith=code)
    if grid_type:
        qs = qs.filter(grid_type=grid_type)
    if q:
        qs = qs.filter(name__icontains=q.strip())
    return qs.order_by("path")


def area_get(*, user, area_id: int, include_retired: bool = True) -> Area:
    qs = restrict(Area.objects.all(), user, Action.VIEW)
    if not include_retired:
        qs = qs.current()
    area = qs.filter(pk=area_id).first()
    if area is None:
        raise NotFound("区域不存在 / Area not found.", code="area.not_found")
    return area


def area_or_404(area_id: int) -> Area:
    """An area named in a request body, unscoped: the service that acts on it checks the actor's scope
    (and answers 404 for an area the actor cannot see)."""
    area = Area.objects.filter(pk=area_id).first()
    if area is None:
        raise NotFound("区域不存在 / Area not found.", code="area.not_found")
    return area


def area_ancestors(*, user, area: Area) -> list[Area]:
    """The visible ancestors of ``area``, root first (one query)."""
    ids = area.ancestor_ids()
    by_id = {a.id: a for a in restrict(Area.objects.filter(id__in=ids), user, Action.VIEW)}
    return [by_id[i] for i in ids if i in by_id]


def area_subtree(*, user, root: Area, max_level: int | None = None, include_retired: bool = False) -> QuerySet:
    qs = restrict(Area.objects.filter(path__startswith=root.path), user, Action.VIEW)
    if not include_retired:
        qs = qs.current()
    if max_level is not None:
        qs = qs.filter(level__lte=max_level)
    return qs.order_by("path")


def area_roots(*, user) -> QuerySet:
    """The top-most areas the user can see: the tree's roots for a superuser, otherwise the
    visible areas whose parent is not visible."""
    visible = restrict(Area.objects.current(), user, Action.VIEW)
    return visible.exclude(parent_id__in=visible.values("id")).order_by("path")
