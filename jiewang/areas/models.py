"""The area tree and its boundaries.

One :class:`Area` model covers every level, from the city to the micro-grid. Scope (who may see
what) is decided on this tree: a role granted on a node applies to its whole subtree, found with
``path__startswith``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import GRID_LEVELS, AreaLevel, GridType


class AreaQuerySet(models.QuerySet):
    def current(self, on=None):
        """Areas valid on the given date (default: today)."""
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))

    def subtree(self, area: Area):
        """The area and all its descendants."""
        return self.filter(path__startswith=area.path)

    def grids(self):
        return self.filter(level__in=GRID_LEVELS)


class Area(models.Model):
    """A node of the administrative tree (行政区划/网格): city, district, town/street,
    village/community, grid or micro-grid.

    ``code`` is the full administrative code: GB/T 2260 six digits for a district, then three digits
    each for town, community and grid, so a grid's code is the 15-digit unit-grid code
    ``DDDDDD SSS CCC GGG``. ``path`` is the materialized path of ids (``/1/17/342/``) so that a
    subtree is one indexed prefix query. ``geometry`` is the *current* boundary as a GeoJSON
    Polygon/MultiPolygon in WGS84; older boundaries live in :class:`AreaBoundary`. An area that was
    merged away or abolished keeps its row with ``valid_to`` set, so history stays readable.
    """

    level = models.PositiveSmallIntegerField(_("level"), choices=AreaLevel.choices)
    code = models.CharField(_("code"), max_length=24)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False, default="")
    grid_type = models.CharField(
        _("grid type"), max_length=24, choices=GridType.choices, blank=True, default="",
    )
    population = models.PositiveIntegerField(_("population"), default=0)
    households = models.PositiveIntegerField(_("households"), default=0)
    geometry = models.JSONField(_("boundary (GeoJSON, WGS84)"), null=True, blank=True)
    # Bounding box of the geometry, for coarse filtering without parsing GeoJSON.
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every service write; an editor sends the version it read (optimistic concurrency).
    version = models.PositiveIntegerField(default=1)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "code"], name="area_unique_code_in_parent"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(parent__isnull=True), name="area_unique_root_code"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=AreaLevel.CITY) & Q(level__lte=AreaLevel.MICROGRID),
                name="area_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(grid_type="") | Q(level__in=[int(x) for x in GRID_LEVELS]),
                name="area_grid_type_only_on_grids",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="area_validity_ordered",
            ),
        ]
        indexes = [models.Index(fields=["level", "code"]), models.Index(fields=["code"])]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def is_grid(self) -> bool:
        return self.level in GRID_LEVELS

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent, read from the path (no query)."""
        return [int(x) for x in self.path.strip("/").split("/")[:-1] if x]

    def ancestors(self):
        """The ancestors, root first (one query)."""
        ids = self.ancestor_ids()
        by_id = {a.id: a for a in Area.objects.filter(id__in=ids)}
        return [by_id[i] for i in ids if i in by_id]


class AreaBoundary(models.Model):
    """One version of an area's boundary. A boundary change (grid adjustment, 网格动态调整) closes
    the current version and opens a new one, so the shape on any past date can be shown."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="boundaries")
    geometry = models.JSONField()
    valid_from = models.DateTimeField(default=timezone.now)
    valid_to = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True, default="")
    changed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("area boundary version")
        verbose_name_plural = _("area boundary versions")
        ordering = ["area", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["area"], condition=Q(valid_to__isnull=True), name="boundary_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area_id} @ {timezone.localtime(self.valid_from):%Y-%m-%d %H:%M}"


class BoundaryRevision(models.Model):
    """Two counters, each bumped in the same transaction as the change it counts, that every
    process compares with what it loaded (one row, one query every few seconds) — areas change
    rarely, lookups happen constantly:

    * ``revision``: any boundary change. The locator index is keyed by it: a process reloads the
      index (or the worker rebuilds it) only when it moved.
    * ``chain_revision``: any change to what a located point's chain shows — an area's code or
      name, its parent (and so the paths below it), its validity. A process drops its cached
      chains (:mod:`jiewang.areas.locator.chains`) when it moved."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    revision = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)
    chain_revision = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("boundary revision")
        verbose_name_plural = _("boundary revisions")

    def __str__(self) -> str:
        return f"{_('boundary revision')} {self.revision}"

    @classmethod
    def bump(cls) -> int:
        obj, _created = cls.objects.get_or_create(id=1)
        cls.objects.filter(id=1).update(revision=models.F("revision") + 1, changed_at=timezone.now())
        return obj.revision + 1

    @classmethod
    def bump_chains(cls) -> None:
        """Count a change to an area's code, name, parent or validity (call inside its transaction)."""
        cls.objects.get_or_create(id=1)
        cls.objects.filter(id=1).update(chain_revision=models.F("chain_revision") + 1, changed_at=timezone.now())

    @classmethod
    def current(cls) -> int:
        return cls.objects.filter(id=1).values_list("revision", flat=True).first() or 0

    @classmethod
    def current_pair(cls) -> tuple[int, int]:
        """(revision, chain_revision), in one query."""
        row = cls.objects.filter(id=1).values_list("revision", "chain_revision").first()
        return (row[0], row[1]) if row else (0, 0)
