"""The town command center's duty (值班): the roster, the alarms of urgent events, the duty log
and the handover between shifts.

A shift is one calendar day (Asia/Shanghai) of one town: a duty leader (值班长, or a leader who
takes the duty) and operators (值班员), all holding a town-level role in that town.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import AlarmSeverity, AlarmStage, AlarmState


class DutyDay(models.Model):
    """One day of a town's duty roster (值班表): who leads the duty and who operates the center.
    Written only by :func:`jiewang.duty.services.roster.duty_day_set` (today up to
    ``DUTY_ROSTER_DAYS_AHEAD`` days ahead; a past day is history and stays as it was)."""

    town = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="duty_days")
    date = models.DateField(_("date"))
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("duty leader"))
    operators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                       verbose_name=_("operators"))
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("duty day")
        verbose_name_plural = _("duty roster")
        ordering = ["town", "date"]
        constraints = [models.UniqueConstraint(fields=["town", "date"], name="dutyday_unique_town_date")]

    def __str__(self):
        return f"{self.town.name} {self.date:%Y-%m-%d}"


class Alarm(models.Model):
    """An urgent or major event's alarm (告警) to the town's duty: raised at intake to the day's
    duty leader and the commander, with a response clock. Acknowledging stops it; unanswered it
    climbs to the commander, then to the district, each rung once (a conditional UPDATE on
    ``stage``). One per event."""

    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, related_name="duty_alarm")
    town = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="duty_alarms")
    severity = models.CharField(_("severity"), max_length=8, choices=AlarmSeverity.choices)
    state = models.CharField(_("state"), max_length=12, choices=AlarmState.choices, default=AlarmState.OPEN)
    stage = models.PositiveSmallIntegerField(_("stage"), choices=AlarmStage.choices, default=AlarmStage.RAISED)
    raised_at = models.DateTimeField(_("raised at"))
    respond_by = models.DateTimeField(_("respond by"))
    # When the next rung fires while nobody acknowledges (None: no rung left, or answered).
    next_step_at = models.DateTimeField(null=True, blank=True)
    duty_leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("duty leader"))
    notified = models.JSONField(default=list, blank=True)  # [{"user": id, "stage": n}] who was told at each rung
    escalated_commander_at = models.DateTimeField(null=True, blank=True)
    escalated_district_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["state", "next_step_at"], name="alarm_due_idx"),
                   models.Index(fields=["town", "state"], name="alarm_town_state_idx")]

    def __str__(self):
        return f"{self.get_severity_display()} · {self.event_id}"


class DutyLogEntry(models.Model):
    """A line of the duty log (值班日志) written by someone on duty that day: a call, a visit, what
    was done. Append-only."""

    town = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="duty_log")
    date = models.DateField(_("date"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    body = models.TextField(_("entry"))
    event = models.ForeignKey("events.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("duty log entry")
        verbose_name_plural = _("duty log")
        ordering = ["town", "date", "at", "id"]
        indexes = [models.Index(fields=["town", "date"], name="dutylog_town_date_idx")]

    def __str__(self):
        return f"{self.town_id} {self.date} #{self.pk}"


class DutyHandover(models.Model):
    """The handover (交接班) from one day's duty to the next: the outgoing leader writes it, the
    incoming one (the next day's leader on the roster) confirms it. One per town and day."""

    town = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="duty_handovers")
    date = models.DateField(_("outgoing day"))
    outgoing = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(_("handover"))
    written_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirm_note = models.CharField(_("note"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["town", "date"]
        constraints = [models.UniqueConstraint(fields=["town", "date"], name="dutyhandover_unique_town_date")]

    def __str__(self):
        return f"{self.town_id} {self.date}"
