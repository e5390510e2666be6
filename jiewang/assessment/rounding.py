"""How the assessment rounds (四舍五入): a half goes away from zero, as a bulletin's reader expects
(65.625 → 65.63). Python's ``round`` rounds an exact binary half to even (65.625 → 65.62), so the
engine does not use it for its values, scores and composites. The operation is the one SQL engines
apply to a double (scale, round half away from zero, unscale): DuckDB's ``round`` gives the same."""

from __future__ import annotations

import math


def round_half_up(x: float, digits: int) -> float:
    scale = 10.0 ** digits
    v = x * scale
    if v >= 0:
        whole = math.floor(v)
        return (whole + 1.0 if v - whole >= 0.5 else whole) / scale
    whole = math.ceil(v)
    return (whole - 1.0 if whole - v >= 0.5 else whole) / scale
