"""HTTP API of the situation at a glance (态势): ``GET /api/situation``."""

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
