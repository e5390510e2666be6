"""HTTP API of the situation at a glance (态势): ``GET /api/situation`` and its map, ``GET /api/situation/map``."""

from __future__ import annotations

from typing import Any

from ninja import Field, Query, Router, Schema

from jiewang.core.errors import ValidationFailed
from jiewang.core.schema_types import DbId

from . import selectors

router = Router(tags=["situation"])


class SituationQuery(Schema):
    area: DbId | None = Field(None, description="An area id (default: the user's broadest area)")
    days: int = Field(30, description="Days of the trend: 30, 90 or 365")


@router.get("/situation", response=dict[str, Any], summary="态势: the situation of an area at a glance")
def situation(request, q: Query[SituationQuery]):
    """Today's and this month's new, closed and overdue events by board, category and child area;
    on-time closure and satisfaction rates; overdue departments and posts; pending report-ins; the
    top problem grids; the trend. Definitions: docs/architecture.md ("The situation")."""
    if q.days not in selectors.TREND_DAYS:
        raise ValidationFailed("趋势天数无效 / Days must be 30, 90 or 365.", code="validation_failed",
                               fields={"days": "30, 90 or 365"})
    return selectors.situation(user=request.user, area_id=q.area, days=q.days)


class SituationMapQuery(Schema):
    area: DbId | None = Field(None, description="An area id (default: the user's broadest area)")
    metric: str = Field("new_month", description="new_month, new_today, open, overdue, on_time_rate, "
                                                 "satisfaction_rate or per_1000_households")


@router.get("/situation/map", response=dict[str, Any], summary="态势地图: the sub-areas of an area by one figure")
def situation_map(request, q: Query[SituationMapQuery]):
    """The sub-areas of the area (communities of a town, grids of a community, towns of a district)
    with their situation figures and the value of the metric that colours the map; where to fetch
    their GeoJSON; the way back up. Definitions: docs/situation-map.md."""
    from .situation_map import situation_map as read

    return read(user=request.user, area_id=q.area, metric=q.metric)
