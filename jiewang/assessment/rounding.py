"""How the assessment rounds (四舍五入): a half goes away from zero, as a bulletin's reader expects
(65.625 → 65.63). Python's ``round`` rounds an exact binary half to even (65.625 → 65.62), so the
engine does not use it for its values, scores and composites.

A half is recognised through float noise. A composite such as (30 × 86.2 + 20 × 86.2625) / 50 is
exactly 86.225 on paper, but a sum of doubles lands a few ulps above or below it, and which side
depends on the order of the additions (the engine's and a database's differ). So a scaled fraction
within :data:`HALF_TOLERANCE` of a half counts as the half. No true value comes that close without
being one: the numbers rounded are ratios of counts (denominators up to millions) and weighted means
of 4-decimal scores, whose scaled fractions are either exactly ½ or at least ~1e-6 away from it."""

from __future__ import annotations

import math

import numpy as np

HALF_TOLERANCE = 1e-7
HALF = 0.5 - HALF_TOLERANCE  # a scaled fraction at least this is rounded up (away from zero)


def round_half_up(x: float, digits: int) -> float:
    scale = 10.0 ** digits
    v = x * scale
    if v >= 0:
        whole = math.floor(v)
        return (whole + 1.0 if v - whole >= HALF else whole) / scale
    whole = math.ceil(v)
    return (whole - 1.0 if whole - v >= HALF else whole) / scale


def round_half_up_array(x: np.ndarray, digits: int) -> np.ndarray:
    """:func:`round_half_up` of non-negative numbers, element by element (the same double
    operations, so the same results: the assessment's batch of a whole level)."""
    scale = 10.0 ** digits
    v = x * scale
    whole = np.floor(v)
    return (whole + (v - whole >= HALF)) / scale
