"""Exporting areas as a GeoJSON FeatureCollection (for maps, other systems, and re-import).

The properties are those :func:`jiewang.areas.importing.area_import` reads back (``code``,
``name``, ``parent_code``, ``grid_type``, ``population``, ``households``, ``valid_from``), so an
export of a subtree imported level by level into an empty database gives the same areas.
Boundaries can be simplified for a map zoom (:func:`tolerance_for_zoom`); simplification keeps
topology per feature (``shapely.simplify(preserve_topology=True)``) but not the shared edges
between neighbours, so only export simplified boundaries for display, never for re-import.
"""

from __future__ import annotations

from collections.abc import Iterable

import shapely
from django.db import models
from shapely.geometry import mapping, shape

from .geometry import geojson_to_plain, polygonal_part
from .models import Area

# Web-mercator tiles are 256 px wide and cover 360° of longitude at zoom 0.
TILE_SIZE = 256
NO_SIMPLIFY_FROM_ZOOM = 17


def tolerance_for_zoom(zoom: int) -> float | None:
    """Simplification tolerance in degrees for a web-mercator zoom: half a screen pixel,
    ``360 / (256 · 2^zoom) / 2`` (at the equator; further north a pixel covers fewer degrees of
    latitude, so this is conservative enough for display). ``None`` from zoom 17 on, where a pixel
    is about a metre and the boundary is shown as stored."""
    zoom = int(zoom)
    if zoom >= NO_SIMPLIFY_FROM_ZOOM:
        return None
    zoom = max(zoom, 0)
    return 360.0 / (TILE_SIZE * 2**zoom) / 2


def _geometry(stored, *, simplify_tolerance: float | None, precision: int | None):
    if not stored:
        return None
    try:
        geom = shape(stored)
    except Exception:  # a stored geometry always parses; do not fail a whole export on one
        return None
    out = geom
    if simplify_tolerance:
        simplified = polygonal_part(shapely.simplify(geom, simplify_tolerance, preserve_topology=True))
        if not simplified.is_empty:
            out = simplified
    if precision is not None:
        rounded = polygonal_part(shapely.set_precision(out, 10.0**-precision))
        out = rounded if not rounded.is_empty else out
    return geojson_to_plain(mapping(out))


def area_feature(area: Area, *, simplify_tolerance: float | None = None, precision: int | None = 6) -> dict:
    """One area as a GeoJSON Feature."""
    parent = area.parent if area.parent_id else None
    return {
        "type": "Feature",
        "id": area.pk,
        "geometry": _geometry(area.geometry, simplify_tolerance=simplify_tolerance, precision=precision),
        "properties": {
            "id": area.pk,
            "code": area.code,
            "name": area.name,
            "level": int(area.level),
            "parent_code": parent.code if parent is not None else None,
            "grid_type": area.grid_type or None,
            "population": area.population,
            "households": area.households,
            "valid_from": area.valid_from.isoformat() if area.valid_from else None,
            "valid_to": area.valid_to.isoformat() if area.valid_to else None,
        },
    }


def areas_to_feature_collection(queryset_or_iterable: Iterable[Area] | models.QuerySet, *,
                                simplify_tolerance: float | None = None, precision: int | None = 6) -> dict:
    """A FeatureCollection of the given areas, in their order. ``precision`` rounds coordinates to
    that many decimals (6 ≈ 10 cm; ``None`` keeps them as stored); ``simplify_tolerance`` is in
    degrees (see :func:`tolerance_for_zoom`)."""
    areas = queryset_or_iterable
    if isinstance(areas, models.QuerySet):
        areas = areas.select_related("parent")
    return {
        "type": "FeatureCollection",
        "features": [area_feature(a, simplify_tolerance=simplify_tolerance, precision=precision) for a in areas],
    }
