"""Generating the monthly bulletins: one service that makes a new version (``bulletin_generate``),
the downloads (``bulletin_download``, audited), and the worker's job (``generate_due``).

Schedule: on the first working day of a month (the working-day calendar of ``core.worktime``:
official arrangements, local overrides, statutory holidays) and on every later day of that month,
the worker makes last month's bulletin of every current town and district that has none, a few
per run; later in the month, when an area's published assessment run of that period is not the
one its current bulletin shows (published after the bulletin, or republished as a new version),
it makes a new version. Running it again finds nothing to do: no duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.assessment.choices import PeriodKind, RunStatus
from jiewang.assessment.models import Run
from jiewang.assessment.services.periods import last_month, parse_period
from jiewang.audit.services import audit_record
from jiewang.core import worktime
from jiewang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from ..choices import CONTENT_TYPES, BulletinStatus, FileFormat
from ..models import Bulletin, BulletinFile
from ..permissions import READERS, generators_for, roles_over
from .content import Content, bulletin_content
from .pdf import render_pdf
from .tables import BULLETIN_LANGUAGE, summary
from .xlsx import render_xlsx

log = logging.getLogger(__name__)
BATCH = 10  # bulletins per run of the worker's job (each takes a fraction of a second)


def check_period(period: str) -> str:
    """``YYYY-MM`` of a month that has ended; 422 otherwise."""
    kind, _start, end = parse_period(period)
    if kind != PeriodKind.MONTH:
        raise ValidationFailed("通报按月生成，格式为 YYYY-MM / A bulletin covers a month: YYYY-MM.",
                               code="bulletin.bad_period", fields={"period": period})
    if end > timezone.now():
        raise ValidationFailed("该月尚未结束 / The month has not ended yet.", code="bulletin.period_not_over",
                               fields={"period": period})
    return period


def bulletin_area(area_id: int) -> Area:
    area = Area.objects.filter(pk=area_id, level__in=[AreaLevel.DISTRICT, AreaLevel.TOWN],
                               valid_to__isnull=True).first()
    if area is None:
        raise NotFound("区域不存在 / Area not found.", code="area.not_found")
    return area


def _ensure_may_generate(actor, area: Area) -> None:
    """The system (None) and superusers pass; a reader of the area without a generating role gets
    403; anyone else 404 (the area's bulletins do not exist for them)."""
    if actor is None or actor.is_superuser:
        return
    held = roles_over(actor, area.path)
    if held & generators_for(area):
        return
    if held & READERS:
        raise PermissionDenied("您没有生成通报的权限 / You may not generate this bulletin.", code="permission_denied")
    raise NotFound("区域不存在 / Area not found.", code="area.not_found")


def _meta(area: Area, version: int, at: dt.datetime) -> str:
    return _("Area code %(code)s · version %(version)d · generated %(at)s") % {
        "code": area.code, "version": version, "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M")}


def _file(bulletin: Bulletin, fmt: str, content: bytes) -> BulletinFile:
    return BulletinFile(bulletin=bulletin, format=fmt, content=content, size=len(content),
                        sha256=hashlib.sha256(content).hexdigest())


def _render(area: Area, period: str, version: int, now: dt.datetime) -> tuple[Content, bytes, bytes, str]:
    with override(BULLETIN_LANGUAGE):
        content = bulletin_content(area, period)
        meta = _meta(area, version, now)
        return content, render_pdf(content, meta=meta), render_xlsx(content, meta=meta), summary(content)


def _next_version(area: Area, period: str) -> int:
    return (Bulletin.objects.filter(area=area, period=period).aggregate(v=Max("version"))["v"] or 0) + 1


def bulletin_generate(*, actor, area: Area, period: str) -> Bulletin:
    """Make a new version of the bulletin of ``area`` (a town or a district) for ``period``
    (an ended month): render the PDF and the workbook from the rollups and the published
    assessment run, store both, supersede the version before. Who: the area's leaders (a town's
    town leader, commander, deputy commander; the district administrator), the worker (None).

    The files are rendered before the write transaction (a fraction of a second that would
    otherwise hold SQLite's write lock); the transaction locks the area's row and checks that no
    other generation took the version meanwhile (else renders again with the next number)."""
    _ensure_may_generate(actor, area)
    if area.level not in (AreaLevel.TOWN, AreaLevel.DISTRICT):
        raise ValidationFailed("只能为镇街或区县生成通报 / Bulletins are for towns and districts.",
                               code="bulletin.bad_area", fields={"area_id": area.pk})
    check_period(period)
    for _attempt in range(3):
        version, now = _next_version(area, period), timezone.now()
        content, pdf, xlsx, text = _render(area, period, version, now)
        with transaction.atomic():
            Area.objects.select_for_update().filter(pk=area.pk).first()  # one write per area at a time
            if _next_version(area, period) != version:
                continue  # another generation was faster: render again with the next version
            Bulletin.objects.filter(area=area, period=period, status=BulletinStatus.CURRENT).update(
                status=BulletinStatus.SUPERSEDED)
            bulletin = Bulletin.objects.create(
                area=area, area_path=area.path, period=period, version=version, generated_at=now,
                generated_by=actor if getattr(actor, "pk", None) else None, run=content.run, summary=text)
            files = BulletinFile.objects.bulk_create([_file(bulletin, FileFormat.PDF, pdf),
                                                      _file(bulletin, FileFormat.XLSX, xlsx)])
            audit_record(actor=actor, action="bulletin.generate", obj=bulletin,
                         data={"period": period, "version": version,
                               "run_id": content.run.pk if content.run else None,
                               **{f.format: {"size": f.size, "sha256": f.sha256} for f in files}})
            return bulletin
    raise Conflict("通报正在生成，请稍后重试 / The bulletin is being generated; try again.",
                   code="bulletin.busy")


def bulletin_download(*, actor, bulletin: Bulletin, fmt: str) -> tuple[bytes, str, str]:
    """(bytes, content type, file name) of one format of a bulletin ``actor`` may read (the caller
    found it through the selectors); each download leaves an audit row."""
    f = BulletinFile.objects.filter(bulletin=bulletin, format=fmt).first()
    if f is None:
        raise NotFound("文件不存在 / File not found.", code="not_found")
    with transaction.atomic():
        audit_record(actor=actor, action="bulletin.download", obj=bulletin,
                     data={"format": fmt, "size": f.size, "sha256": f.sha256})
    name = f"bulletin-{bulletin.area.code}-{bulletin.period}-v{bulletin.version}.{fmt}"
    return bytes(f.content), CONTENT_TYPES[fmt], name


def first_workday(day: dt.date) -> dt.date:
    """The first working day of ``day``'s month."""
    d = day.replace(day=1)
    while not worktime.is_workday(d):
        d += dt.timedelta(days=1)
    return d


def rollups_caught_up(end: dt.datetime) -> bool:
    """Have the rollups applied every event activity before ``end``? (The worker's
    ``stats.rollups_apply`` trails the activity stream by a couple of minutes, and by longer after
    a bulk load; a bulletin made before would miss the month's last changes, for good.)"""
    from jiewang.events.models import EventActivity
    from jiewang.stats.models import RollupMark

    mark = RollupMark.objects.filter(pk=1).values_list("activity_id", flat=True).first() or 0
    return not EventActivity.objects.filter(id__gt=mark, at__lt=end).exists()


def generate_due(today: dt.date | None = None, *, limit: int = BATCH) -> list[Bulletin]:
    """The worker's job (idempotent): from the first working day of a month on, once the rollups
    hold the whole of last month, last month's bulletin for each current town and district
    without one; and a new version where the published assessment run differs from the one the
    current bulletin shows. At most ``limit`` per call (the rest at the next)."""
    today = today or timezone.localdate()
    if today < first_workday(today):
        return []
    period = last_month(today)
    if not rollups_caught_up(parse_period(period)[2]):
        return []
    areas = Area.objects.filter(Q(level=AreaLevel.TOWN) | Q(level=AreaLevel.DISTRICT), valid_to__isnull=True)
    current = dict(Bulletin.objects.filter(period=period, status=BulletinStatus.CURRENT)
                   .values_list("area_id", "run_id"))
    published = dict(Run.objects.filter(period=period, status=RunStatus.PUBLISHED).values_list("area_id", "pk"))
    due = [a for a in areas.order_by("path").only("id", "path", "level", "code", "name")
           if a.pk not in current or (a.pk in published and current[a.pk] != published[a.pk])][:limit]
    made = []
    for area in due:
        try:
            made.append(bulletin_generate(actor=None, area=area, period=period))
        except Exception:  # noqa: BLE001 - one area's failure must not stop the others; retried next run
            log.exception("bulletin of %s for %s failed", area.code, period)
    return made


def run_periodic() -> int:
    return len(generate_due())

