"""Coordinate systems the locator accepts, and conversion of distances to metres.

**GCJ-02** ("Mars coordinates", 国测局坐标) is the obfuscated datum that map SDKs licensed in
mainland China (AMap/Gaode, Tencent, the Chinese Google Maps tiles, WeChat location) return. It is
WGS84 plus a smooth, deterministic offset of a few hundred metres. Residents and grid workers send
points picked on such maps, so the locator must convert them back to WGS84, the datum our
boundaries are stored in.

Forward transform (WGS84 → GCJ-02): the formula circulating publicly since ~2013 (recovered from
the leaked reference implementation, published e.g. as ``eviltransform`` and ``coordtransform``),
on the Krasovsky 1940 ellipsoid (a = 6378245 m, e² = 0.00669342162296594323). It is reproduced
here bit for bit: the widely quoted control point WGS84 (116.404, 39.915) → GCJ-02
(116.41024449916938, 39.91640428150164) is in the tests. Outside mainland China (the usual
rectangle lon 72.004–137.8347, lat 0.8293–55.8271) the transform is the identity, as the public
implementations do; near that rectangle's edges the real SDKs may differ, but no Jiewang area is
there.

Reverse transform (GCJ-02 → WGS84): there is no closed form, so we solve ``forward(w) = g`` by
fixed-point iteration ``w ← w + (g − forward(w))`` starting from ``w = g``. The offset varies
slowly (its derivative is ~1e-5 per degree), so each step divides the error by ~1e5: two or three
iterations reach < 1e-9°, far below the required 1e-7° (1 cm); we iterate until the step is below
1e-10° (at most 30 steps). The error of the result against the true WGS84 point is therefore the
error of the forward formula itself, which is exact by definition (it *is* the datum).

Distances: a locator answer "nearest grid within N metres" uses a local equirectangular
projection at the point's latitude, with the WGS84 metres-per-degree series
(lat: 111132.954 − 559.822 cos 2φ + 1.175 cos 4φ; lon: 111412.84 cos φ − 93.5 cos 3φ), accurate to
well under a centimetre over the few hundred metres involved.
"""

from __future__ import annotations

import math

import numpy as np

CRS_WGS84 = "wgs84"
CRS_GCJ02 = "gcj02"
CRS_CHOICES = (CRS_WGS84, CRS_GCJ02)

_A = 6378245.0
_EE = 0.00669342162296594323
_PI = math.pi


def out_of_china(lon, lat):
    """True where the GCJ-02 offset does not apply (scalar or arrays)."""
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon, lat, m):
    """GCJ-02 offset (dlon, dlat) in degrees at WGS84 (lon, lat); ``m`` is math or numpy."""
    x = lon - 105.0
    y = lat - 35.0
    sq = m.sqrt(m.fabs(x)) if m is math else np.sqrt(np.abs(x))
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq
            + (20.0 * m.sin(6.0 * x * _PI) + 20.0 * m.sin(2.0 * x * _PI)) * 2.0 / 3.0
            + (20.0 * m.sin(y * _PI) + 40.0 * m.sin(y / 3.0 * _PI)) * 2.0 / 3.0
            + (160.0 * m.sin(y / 12.0 * _PI) + 320 * m.sin(y * _PI / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq
            + (20.0 * m.sin(6.0 * x * _PI) + 20.0 * m.sin(2.0 * x * _PI)) * 2.0 / 3.0
            + (20.0 * m.sin(x * _PI) + 40.0 * m.sin(x / 3.0 * _PI)) * 2.0 / 3.0
            + (150.0 * m.sin(x / 12.0 * _PI) + 300.0 * m.sin(x / 30.0 * _PI)) * 2.0 / 3.0)
    radlat = lat / 180.0 * _PI
    magic = m.sin(radlat)
    magic = 1 - _EE * magic * magic
    sqrtmagic = m.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * _PI)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * m.cos(radlat) * _PI)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Forward transform of one point."""
    if out_of_china(lon, lat):
        return lon, lat
    dlon, dlat = _delta(lon, lat, math)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Reverse transform of one point (fixed-point iteration, error < 1e-9°)."""
    if out_of_china(lon, lat):
        return lon, lat
    wlon, wlat = lon, lat
    for _ in range(30):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        slon, slat = lon - glon, lat - glat
        wlon += slon
        wlat += slat
        if abs(slon) < 1e-10 and abs(slat) < 1e-10:
            break
    return wlon, wlat


def wgs84_to_gcj02_many(lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorized forward transform."""
    lons = np.asarray(lons, dtype=np.float64)
    lats = np.asarray(lats, dtype=np.float64)
    dlon, dlat = _delta(lons, lats, np)
    keep = out_of_china(lons, lats)
    return np.where(keep, lons, lons + dlon), np.where(keep, lats, lats + dlat)


def gcj02_to_wgs84_many(lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorized reverse transform (fixed-point iteration until every step < 1e-10°)."""
    glon = np.asarray(lons, dtype=np.float64)
    glat = np.asarray(lats, dtype=np.float64)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(30):
        flon, flat = wgs84_to_gcj02_many(wlon, wlat)
        slon, slat = glon - flon, glat - flat
        wlon += slon
        wlat += slat
        if not (np.abs(slon).max(initial=0) >= 1e-10 or np.abs(slat).max(initial=0) >= 1e-10):
            break
    keep = out_of_china(glon, glat)
    return np.where(keep, glon, wlon), np.where(keep, glat, wlat)


def meters_per_degree(lat):
    """(metres per degree of longitude, metres per degree of latitude) at WGS84 latitude ``lat``
    (scalar or array)."""
    phi = np.radians(lat)
    m_lat = 111132.954 - 559.822 * np.cos(2 * phi) + 1.175 * np.cos(4 * phi)
    m_lon = 111412.84 * np.cos(phi) - 93.5 * np.cos(3 * phi)
    return m_lon, m_lat
