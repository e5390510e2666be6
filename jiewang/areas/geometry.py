"""GeoJSON ⇄ shapely helpers for area boundaries (WGS84 lon/lat).

Boundaries are stored as GeoJSON geometry objects (Polygon or MultiPolygon) so that SQLite and
PostgreSQL hold the same thing and no spatial database extension is needed; the locator keeps its
own spatial index in memory.
"""

from __future__ import annotations

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from jiewang.core.errors import ValidationFailed

AREAL_TYPES = ("Polygon", "MultiPolygon")


def geometry_from_geojson(obj: dict) -> BaseGeometry:
    """Parse a GeoJSON geometry object; refuse anything that is not a valid-looking polygon."""
    if not isinstance(obj, dict) or obj.get("type") not in AREAL_TYPES:
        raise ValidationFailed("边界必须是 Polygon 或 MultiPolygon / A boundary must be a Polygon or MultiPolygon.",
                               code="area.geometry_type", fields={"geometry": "type"})
    try:
        geom = shape(obj)
    except Exception as exc:  # malformed coordinates
        raise ValidationFailed(f"边界坐标格式错误 / Malformed coordinates: {exc}",
                               code="area.geometry_malformed", fields={"geometry": str(exc)}) from exc
    check_lonlat_bounds(geom)
    return geom


def check_lonlat_bounds(geom: BaseGeometry) -> None:
    if geom.is_empty:
        raise ValidationFailed("边界为空 / The boundary is empty.", code="area.geometry_empty")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationFailed("坐标超出经纬度范围 / Coordinates outside longitude/latitude range.",
                               code="area.geometry_out_of_range")


def geojson_from_geometry(geom: BaseGeometry, *, precision: int = 7) -> dict:
    """GeoJSON dict, coordinates rounded to ``precision`` decimals (7 ≈ 1 cm)."""
    geom = shapely.set_precision(geom, 10 ** -precision) if precision is not None else geom
    return mapping(geom) if not geom.is_empty else None


def geojson_to_plain(obj) -> dict:
    """shapely's mapping() gives tuples; JSON fields want lists."""
    if isinstance(obj, dict):
        return {k: geojson_to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [geojson_to_plain(v) for v in obj]
    return obj


def bbox_fields(geom: BaseGeometry | None) -> dict:
    if geom is None or geom.is_empty:
        return {"min_lon": None, "min_lat": None, "max_lon": None, "max_lat": None}
    minx, miny, maxx, maxy = geom.bounds
    return {"min_lon": minx, "min_lat": miny, "max_lon": maxx, "max_lat": maxy}
