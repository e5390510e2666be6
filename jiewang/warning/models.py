"""Early warning (感知预警): rules kept as data, the alerts they raise, and the sensing devices
whose readings feed them.

A :class:`WarningRule` applies to an area's subtree (a district's or a town's); its ``kind`` says
what it watches and ``params`` its thresholds (validated by ``services.rules.clean_params``). The
worker (``warning.evaluate``) reads new events and readings past a high-water mark
(:class:`WarningCursor`) and raises an :class:`Alert` when a rule fires: one per rule × area ×
window key (a unique constraint), so evaluating the same rows again raises nothing new.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import AlertState, ReadingKind, RuleKind


class WarningRule(models.Model):
    """One early-warning rule over an area's subtree. Edited only through
    ``services.rules`` (district administrators and town leaders, audited, optimistic ``version``)."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=RuleKind.choices)
    name = models.CharField(_("name"), max_length=100)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("warning rule")
        verbose_name_plural = _("warning rules")
        ordering = ["area_path", "kind", "id"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class Device(models.Model):
    """A sensing device (感知设备: water gauge, smoke or gas detector, thermometer) bound to an area
    and a point. It posts readings with its key in ``X-Device-Key``; only the key's SHA-256 is kept."""

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    prefix = models.CharField(_("key prefix"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sensing device")
        verbose_name_plural = _("sensing devices")
        ordering = ["area_path", "name", "id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class SensorReading(models.Model):
    """One reading a device sent (append-only)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="readings")
    kind = models.CharField(max_length=16, choices=ReadingKind.choices)
    value = models.FloatField()
    measured_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sensor reading")
        verbose_name_plural = _("sensor readings")
        indexes = [models.Index(fields=["device", "measured_at"], name="reading_device_time_idx")]

    def __str__(self):
        return f"{self.device_id} {self.kind}={self.value:g} @ {self.measured_at:%Y-%m-%d %H:%M}"


# What each evaluation mark follows, by name (the admin shows these).
CURSOR_NAMES = {"events": _("Events"), "readings": _("Sensor readings")}


class WarningCursor(models.Model):
    """The high-water mark of the evaluation: the last event / reading id evaluated, and the ids
    below it that were missing when it moved (``gaps``: ``[[id, first seen (epoch s)], …]``): on
    PostgreSQL a lower id may commit after a higher one, so a missing id is looked for again on
    every run for ``engine.GAP_SECONDS`` before it counts as a rolled-back insert."""

    name = models.CharField(max_length=16, unique=True)
    last_id = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evaluation mark")
        verbose_name_plural = _("evaluation marks")

    def __str__(self):
        return f"{CURSOR_NAMES.get(self.name, self.name)} > {self.last_id}"


class Alert(models.Model):
    """An alert (预警) raised by a rule: open → acknowledged → converted (into an event or a
    supervision task) or dismissed. One per rule × area × window key."""

    rule = models.ForeignKey(WarningRule, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=12, choices=RuleKind.choices)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    area_path = models.CharField(max_length=255, editable=False)
    window_key = models.CharField(max_length=64)
    state = models.CharField(_("state"), max_length=12, choices=AlertState.choices, default=AlertState.OPEN)
    title = models.CharField(_("title"), max_length=120)
    detail = models.JSONField(default=dict, blank=True)  # what fired: counts, words, grids, value …
    event_ids = models.JSONField(default=list, blank=True)  # the events that made it fire
    category = models.ForeignKey("events.MatterCategory", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    department = models.ForeignKey("accounts.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    post = models.ForeignKey("accounts.Post", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts")
    raised_at = models.DateTimeField(default=timezone.now)
    # The moment of the data that fired it (the last event's report time, the reading's time).
    observed_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    converted_event = models.ForeignKey("events.Event", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "area", "window_key"], name="alert_unique_window")]
        indexes = [models.Index(fields=["area_path", "state"], name="alert_scope_state_idx"),
                   models.Index(fields=["rule", "area", "observed_at"], name="alert_rule_area_time_idx")]

    def __str__(self):
        return f"{self.title} ({self.state})"
