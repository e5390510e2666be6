"""HTTP API of early warning: ``/api/warnings/…`` (rules, alerts, devices; the session's user,
scoped as everywhere) and ``/api/devices/readings`` (a device posting readings with its key)."""

from __future__ import annotations

from ninja import Header, Query, Router, Schema, Status

from jiewang.areas.selectors import area_or_404
from jiewang.core.errors import NotFound, declares_errors
from jiewang.core.schema_types import DbId

from . import selectors
from .choices import AlertState, RuleKind
from .schemas import (AlertOut, ConvertIn, DeviceActiveIn, DeviceCreatedOut, DeviceIn, DeviceOut, NoteIn,
                      ReadingsIn, ReadingsOut, RuleIn, RuleOut, RuleUpdateIn, alert_out, device_out, rule_out)
from .services import alerts as alert_svc
from .services import devices as device_svc
from .services import rules as rule_svc

router = Router(tags=["warnings"])
device_router = Router(tags=["warnings"])



class RuleQuery(Schema):
    kind: RuleKind | None = None


@router.get("/rules", response=list[RuleOut], summary="预警规则: the rules over the areas in scope")
def rules(request, q: Query[RuleQuery]):
    return [rule_out(r) for r in selectors.rule_list(user=request.user, kind=q.kind)[:500]]


@router.post("/rules", response={201: RuleOut}, summary="Create a rule (district admins, town leaders)")
def rule_create(request, payload: RuleIn):
    rule = rule_svc.rule_create(actor=request.user, area=area_or_404(payload.area_id), kind=payload.kind,
                                name=payload.name, params=payload.params, enabled=payload.enabled)
    return Status(201, rule_out(rule))


@router.get("/rules/{int:rule_id}", response=RuleOut, summary="One rule")
def rule(request, rule_id: DbId):
    return rule_out(selectors.rule_get(user=request.user, rule_id=rule_id))


@router.put("/rules/{int:rule_id}", response=RuleOut, summary="Edit, enable or disable a rule")
def rule_update(request, rule_id: DbId, payload: RuleUpdateIn):
    rule = selectors.rule_get(user=request.user, rule_id=rule_id)
    rule = rule_svc.rule_update(actor=request.user, rule=rule, expected_version=payload.expected_version,
                                name=payload.name, params=payload.params, enabled=payload.enabled)
    return rule_out(rule)


class AlertQuery(Schema):
    state: AlertState | None = None
    kind: RuleKind | None = None


@router.get("/alerts", response=list[AlertOut], summary="预警: the alerts of the areas in scope (newest first)")
def alerts(request, q: Query[AlertQuery]):
    return [alert_out(a) for a in selectors.alert_list(user=request.user, state=q.state, kind=q.kind)[:200]]


@router.get("/alerts/{int:alert_id}", response=AlertOut, summary="One alert")
def alert(request, alert_id: DbId):
    return alert_out(selectors.alert_get(user=request.user, alert_id=alert_id))


@router.post("/alerts/{int:alert_id}/acknowledge", response=AlertOut, summary="确认: acknowledge an alert")
def alert_acknowledge(request, alert_id: DbId, payload: NoteIn):
    a = selectors.alert_get(user=request.user, alert_id=alert_id)
    return alert_out(alert_svc.alert_acknowledge(actor=request.user, alert=a, note=payload.note))


@router.post("/alerts/{int:alert_id}/convert", response=AlertOut,
             summary="转办: convert an alert into an event or a supervision task (催办)")
def alert_convert(request, alert_id: DbId, payload: ConvertIn):
    a = selectors.alert_get(user=request.user, alert_id=alert_id)
    return alert_out(alert_svc.alert_convert(actor=request.user, alert=a, to=payload.to, note=payload.note))


@router.post("/alerts/{int:alert_id}/dismiss", response=AlertOut, summary="忽略: dismiss an alert with a reason")
def alert_dismiss(request, alert_id: DbId, payload: NoteIn):
    a = selectors.alert_get(user=request.user, alert_id=alert_id)
    return alert_out(alert_svc.alert_dismiss(actor=request.user, alert=a, note=payload.note))


@router.get("/devices", response=list[DeviceOut], summary="感知设备: the devices of the areas in scope")
def devices(request):
    return [device_out(d) for d in selectors.device_list(user=request.user)[:500]]


@router.post("/devices", response={201: DeviceCreatedOut}, summary="Register a device (its key is shown once)")
def device_create(request, payload: DeviceIn):
    device, key = device_svc.device_create(actor=request.user, area=area_or_404(payload.area_id), name=payload.name,
                                           lon=payload.lon, lat=payload.lat)
    return Status(201, {**device_out(device), "key": key})


@router.put("/devices/{int:device_id}", response=DeviceOut, summary="Activate or deactivate a device")
def device_set_active(request, device_id: DbId, payload: DeviceActiveIn):
    device = selectors.device_list(user=request.user).filter(pk=device_id).first()
    if device is None:
        raise NotFound("设备不存在 / Device not found.", code="not_found")
    return device_out(device_svc.device_set_active(actor=request.user, device=device, active=payload.active))


@device_router.post("/readings", auth=None, response={201: ReadingsOut},
                    summary="A device posts a batch of readings (X-Device-Key)")
@declares_errors(401, 403)
def readings(request, payload: ReadingsIn, x_device_key: str | None = Header(None, alias="X-Device-Key")):
    device = device_svc.device_for_key(x_device_key)
    stored = device_svc.readings_ingest(device=device, readings=[r.model_dump() for r in payload.readings])
    return Status(201, {"stored": stored})
