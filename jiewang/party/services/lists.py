"""The three lists of regional party building (三张清单): needs (需求清单), resources (资源清单) and
projects (项目清单). A need is matched with resources of co-building units as a project; the project
runs, is done with a result and evaluated by residents; the need is then met. Matches are suggested
by category, distance and remaining capacity (:func:`suggest_resources`), and each street reports
how many needs were met, by whom and how fast (:func:`needs_report`)."""

from __future__ import annotations

import datetime as dt
import math
import statistics

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed

from ..choices import NeedCategory, NeedSource, NeedStatus, ProjectStatus, ResourceKind
from ..models import Need, PartyOrg, Project, ProjectResource, Resource
from ..permissions import HANDLERS, KEEPERS
from .common import check_version, ensure_may_add, required


def _choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed("取值不正确 / Invalid value.", code="validation_failed", fields={field: "invalid"})
    return value


@transaction.atomic
def need_create(*, actor, community: Area, title: str, category: str, source: str, description: str = "",
                amount: int = 1, source_ref: str = "") -> Need:
    if community.level != AreaLevel.COMMUNITY:
        raise ValidationFailed("请选择村(社区) / Choose a village or community.", code="party.need_community",
                               fields={"community_id": "level"})
    ensure_may_add(actor, community.path, HANDLERS)
    if not 1 <= int(amount) <= 1_000_000:
        raise ValidationFailed("数量不正确 / Invalid amount.", code="validation_failed", fields={"amount": "range"})
    need = Need.objects.create(
        community=community, area_path=community.path, title=required(title, "title", 100),
        description=(description or "").strip()[:2000], category=_choice(category, NeedCategory, "category"),
        source=_choice(source, NeedSource, "source"), source_ref=(source_ref or "").strip()[:40], amount=amount,
        created_by=actor if getattr(actor, "pk", None) else None, created_at=timezone.now())
    audit_record(actor=actor, action="party_need.create", obj=need, data={"category": category, "source": source})
    return need


@transaction.atomic
def need_close(*, actor, need: Need, reason: str) -> Need:
    """Close a need that will not be met (withdrawn, solved otherwise)."""
    ensure_allowed(actor, Action.CHANGE, need)
    locked = Need.objects.select_for_update().get(pk=need.pk)
    if locked.status not in (NeedStatus.OPEN, NeedStatus.MATCHED):
        raise Conflict("该需求已结束 / The need is no longer open.", code="party.need_closed")
    locked.status, locked.closed_at = NeedStatus.CLOSED, timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    audit_record(actor=actor, action="party_need.close", obj=locked, data={"reason": required(reason, "reason", 200)})
    return locked


@transaction.atomic
def resource_create(*, actor, street: Area, title: str, kind: str, category: str, capacity: int, unit: str = "人次",
                    provider: PartyOrg | None = None, provider_name: str = "", description: str = "",
                    lon: float | None = None, lat: float | None = None, available_from: dt.date | None = None,
                    available_until: dt.date | None = None) -> Resource:
    if street.level != AreaLevel.TOWN:
        raise ValidationFailed("资源登记在镇街 / Resources are listed per town or street.",
                               code="party.resource_street", fields={"street_id": "level"})
    ensure_may_add(actor, street.path, KEEPERS)
    if not 1 <= int(capacity) <= 10_000_000:
        raise ValidationFailed("容量不正确 / Invalid capacity.", code="validation_failed", fields={"capacity": "range"})
    if (lon is None) != (lat is None) or lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationFailed("坐标不正确 / Invalid coordinates.", code="validation_failed", fields={"lon": "invalid"})
    if available_from and available_until and available_until < available_from:
        raise ValidationFailed("结束日期早于开始日期 / Ends before it starts.", code="validation_failed",
                               fields={"available_until": "before_from"})
    resource = Resource.objects.create(
        street=street, area_path=street.path, provider=provider,
        provider_name=required(provider_name or (provider.name if provider else ""), "provider_name", 120),
        title=required(title, "title", 100), kind=_choice(kind, ResourceKind, "kind"),
        category=_choice(category, NeedCategory, "category"), description=(description or "").strip()[:2000],
        capacity=capacity, unit=required(unit, "unit", 12), lon=lon, lat=lat, available_from=available_from,
        available_until=available_until, created_at=timezone.now())
    audit_record(actor=actor, action="party_resource.create", obj=resource,
                 data={"kind": kind, "category": category, "capacity": capacity})
    return resource


def remaining(resource: Resource) -> int:
    used = resource.uses.aggregate(n=Sum("amount"))["n"] or 0
    return resource.capacity - used


def _centre(area: Area) -> tuple[float, float] | None:
    """The middle of the area's bounding box (None when it has no boundary)."""
    if area.min_lon is None:
        return None
    return ((area.min_lon + area.max_lon) / 2, (area.min_lat + area.max_lat) / 2)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km (haversine) between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def suggest_resources(*, need: Need, limit: int = 5, today: dt.date | None = None) -> list[dict]:
    """Resources of the need's street that could meet it: the same category, active, available today
    and with capacity left; nearest first (resources without a location after located ones), then
    the most capacity left. Each: ``{"resource", "remaining", "km"}``."""
    today = today or timezone.localdate()
    street_id = need.community.parent_id
    centre = _centre(need.community)
    rows = []
    for r in Resource.objects.filter(street_id=street_id, category=need.category, active=True).select_related(
            "provider"):
        if (r.available_from and r.available_from > today) or (r.available_until and r.available_until < today):
            continue
        left = remaining(r)
        if left <= 0:
            continue
        km = _km(centre, (r.lon, r.lat)) if centre and r.lon is not None else None
        rows.append({"resource": r, "remaining": left, "km": None if km is None else round(km, 2)})
    rows.sort(key=lambda x: (x["km"] is None, x["km"] or 0, -x["remaining"], x["resource"].pk))
    return rows[:limit]


@transaction.atomic
def project_create(*, actor, need: Need, title: str, owner: str, uses: list[tuple[Resource, int]],
                   plan: str = "") -> Project:
    """Match a need with resources as a project (the need becomes matched). Each resource must be of the
    need's street with enough capacity left; amounts are taken from the capacity."""
    ensure_allowed(actor, Action.CHANGE, need)
    locked = Need.objects.select_for_update().get(pk=need.pk)
    if locked.status not in (NeedStatus.OPEN, NeedStatus.MATCHED):
        raise Conflict("该需求已结束 / The need is no longer open.", code="party.need_closed")
    if not uses:
        raise ValidationFailed("请选择资源 / Choose at least one resource.", code="validation_failed",
                               fields={"uses": "required"})
    for resource, amount in uses:
        Resource.objects.select_for_update().filter(pk=resource.pk).first()
        if resource.street_id != locked.community.parent_id or not resource.active:
            raise ValidationFailed("资源不属于本街道 / The resource is not this street's.", code="party.resource_street",
                                   fields={"uses": resource.pk})
        if not 1 <= amount <= remaining(resource):
            raise Conflict("资源余量不足 / Not enough capacity left.", code="party.resource_capacity",
                           fields={"resource_id": resource.pk, "remaining": remaining(resource)})
    project = Project.objects.create(need=locked, area_path=locked.area_path, title=required(title, "title", 100),
                                     owner=required(owner, "owner", 60), plan=(plan or "").strip()[:4000],
                                     created_by=actor if getattr(actor, "pk", None) else None,
                                     created_at=timezone.now())
    ProjectResource.objects.bulk_create([ProjectResource(project=project, resource=r, amount=a) for r, a in uses])
    if locked.status == NeedStatus.OPEN:
        locked.status, locked.matched_at = NeedStatus.MATCHED, project.created_at
        locked.save(update_fields=["status", "matched_at"])
    audit_record(actor=actor, action="party_project.create", obj=project,
                 data={"need": locked.pk, "uses": [[r.pk, a] for r, a in uses]})
    return project


MOVES = {  # move: (from statuses, to status, stamp)
    "start": ((ProjectStatus.PLANNED,), ProjectStatus.RUNNING, "started_at"),
    "complete": ((ProjectStatus.PLANNED, ProjectStatus.RUNNING), ProjectStatus.DONE, "done_at"),
    "evaluate": ((ProjectStatus.DONE,), ProjectStatus.EVALUATED, "evaluated_at"),
}


@transaction.atomic
def project_update(*, actor, project: Project, move: str | None = None, expected_version: int | None = None,
                   progress: int | None = None, result: str = "", rating: int | None = None,
                   evaluation: str = "") -> Project:
    """Report progress, start, complete (with the result: the need is met) or record the residents'
    evaluation (rating 1–5) of a project."""
    ensure_allowed(actor, Action.CHANGE, project)
    locked = Project.objects.select_for_update().get(pk=project.pk)
    check_version(locked, expected_version, "party.project_stale")
    now = timezone.now()
    fields = {"version"}
    if progress is not None:
        if not 0 <= progress <= 100 or locked.status in (ProjectStatus.DONE, ProjectStatus.EVALUATED):
            raise ValidationFailed("进度为0到100 / Progress is 0 to 100.", code="validation_failed",
                                   fields={"progress": "range"})
        locked.progress = progress
        fields.add("progress")
    if move is not None:
        if move not in MOVES:
            raise ValidationFailed("未知操作 / Unknown action.", code="validation_failed", fields={"move": "invalid"})
        sources, target, stamp = MOVES[move]
        if locked.status not in sources:
            raise Conflict("当前状态不能执行此操作 / Not allowed in this state.", code="party.project_transition",
                           fields={"status": locked.status})
        if move == "complete":
            locked.result, locked.progress = required(result, "result", 4000), 100
            fields |= {"result", "progress"}
        if move == "evaluate":
            if rating is None or not 1 <= rating <= 5:
                raise ValidationFailed("评分为1到5分 / A rating is 1 to 5.", code="validation_failed",
                                       fields={"rating": "range"})
            locked.rating, locked.evaluation = rating, (evaluation or "").strip()[:300]
            fields |= {"rating", "evaluation"}
        locked.status = target
        setattr(locked, stamp, now)
        fields |= {"status", stamp}
    locked.version += 1
    locked.save(update_fields=sorted(fields))
    if move == "complete":
        Need.objects.filter(pk=locked.need_id, status__in=[NeedStatus.OPEN, NeedStatus.MATCHED]).update(
            status=NeedStatus.MET, met_at=now)
    audit_record(actor=actor, action=f"party_project.{move or 'progress'}", obj=locked,
                 data={"progress": locked.progress, "status": locked.status})
    return locked


def needs_report(*, street: Area, since: dt.date | None = None, until: dt.date | None = None) -> dict:
    """Per street: needs listed, matched, met, closed and open; who met them (providers by needs met);
    how fast (days from listing to met: mean and median)."""
    qs = Need.objects.filter(area_path__startswith=street.path)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    needs = list(qs)
    met = [n for n in needs if n.status == NeedStatus.MET]
    days = [(n.met_at - n.created_at).total_seconds() / 86400 for n in met]
    by_provider: dict[str, int] = {}
    for name, _need_id in ProjectResource.objects.filter(
            project__need__in=met, project__status__in=[ProjectStatus.DONE, ProjectStatus.EVALUATED]
    ).values_list("resource__provider_name", "project__need_id").distinct():
        by_provider[name] = by_provider.get(name, 0) + 1
    count = lambda s: sum(1 for n in needs if n.status == s)  # noqa: E731
    return {
        "needs": len(needs), "matched": sum(1 for n in needs if n.matched_at is not None), "met": len(met),
        "closed": count(NeedStatus.CLOSED), "open": count(NeedStatus.OPEN),
        "rate": round(len(met) / len(needs), 4) if needs else None,
        "mean_days": round(statistics.fmean(days), 2) if days else None,
        "median_days": round(statistics.median(days), 2) if days else None,
        "by_provider": dict(sorted(by_provider.items(), key=lambda kv: (-kv[1], kv[0]))),
    }
