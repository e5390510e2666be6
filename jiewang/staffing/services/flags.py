"""The unstaffed-grid flag (网格无专职网格员): every grid has at least one full-time worker
(domain.md §1). A grid without one in force is flagged to its community and town: raised when the
last full-time worker's assignment ends (:func:`grid_check`, called by ``member_end``) and by the
worker's hourly check (:func:`run_daily`) for grids that lack one for any other reason (a new grid,
an end dated in the future that has come). Raising is idempotent: one open :class:`UnstaffedFlag`
per grid (a unique constraint), and only the call that creates it notifies, so the community and
town hear once. Assigning a full-time worker clears it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiewang.accounts.models import RoleGrant
from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.notifications.services import notify

from ..choices import REQUIRED_KIND
from ..models import GridMember, UnstaffedFlag
from ..permissions import FLAG_RECIPIENTS

NOTIFICATION_KIND = "staffing.unstaffed"


def is_staffed(grid: Area, on: dt.date | None = None) -> bool:
    return GridMember.objects.active(on).filter(grid=grid, kind=REQUIRED_KIND).exists()


def flag_recipients(grid: Area) -> list:
    """Community staff of the grid's community, operators and leaders of its town."""
    ancestors = [int(x) for x in grid.path.strip("/").split("/")[:-1] if x]
    grants = (RoleGrant.objects.active().filter(area_id__in=ancestors, role__in=FLAG_RECIPIENTS,
                                                area__level__in=[AreaLevel.COMMUNITY, AreaLevel.TOWN])
              .select_related("user"))
    return [g.user for g in grants]


@transaction.atomic
def flag_raise(*, grid: Area, on: dt.date | None = None) -> UnstaffedFlag | None:
    """Open the grid's flag and notify its community and town; ``None`` when it is open already."""
    on = on or timezone.localdate()
    try:
        with transaction.atomic():
            flag = UnstaffedFlag.objects.create(grid=grid, grid_path=grid.path, raised_on=on)
    except IntegrityError:  # already open (concurrently or before): raised once, notified once
        return None
    with translation.override(settings.LANGUAGE_CODE):  # the deployment's language, as every message
        title = _("Grid %(grid)s has no full-time grid worker") % {"grid": grid.name}
        body = _("Since %(day)s. Assign a full-time grid worker.") % {"day": on.isoformat()}
    flag.notified = notify(users=flag_recipients(grid), kind=NOTIFICATION_KIND, title=title, body=body,
                           url=f"/grid/staffing/grids/{grid.pk}/")
    flag.save(update_fields=["notified"])
    audit_record(actor=None, action="unstaffed_flag.raise", obj=flag,
                 data={"grid": grid.pk, "since": on.isoformat(), "notified": flag.notified})
    return flag


def flag_clear(*, grid: Area) -> int:
    return UnstaffedFlag.objects.filter(grid=grid, cleared_at__isnull=True).update(cleared_at=timezone.now())


@transaction.atomic
def grid_check(*, grid: Area, on: dt.date | None = None) -> UnstaffedFlag | None:
    """Raise or clear one grid's flag as its staffing on ``on`` (today) says. Grids only:
    micro-grids are staffed through their grid."""
    if grid.level != AreaLevel.GRID:
        return None
    if is_staffed(grid, on):
        flag_clear(grid=grid)
        return None
    return flag_raise(grid=grid, on=on)


def run_daily(on: dt.date | None = None) -> int:
    """The worker's check: flag every unstaffed grid not flagged yet, clear the flags of grids
    staffed again. Returns the number of flags raised."""
    from ..selectors import unstaffed_grids

    on = on or timezone.localdate()
    raised = 0
    for grid in unstaffed_grids(on=on).exclude(
            pk__in=UnstaffedFlag.objects.filter(cleared_at__isnull=True).values("grid_id")):
        raised += flag_raise(grid=grid, on=on) is not None
    staffed = GridMember.objects.active(on).filter(kind=REQUIRED_KIND).values("grid_id")
    UnstaffedFlag.objects.filter(cleared_at__isnull=True, grid_id__in=staffed).update(cleared_at=timezone.now())
    return raised
