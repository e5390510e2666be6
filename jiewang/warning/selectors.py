"""Reads of early warning, each from ``restrict(...)``: outside the user's scope a row does not
exist (404)."""

from __future__ import annotations

from jiewang.core.errors import NotFound
from jiewang.core.scope import Action, restrict

from .choices import AlertState
from .models import Alert, Device, WarningRule

OPEN_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)


def rule_list(*, user, kind: str | None = None):
    qs = restrict(WarningRule.objects.select_related("area"), user, Action.VIEW)
    return qs.filter(kind=kind) if kind else qs


def rule_get(*, user, rule_id: int) -> WarningRule:
    rule = rule_list(user=user).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("规则不存在 / Rule not found.", code="not_found")
    return rule


def alert_list(*, user, state: str | None = None, kind: str | None = None):
    qs = restrict(Alert.objects.select_related("rule", "area", "device", "converted_event"), user, Action.VIEW)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def alert_queue(*, user, under: str = "", limit: int = 20) -> list[Alert]:
    """The command center's queue: open and acknowledged alerts (of the areas under the path
    ``under``), newest first."""
    qs = alert_list(user=user).filter(state__in=OPEN_STATES)
    if under:
        qs = qs.filter(area_path__startswith=under)
    return list(qs[:limit])


def alert_get(*, user, alert_id: int) -> Alert:
    alert = alert_list(user=user).filter(pk=alert_id).first()
    if alert is None:
        raise NotFound("预警不存在 / Alert not found.", code="not_found")
    return alert


def device_list(*, user):
    return restrict(Device.objects.select_related("area"), user, Action.VIEW)
