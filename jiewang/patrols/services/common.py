"""Helpers shared by the patrol services: the grids a worker works, time windows, errors."""

from __future__ import annotations

import datetime as dt
import math

from jiewang.accounts.choices import Role
from jiewang.areas.choices import GRID_LEVELS
from jiewang.core.errors import NotFound, PermissionDenied, ValidationFailed
from jiewang.core.scope import Action, is_allowed, user_grants

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=5)
# Data recorded without signal may arrive this late.
MAX_DELAY = dt.timedelta(days=7)


def worker_grid_paths(user) -> list[str]:
    """The paths of the grids the user works as a grid worker (网格员 grants)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [g.path for g in user_grants(user) if g.role == Role.GRID_WORKER]


def works_in(user, path: str) -> bool:
    return any(path.startswith(p) for p in worker_grid_paths(user))


def ensure_worker_of(actor, grid) -> None:
    """Only a grid worker of ``grid`` may patrol or visit there (a superuser acting as one too)."""
    if grid.level not in GRID_LEVELS:
        raise ValidationFailed("只能在网格巡查走访 / Patrols and visits are made in a grid.",
                               code="patrol.not_a_grid", fields={"grid_id": "a grid"})
    if actor is None or actor.is_superuser or works_in(actor, grid.path):
        return
    raise PermissionDenied("您不是该网格的网格员 / You are not a grid worker of this grid.",
                           code="patrol.not_your_grid")


def ensure_own(actor, obj, what: str) -> None:
    """Writes to a patrol or visit: its own worker only (404 for a row the actor cannot see, 403
    for one they can read but is not theirs)."""
    if actor is None:
        return
    if obj.worker_id == actor.pk and (actor.is_superuser or works_in(actor, obj.area_path)):
        return
    if is_allowed(actor, Action.VIEW, obj):
        raise PermissionDenied(f"只有{what}的网格员本人可以操作 / Only the grid worker who made it may change it.",
                               code="permission_denied")
    raise NotFound("对象不存在 / Not found.", code="not_found")


def check_point(lon, lat, field: str = "") -> None:
    ok = (isinstance(lon, (int, float)) and isinstance(lat, (int, float)) and not isinstance(lon, bool)
          and not isinstance(lat, bool) and math.isfinite(lon) and math.isfinite(lat)
          and -180 <= lon <= 180 and -90 <= lat <= 90)
    if not ok:
        raise ValidationFailed("坐标无效 / Invalid point (WGS84 longitude, latitude).", code="patrol.bad_point",
                               fields={field or "lon": "WGS84"})
