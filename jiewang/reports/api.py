"""HTTP API of the monthly bulletins: ``GET /api/bulletins`` (every version the user may read),
``GET /api/bulletins/{id}/{pdf|xlsx}`` (the file, audited) and ``POST /api/bulletins`` (generate a
new version now: the area's leaders)."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from jiewang.core.schema_types import DbId

from . import selectors
from .choices import FileFormat
from .schemas import BulletinOut, bulletin_out
from .services import bulletins as svc

router = Router(tags=["bulletins"])


class BulletinQuery(Schema):
    area: DbId | None = Field(None, description="A town or district id")
    period: str | None = Field(None, max_length=7, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


class GenerateIn(Schema):
    area_id: DbId
    period: str = Field(..., max_length=7, description="YYYY-MM, a month that has ended")


@router.get("", response=list[BulletinOut], summary="月度通报: the bulletins of the areas in scope, every version")
def bulletins(request, q: Query[BulletinQuery]):
    return [bulletin_out(b) for b in selectors.bulletin_list(user=request.user, area_id=q.area, period=q.period)[:500]]


@router.post("", response={201: BulletinOut}, summary="Generate a new version of a bulletin now (the area's leaders)")
def bulletin_generate(request, payload: GenerateIn):
    b = svc.bulletin_generate(actor=request.user, area=svc.bulletin_area(payload.area_id), period=payload.period)
    return Status(201, bulletin_out(selectors.bulletin_list(user=request.user).get(pk=b.pk)))


@router.get("/{int:bulletin_id}/{fmt}", response={200: None}, summary="Download a bulletin as PDF or Excel (audited)")
def bulletin_download(request, bulletin_id: DbId, fmt: FileFormat):
    b = selectors.bulletin_get(user=request.user, bulletin_id=bulletin_id)
    content, content_type, name = svc.bulletin_download(actor=request.user, bulletin=b, fmt=fmt)
    resp = HttpResponse(content, content_type=content_type)
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp
