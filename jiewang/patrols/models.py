"""Patrols and visits (巡查走访): the grid's regular rounds, kept as data.

* :class:`PatrolRule` — what a grid is asked to do (巡查规则): patrol every working day, check in
  at every building once a week, visit every household once a month. Rules are rows per grid so
  that places differ as they really do; coverage compares the work done with them.
* :class:`Patrol` — one round of a grid worker (巡查): started on the phone, its GPS track
  (:class:`TrackPoint`, uploaded in batches, :class:`TrackBatch` remembering each batch's client
  id so a batch sent twice is stored once), its check-ins (:class:`CheckIn`, 打卡: time, place,
  photo), ended by the worker. A point or check-in outside the worker's grid beyond
  ``PATROL_OUTSIDE_TOLERANCE_M`` metres is flagged (``outside``).
* :class:`Visit` — a visit log (走访记录) of a household or a key person (see ``visits.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import PatrolRuleKind, PatrolStatus, RuleUnit, VisitSubject


class PatrolRule(models.Model):
    """One rule of a grid (巡查规则): ``kind`` at least once every ``every`` ``unit``. Kept by the
    community's staff and the town (``services.rules``, audited, optimistic ``version``)."""

    grid = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=PatrolRuleKind.choices)
    every = models.PositiveSmallIntegerField(_("every"), default=1)
    unit = models.CharField(_("unit"), max_length=12, choices=RuleUnit.choices)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("patrol rule")
        verbose_name_plural = _("patrol rules")
        ordering = ["area_path", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "kind"], condition=Q(is_active=True),
                                    name="patrolrule_one_active_kind_per_grid"),
            models.CheckConstraint(condition=Q(every__gte=1), name="patrolrule_every_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} / {self.every} {self.get_unit_display()}"


class Patrol(models.Model):
    """One patrol (巡查) of a grid by a grid worker. The counters (points, flagged points,
    distance) are kept by the track ingestion so that pages never count the track."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols",
                               verbose_name=_("grid worker"))
    grid = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    status = models.CharField(_("status"), max_length=8, choices=PatrolStatus.choices, default=PatrolStatus.ONGOING)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    day = models.DateField(_("day"), help_text="the local date it started on (coverage counts days)")
    point_count = models.PositiveIntegerField(_("points"), default=0)
    outside_count = models.PositiveIntegerField(_("points outside the grid"), default=0)
    distance_m = models.FloatField(_("distance (m)"), default=0.0)
    last_lon = models.FloatField(null=True, blank=True, editable=False)
    last_lat = models.FloatField(null=True, blank=True, editable=False)
    last_point_at = models.DateTimeField(null=True, blank=True, editable=False)
    client_id = models.CharField(max_length=64, blank=True, default="", editable=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["worker", "-started_at"]), models.Index(fields=["grid", "day"])]
        constraints = [
            models.UniqueConstraint(fields=["worker"], condition=Q(status="ongoing"),
                                    name="patrol_one_ongoing_per_worker"),
            models.UniqueConstraint(fields=["worker", "client_id"], condition=~Q(client_id=""),
                                    name="patrol_unique_client_id"),
        ]

    def __str__(self):
        return f"{self.grid_id} {self.worker_id} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"


class TrackBatch(models.Model):
    """One batch of track points as the phone sent it. ``client_id`` (a UUID the phone made when
    it recorded the batch) is unique per patrol: a batch that arrives twice (a retry after a lost
    answer, the outbox sending again) is stored once."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="batches")
    client_id = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)
    point_count = models.PositiveIntegerField(default=0)
    outside_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("track batch")
        verbose_name_plural = _("track batches")
        constraints = [models.UniqueConstraint(fields=["patrol", "client_id"], name="trackbatch_unique_client_id")]

    def __str__(self):
        return f"{self.patrol_id}/{self.client_id}"


class TrackPoint(models.Model):
    """One GPS fix of a patrol's track (WGS84), append-only: the largest write stream of the
    system (~60 M points a day at Chongqing's scale), written in bulk by ``services.track``."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(TrackBatch, on_delete=models.CASCADE, related_name="+", db_index=False)
    recorded_at = models.DateTimeField()
    lon = models.FloatField()
    lat = models.FloatField()
    accuracy_m = models.FloatField(null=True, blank=True)
    outside = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("track point")
        verbose_name_plural = _("track points")
        indexes = [models.Index(fields=["patrol", "recorded_at"])]

    def __str__(self):
        return f"{self.patrol_id} {self.lon:.6f},{self.lat:.6f}"


class CheckIn(models.Model):
    """A check-in (打卡) during a patrol: a time, a place, optionally a photo and the building
    (standard address) it was made at; flagged when outside the grid beyond the tolerance."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="checkins")
    client_id = models.CharField(max_length=64)
    at = models.DateTimeField(_("time"))
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    # The building (楼栋) checked: one of the patrol's grid (services.patrols.checkin_add); counted
    # by the "every building once a week" rule in coverage.
    building = models.ForeignKey("basedata.Building", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("building"))
    outside = models.BooleanField(_("outside the grid"), default=False)
    outside_m = models.FloatField(_("distance outside (m)"), null=True, blank=True)
    photo = models.FileField(upload_to="patrols/%Y/%m/", blank=True, default="")
    photo_sha256 = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["patrol", "at"]
        indexes = [models.Index(fields=["building", "at"])]
        constraints = [models.UniqueConstraint(fields=["patrol", "client_id"], name="checkin_unique_client_id")]

    def __str__(self):
        return f"{self.patrol_id} {timezone.localtime(self.at):%H:%M}"


class Visit(models.Model):
    """A visit log (走访记录) of a household (住户) or a key person (重点人员): what was found, what
    they need, the follow-up promised (with a date). A key person's visit is made at their house,
    so it counts for the household too. A problem found becomes an event in one tap
    (``services.visits.visit_report_event``): the event is linked here (``event``) and carries the
    visit's place, person and findings."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits",
                               verbose_name=_("grid worker"))
    grid = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    subject = models.CharField(_("visited"), max_length=12, choices=VisitSubject.choices)
    house = models.ForeignKey("basedata.House", on_delete=models.PROTECT, related_name="+", verbose_name=_("house"))
    key_person = models.ForeignKey("basedata.KeyPerson", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("key person"))
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now)
    findings = models.TextField(_("what was found"), max_length=2000, blank=True, default="")
    needs = models.TextField(_("needs"), max_length=1000, blank=True, default="")
    follow_up = models.TextField(_("follow-up"), max_length=1000, blank=True, default="")
    follow_up_due = models.DateField(_("follow up by"), null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    event = models.ForeignKey("events.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("event reported"))
    client_id = models.CharField(max_length=64, blank=True, default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["grid", "visited_at"]), models.Index(fields=["house", "visited_at"]),
                   models.Index(fields=["key_person", "visited_at"])]
        constraints = [
            models.UniqueConstraint(fields=["worker", "client_id"], condition=~Q(client_id=""),
                                    name="visit_unique_client_id"),
            models.CheckConstraint(condition=Q(subject="household") | Q(key_person__isnull=False),
                                   name="visit_key_person_named"),
        ]

    def __str__(self):
        return f"{self.get_subject_display()} {self.house_id} {timezone.localtime(self.visited_at):%Y-%m-%d}"
