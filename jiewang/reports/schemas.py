"""Shapes of the bulletins' API."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from .models import Bulletin


class BulletinFileOut(Schema):
    format: str
    size: int
    sha256: str
    url: str


class BulletinOut(Schema):
    id: int
    area_id: int
    area_name: str
    area_code: str
    period: str
    version: int
    status: str
    generated_at: dt.datetime
    generated_by: str | None
    run_id: int | None
    summary: str
    files: list[BulletinFileOut]


def bulletin_out(b: Bulletin) -> dict:
    by = b.generated_by
    return {"id": b.pk, "area_id": b.area_id, "area_name": b.area.name, "area_code": b.area.code,
            "period": b.period, "version": b.version, "status": b.status, "generated_at": b.generated_at,
            "generated_by": (by.display_name or by.username) if by else None, "run_id": b.run_id,
            "summary": b.summary,
            "files": [{"format": f.format, "size": f.size, "sha256": f.sha256,
                       "url": f"/api/bulletins/{b.pk}/{f.format}"} for f in b.files.all()]}
