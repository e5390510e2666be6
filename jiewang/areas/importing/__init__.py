"""Importing area boundaries from GeoJSON (区划/网格边界导入).

Real boundary files are messy: self-intersecting rings, duplicated or unclosed points, 3D
coordinates, slivers, GeometryCollections. :func:`area_import` repairs what can be repaired
without changing an area meaningfully, reports every repair, rejects the rest with a per-feature
error code, warns about children sticking out of their parent and overlapping siblings, guards the
tree (codes that do not extend the parent's, renames, boundaries moved out of the parent: refused
unless allowed explicitly), reports each change old → new (also as a dry run, writing nothing),
and writes through the area services in one transaction. See :mod:`.service` for the rules.
"""

from .report import FeatureReport, ImportReport
from .repair import AREA_REPAIR_TOLERANCE, PRECISION_GRID, SLIVER_MIN_M2, SLIVER_SHARE
from .service import area_import

__all__ = [
    "AREA_REPAIR_TOLERANCE", "PRECISION_GRID", "SLIVER_MIN_M2", "SLIVER_SHARE",
    "FeatureReport", "ImportReport", "area_import",
]
