"""Fixtures of the area tests: a Beijing-like city and district for the import tests."""

import pytest

from jiewang.areas.choices import AreaLevel
from jiewang.areas.services import area_create


def box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture
def city(db):
    return area_create(actor=None, parent=None, level=AreaLevel.CITY, code="110000", name="北京市",
                       geometry=box(115.0, 39.0, 118.0, 41.5))


@pytest.fixture
def district(city):
    """A district 116.0–117.0 × 39.0–40.0 with one existing town on its west (116.0–116.3)."""
    d = area_create(actor=None, parent=city, level=AreaLevel.DISTRICT, code="110101", name="甲区",
                    geometry=box(116.0, 39.0, 117.0, 40.0))
    area_create(actor=None, parent=d, level=AreaLevel.TOWN, code="110101001", name="西街道",
                geometry=box(116.0, 39.0, 116.3, 40.0))
    return d
