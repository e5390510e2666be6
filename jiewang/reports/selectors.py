"""Reads of the bulletins, scoped (``permissions``): the command center's people read their
town's, a district administrator the district's and its towns'. Outside one's scope: 404."""

from __future__ import annotations

from django.db.models import Q

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import NotFound
from jiewang.core.scope import Action, restrict, user_grants

from .models import Bulletin
from .permissions import READERS, may_generate


def bulletin_list(*, user, area_id: int | None = None, period: str | None = None):
    """Every version of the bulletins ``user`` may read, newest period first, then area, then
    newest version; with their files' sizes and hashes (never their bytes)."""
    qs = restrict(Bulletin.objects.all(), user, Action.VIEW)
    if area_id is not None:
        qs = qs.filter(area_id=area_id)
    if period:
        qs = qs.filter(period=period)
    return qs.select_related("area", "generated_by").prefetch_related(
        _files()).order_by("-period", "area__path", "-version")


def _files():
    from django.db.models import Prefetch

    from .models import BulletinFile

    return Prefetch("files", queryset=BulletinFile.objects.defer("content").order_by("format"))


def bulletin_get(*, user, bulletin_id: int) -> Bulletin:
    b = restrict(Bulletin.objects.all(), user, Action.VIEW).filter(pk=bulletin_id).select_related("area").first()
    if b is None:
        raise NotFound("通报不存在 / Bulletin not found.", code="not_found")
    return b


def bulletin_areas(*, user) -> list[Area]:
    """The towns and districts whose bulletins ``user`` reads."""
    qs = Area.objects.filter(level__in=[AreaLevel.DISTRICT, AreaLevel.TOWN], valid_to__isnull=True)
    if not user.is_superuser:
        q = Q(pk__in=[])
        for g in user_grants(user):
            if g.role in READERS:
                q |= Q(path__startswith=g.path)
        qs = qs.filter(q)
    return list(qs.only("id", "name", "code", "level", "path").order_by("path")[:500])


def generatable_areas(*, user) -> list[Area]:
    """Of those, the ones ``user`` may generate now."""
    return [a for a in bulletin_areas(user=user) if may_generate(user, a)]
