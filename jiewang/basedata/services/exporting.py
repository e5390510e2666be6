"""Residents as an Excel workbook: masked for everyone; unmasked only for roles with the right over
every row exported (grid workers, community staff). Every export writes an audit row (unmasked
ones as ``resident.export_unmasked``), with the count and the filter."""

from __future__ import annotations

import io

from jiewang.audit.services import audit_record
from jiewang.core.errors import PermissionDenied

from .. import selectors
from .common import may_reveal

MAX_EXPORT = 50_000
KIND_ZH = {"registered": "户籍", "floating": "流动", "overseas": "境外"}
GENDER_ZH = {"male": "男", "female": "女"}


def resident_export(*, actor, under: str | None, q: str = "", kind: str | None = None, active: bool | None = True,
                    unmasked: bool = False) -> bytes:
    from openpyxl import Workbook

    qs = selectors.resident_list(user=actor, under=under, q=q, kind=kind, active=active)
    if unmasked:
        paths = set(qs.values_list("area_path", flat=True).distinct()[:10_000])
        if not all(may_reveal(actor, p) for p in paths):
            raise PermissionDenied("您无权导出明文 / You may not export personal data in clear.",
                                   code="basedata.reveal_denied")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("居民")
    ws.append(["姓名", "性别", "出生日期", "身份证号", "手机号", "人口类型", "与户主关系", "地址", "网格"])
    n = 0
    for r in qs.select_related("house__address", "grid")[:MAX_EXPORT]:
        ws.append([r.name, GENDER_ZH.get(r.gender, r.gender), r.birth_date,
                   r.id_number if unmasked else r.id_masked, r.phone if unmasked else r.phone_masked,
                   KIND_ZH.get(r.kind, r.kind), r.get_relation_display(), r.house.address.text, r.grid.name])
        n += 1
    audit_record(actor=actor, action="resident.export_unmasked" if unmasked else "resident.export",
                 object_type="basedata.resident",
                 data={"count": n, "under": under or "", "q": q, "kind": kind or "", "unmasked": unmasked})
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
