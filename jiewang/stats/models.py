"""The rollups: per day (Asia/Shanghai) × area node × board × category × channel × source × status,
the counts of events (docs/architecture.md, "Rollups").

Every event contributes to the rows of *every* area node on its path (city, district, town,
community, grid: one row each), so the numbers of any area are an equality on ``area_id`` and a
day range — no prefix scan, whatever the level. Three tables hold the same counts at three
grains: :class:`Rollup` (every dimension, per day), :class:`RollupMonth` (per month, board and
category) and :class:`RollupDay` (per day, no dimension). An event adds to two days: the day it was reported
(``new``, ``voided``, and the stocks ``open``/``open_overdue``/``overdue`` that a sum over all days turns into
today's totals) and, once closed, the day it was closed (``closed``, ``closed_on_time`` and the
return visit's ``rated``/``satisfied``/``basically``). Three small tables answer what the
situation would otherwise count live (docs/architecture.md, "Rollups"): :class:`RollupStock` (an
area's open and overdue events now), :class:`RollupGridMonth` (the month's figures of every grid,
under each node above it: the top grids are the first rows of an index) and
:class:`RollupOverdueUnit` (per area node, the departments and posts with open assignments on
unfinished overdue events). Only :mod:`jiewang.stats.services.rollups` writes these tables.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Counts(models.Model):
    """The counts every rollup table holds (definitions: docs/architecture.md, "Rollups")."""

    new = models.IntegerField(default=0)
    voided = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    open_overdue = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basically = models.IntegerField(default=0)

    class Meta:
        abstract = True


class Rollup(Counts):
    """Per day × area node × board × category × channel × source × status: every dimension."""

    day = models.DateField()
    area_id = models.BigIntegerField()  # an Area id (not a FK: rows are rebuilt freely, areas never deleted)
    level = models.PositiveSmallIntegerField()  # the area's level (AreaLevel)
    area_path = models.CharField(max_length=255)  # the area's path
    board_kind = models.CharField(max_length=24)
    category_id = models.BigIntegerField()
    channel = models.CharField(max_length=16)
    source = models.CharField(max_length=16)
    status = models.CharField(max_length=16)

    class Meta:
        verbose_name = _("rollup row")
        verbose_name_plural = _("rollup rows")
        constraints = [models.UniqueConstraint(
            fields=["area_id", "day", "board_kind", "category_id", "channel", "source", "status"],
            name="stats_rollup_key")]

    def __str__(self):
        return f"{self.day} area {self.area_id} {self.category_id} {self.status}: +{self.new}"


class RollupMonth(Counts):
    """The same counts per month (its first day) × area node × board × category: a month's totals,
    boards, categories and top grids read a few hundred rows instead of a month of days."""

    month = models.DateField()
    area_id = models.BigIntegerField()
    level = models.PositiveSmallIntegerField()
    area_path = models.CharField(max_length=255)
    board_kind = models.CharField(max_length=24)
    category_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("monthly rollup row")
        verbose_name_plural = _("monthly rollup rows")
        constraints = [models.UniqueConstraint(fields=["area_id", "month", "board_kind", "category_id"],
                                               name="stats_rollupmonth_key")]
        indexes = [models.Index(fields=["level", "month", "area_path"], name="stats_rollupmonth_level")]

    def __str__(self):
        return f"{self.month:%Y-%m} area {self.area_id} {self.category_id}: +{self.new}"


class RollupDay(Counts):
    """The same counts per day × area node (no other dimension): today, the trends and the stocks."""

    day = models.DateField()
    area_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("daily rollup of an area")
        verbose_name_plural = _("daily rollups of areas")
        # (The stocks are RollupStock's: no index of the days with open events any more.)
        constraints = [models.UniqueConstraint(fields=["area_id", "day"], name="stats_rollupday_key")]

    def __str__(self):
        return f"{self.day} area {self.area_id}: +{self.new}"


class RollupStock(models.Model):
    """An area node's stocks now: the sums of ``open`` and ``open_overdue`` over all its days (the
    same as :class:`RollupDay`'s, in one row per area)."""

    area_id = models.BigIntegerField(unique=True)
    open = models.IntegerField(default=0)
    open_overdue = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("open events of an area")
        verbose_name_plural = _("open events of areas")

    def __str__(self):
        return f"area {self.area_id}: {self.open} open, {self.open_overdue} overdue"


class RollupGridMonth(models.Model):
    """Per month × area node × grid at or under it: the grid's ``new`` (reported in the month, not
    voided: ``new − voided``) and ``overdue`` — each grid's row repeated for every node on its
    path (city, district, town, community and the grid itself), so an area's top grids of a month
    are the first rows of :attr:`Meta.indexes` (``ORDER BY new DESC … LIMIT``), whatever its size."""

    month = models.DateField()
    area_id = models.BigIntegerField()
    grid_id = models.BigIntegerField()
    new = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("monthly rollup of a grid")
        verbose_name_plural = _("monthly rollups of grids")
        constraints = [models.UniqueConstraint(fields=["area_id", "month", "grid_id"],
                                               name="stats_rollupgridmonth_key")]
        indexes = [models.Index(fields=["area_id", "month", "-new", "-overdue", "grid_id"],
                                name="stats_rollupgridmonth_top")]

    def __str__(self):
        return f"{self.month:%Y-%m} area {self.area_id} grid {self.grid_id}: +{self.new}"


class RollupOverdueUnit(models.Model):
    """Per area node × handler: the unfinished events of the area carrying the overdue mark on
    which the handler holds an open assignment (lead or assisting). The handler is a department
    (``post_id`` 0), a post (``department_id`` 0) or, for work sent down to an area, neither (both 0)."""

    area_id = models.BigIntegerField()
    department_id = models.BigIntegerField()
    post_id = models.BigIntegerField()
    overdue = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("overdue work of a department or post")
        verbose_name_plural = _("overdue work of departments and posts")
        constraints = [models.UniqueConstraint(fields=["area_id", "department_id", "post_id"],
                                               name="stats_rollupoverdueunit_key")]
        indexes = [models.Index(fields=["area_id", "-overdue", "department_id", "post_id"],
                                name="stats_rollupoverdueunit_top")]

    def __str__(self):
        return f"area {self.area_id} d{self.department_id} p{self.post_id}: {self.overdue}"


class RollupEventState(models.Model):
    """What one event last contributed to the rollups: applying an event again compares its row
    with this and writes only the difference, so applying it twice changes nothing."""

    event_id = models.BigIntegerField(primary_key=True)
    area_path = models.CharField(max_length=255)
    board_kind = models.CharField(max_length=24)
    category_id = models.BigIntegerField()
    channel = models.CharField(max_length=16)
    source = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    reported_day = models.DateField()
    closed_day = models.DateField(null=True)
    is_overdue = models.BooleanField()
    satisfaction = models.CharField(max_length=16)
    # The handlers it counts as overdue work of (RollupOverdueUnit): "department:post" pairs (0 for
    # none), sorted, comma-separated; empty unless the event is unfinished and overdue.
    units = models.TextField(default="", blank=True)

    class Meta:
        verbose_name = _("event counted in the rollups")
        verbose_name_plural = _("events counted in the rollups")

    def __str__(self):
        return f"event {self.event_id} → {self.status}"


class RollupMark(models.Model):
    """The high-water mark of the activity stream (one row, pk 1): every activity with an id up to
    ``activity_id`` has been applied. Locked by each run, so two runs never interleave."""

    activity_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("rollup mark")
        verbose_name_plural = _("rollup marks")

    def __str__(self):
        return f"{self.activity_id}"
