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


# --- Helpers for import/export (appended) ----------------------------------------------------

# Metres per degree of latitude on the mean Earth sphere (R = 6 371 008.8 m).
METERS_PER_DEGREE = 111_195.08


def m2_per_deg2(lat: float) -> float:
    """Square metres in one square degree near latitude ``lat`` (local equal-area scaling: a
    degree of longitude shrinks with cos(lat)). Good to well under 1% for areas a few tens of
    kilometres across, which is all a grid, community, town or district needs."""
    import math

    return METERS_PER_DEGREE**2 * max(math.cos(math.radians(lat)), 1e-9)


def approx_area_m2(geom: BaseGeometry | None, *, lat: float | None = None) -> float:
    """Approximate area in m² of a lon/lat geometry, scaled at its centroid's latitude (or the
    given one, so that the parts of one feature are measured with the same scale)."""
    if geom is None or geom.is_empty:
        return 0.0
    if lat is None:
        lat = geom.centroid.y if geom.area > 0 else (geom.bounds[1] + geom.bounds[3]) / 2
    return geom.area * m2_per_deg2(lat)


def polygonal_part(geom: BaseGeometry | None) -> BaseGeometry:
    """The polygons of any geometry (e.g. a ``make_valid`` GeometryCollection that also holds
    collapsed lines and points), as a Polygon, a MultiPolygon or an empty Polygon."""
    from shapely.geometry import MultiPolygon, Polygon

    if geom is None or geom.is_empty:
        return Polygon()
    polys = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            if not part.is_empty:
                polys.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            sub = polygonal_part(part)
            polys.extend(shapely.get_parts(sub) if not sub.is_empty else [])
    if not polys:
        return Polygon()
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)
