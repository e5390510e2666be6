"""Events and what hangs off them: the matter catalog, the event itself, its activity timeline,
photos, the per-town number sequence, and the deadline clocks.

An event (事件) is one problem in the closed loop "网格上报 → 中心流转 → 板块办理 → 分析问效":
reported from some channel, located in a grid, accepted or voided, handled in the grid or
dispatched, fed back, verified, closed and rated. Each state keeps its own timestamp on the event
(metrics read those) and every change appends an :class:`EventActivity` (the timeline reads
those). Only :func:`jiewang.events.services.transition.event_transition` writes ``status``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiewang.accounts.choices import BoardKind
from jiewang.core.crypto import BlindIndexField, EncryptedTextField

from .choices import (EventChannel, EventSource, EventStatus, HandlingLevel, LocationStatus, PhotoKind,
                      Satisfaction, Urgency)


class MatterCategory(models.Model):
    """A kind of matter (事项清单 entry) such as 占道经营 or 邻里纠纷, in a tree under the four
    boards. It says who may close such an event on their own, whom to route it to, how long each
    step may take (per urgency), which extra fields a report carries (→ Open311 attributes), and
    whether a grid may handle it itself (网格自治)."""

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    board_kind = models.CharField(_("board"), max_length=24, choices=BoardKind.choices)
    description = models.TextField(_("description"), blank=True, default="")
    keywords = models.CharField(_("keywords"), max_length=200, blank=True, default="")
    closable_level = models.CharField(_("lowest level that may close it"), max_length=16,
                                      choices=HandlingLevel.choices, default=HandlingLevel.TOWN)
    grid_may_self_handle = models.BooleanField(_("grid may handle it itself"), default=False)
    # Department codes (Department.code, the same across districts) that lead by default; the
    # first leads, the others assist.
    default_department_codes = models.JSONField(_("default departments"), default=list, blank=True)
    # The post (岗位/站所, by name) of the event's town proposed first as the lead when the command
    # center dispatches; the departments come second (jiewang.accounts.board_seed.DEPARTMENT_POST).
    default_post_name = models.CharField(_("default post"), max_length=64, blank=True, default="")
    # {"normal": {"accept": [2, "working_hours"], "handle": [3, "working_days"], "verify": [1,
    # "working_days"]}, "urgent": {...}, "emergency": {...}}; urgencies without an entry fall back
    # to "normal".
    deadlines = models.JSONField(_("deadlines"), default=dict, blank=True)
    # Open311 service-definition attributes: [{"code", "datatype", "description", "required",
    # "values": [{"key", "name"}], "order"}]
    attributes = models.JSONField(_("extra fields"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(default=0)
    # Moves on every edit: processes holding a copy of the catalog (intake) see that it changed.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("matter category")
        verbose_name_plural = _("matter categories")
        ordering = ["board_kind", "order", "code"]

    def __str__(self):
        return self.name


class EventNumberSequence(models.Model):
    """The counter behind readable event numbers: one row per town and year, incremented under a
    row lock so that two reports never get the same number."""

    town = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+",
                             db_index=False)  # indexed by the unique (town, year)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["town", "year"], name="event_seq_unique")]
        verbose_name = _("event number sequence")
        verbose_name_plural = _("event number sequences")

    def __str__(self):
        return f"{self.town_id}/{self.year}: {self.last}"


class Event(models.Model):
    """One problem reported into the closed loop. See the module docstring."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=EventStatus.choices,
                              default=EventStatus.REPORTED)  # indexed by (status, due_at)
    level = models.CharField(_("handling level"), max_length=16, choices=HandlingLevel.choices,
                             default=HandlingLevel.GRID)
    version = models.PositiveIntegerField(default=1)

    # Where: the grid at report time is kept for ever (never rewritten by later grid adjustments).
    # Indexed by (town, status); the FK's own index would be a second copy of its leading column
    # to keep up on every insert.
    town = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", db_index=False)
    community = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    # "unplaced" (待定位): reported by address only, no point yet; held by the town's command
    # center (area_path = the town's path) until an operator places it (events.services.placing).
    location_status = models.CharField(_("location"), max_length=12, choices=LocationStatus.choices,
                                       default=LocationStatus.LOCATED)

    # What
    category = models.ForeignKey(MatterCategory, on_delete=models.PROTECT, related_name="events",
                                 db_index=False)  # indexed by (category, reported_at)
    board_kind = models.CharField(_("board"), max_length=24, choices=BoardKind.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000, blank=True, default="")
    attributes = models.JSONField(default=dict, blank=True)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    channel = models.CharField(_("channel"), max_length=16, choices=EventChannel.choices)
    source = models.CharField(_("source"), max_length=16, choices=EventSource.choices, default=EventSource.COMPLAINT)

    # Who
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="reported_events")
    reporter_name = models.CharField(max_length=64, blank=True, default="")
    reporter_phone = EncryptedTextField(blank=True, default="")
    # The phone's keyed hash: a resident who proves the phone by a one-time code finds their
    # reports by it ("我的反映", events.services.reporter_codes); the phone stays encrypted.
    reporter_phone_index = BlindIndexField(source="reporter_phone")
    # Unique when given (a partial index: reports without a key add no index entry).
    idempotency_key = models.CharField(max_length=80, null=True, blank=True)  # noqa: DJ001 - NULL: not indexed
    # A secret given to an anonymous reporter so they can follow and rate their report without an
    # account (only its SHA-256 is stored).
    track_token_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    external_number = models.CharField(_("hotline number"), max_length=64, blank=True, default="")
    external_due_at = models.DateTimeField(null=True, blank=True)
    # Indexed only where set (event_duplicate_of_idx): nearly every event is no one's duplicate.
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, db_index=False,
                                     related_name="duplicates")

    # Each state keeps its own timestamp.
    reported_at = models.DateTimeField(default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    handling_at = models.DateTimeField(null=True, blank=True)
    shelved_at = models.DateTimeField(null=True, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    # The current handling deadline (denormalized from the open Deadline rows for lists).
    due_at = models.DateTimeField(null=True, blank=True)
    is_overdue = models.BooleanField(default=False)
    rework_count = models.PositiveSmallIntegerField(default=0)
    escalation_count = models.PositiveSmallIntegerField(default=0)

    # Return visit (回访) / rating: the inputs of the 12345 "三率".
    contacted = models.BooleanField(null=True, blank=True)
    resolved = models.BooleanField(null=True, blank=True)
    satisfaction = models.CharField(max_length=16, choices=Satisfaction.choices, blank=True, default="")

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["town", "status"]),
            models.Index(fields=["category", "reported_at"]),
            models.Index(fields=["reporter_phone_index"], condition=~Q(reporter_phone_index=""),
                         name="event_reporter_phone_idx"),
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["duplicate_of"], condition=Q(duplicate_of__isnull=False),
                         name="event_duplicate_of_idx"),
            # The public listing, newest first (Open311 GET requests): events of the public
            # channels that are not voided. The condition is open311.selectors.VISIBLE_SQL's
            # (a test holds them equal).
            models.Index(fields=["reported_at", "id"], name="event_public_recent_idx",
                         condition=Q(channel__in=["resident_web", "open311", "hotline"]) & ~Q(status="voided")),
            # A period's events (the assessment's frame, reports): closed in it, accepted in it,
            # reported on patrol in it — with (status, due_at) for those open at its end, one
            # index per term of the frame's OR (a multi-index OR, not a scan of every event).
            models.Index(fields=["closed_at"], name="event_closed_at_idx"),
            models.Index(fields=["accepted_at"], name="event_accepted_at_idx"),
            models.Index(fields=["reported_at"], name="event_reported_at_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], condition=Q(idempotency_key__isnull=False),
                                    name="event_idempotency_key_unique"),
            models.CheckConstraint(condition=~Q(status=EventStatus.VOIDED) | Q(voided_at__isnull=False),
                                   name="event_voided_has_time"),
            models.CheckConstraint(condition=~Q(status__in=[EventStatus.CLOSED, EventStatus.RATED])
                                   | Q(closed_at__isnull=False), name="event_closed_has_time"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"


class EventActivity(models.Model):
    """One line of an event's timeline: who did what, when, in which role, with which comment.
    Append-only; written by services in the same transaction as the change."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="activities",
                              db_index=False)  # indexed by (event, at)
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True, default="")
    to_status = models.CharField(max_length=16, blank=True, default="")
    # Not indexed: nothing reads the timeline by actor, and every report and move would keep the
    # index up; deleting a user (people are deactivated, not deleted) scans the table instead.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", db_index=False)
    actor_role = models.CharField(max_length=24, blank=True, default="")
    comment = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("event activity")
        verbose_name_plural = _("event activities")
        ordering = ["event", "at", "id"]
        indexes = [
            models.Index(fields=["event", "at"]),
            # A period's return visits and ratings (the assessment's satisfaction and 12345 rates):
            # partial, so the other steps of the timeline keep no entry in it.
            models.Index(fields=["at"], name="activity_rating_at_idx", condition=Q(action__in=["visit", "rate"])),
        ]

    def __str__(self):
        status = EventStatus(self.to_status).label if self.to_status in EventStatus.values else ""
        return f"{self.event_id} {status} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class ChecklistItem(models.Model):
    """One item of a task's checklist (交办任务清单): what the command center (or a board leader)
    asks the village/community or grid to do; the handler ticks the items it did when it feeds
    back, and the sender sees which are done when it verifies."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checklist")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("item"), max_length=200)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["event", "order", "id"]

    def __str__(self):
        return self.text


class EventPhoto(models.Model):
    """A photo attached to an event at some step (report, before/after, feedback, verification),
    stored through Django storage, with the EXIF time and position it carried."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=16, choices=PhotoKind.choices)
    file = models.FileField(upload_to="events/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    taken_at = models.DateTimeField(null=True, blank=True)
    taken_lon = models.FloatField(null=True, blank=True)
    taken_lat = models.FloatField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")
        ordering = ["event", "uploaded_at"]

    def __str__(self):
        return f"{self.event_id} {self.get_kind_display()} {self.sha256[:12]}"


class DeadlineKind(models.TextChoices):
    ACCEPT = "accept", _("Accept")  # 受理时限
    DISPATCH_SIGN = "sign", _("Sign for")  # 签收时限
    HANDLE = "handle", _("Handle")  # 办理时限
    REPORT_IN = "report_in", _("Report in")  # 报到时限
    VERIFY = "verify", _("Verify")  # 核查时限
    RATE = "rate", _("Rating window")  # 评价期限
    SUPERVISE = "supervise", _("Supervision")  # 督办时限


class DeadlineState(models.TextChoices):
    RUNNING = "running", _("Running")
    WARNED = "warned", _("Warned")
    OVERDUE = "overdue", _("Overdue")
    PAUSED = "paused", _("Paused")  # 暂停计时 (a shelved event)
    MET = "met", _("Met")
    CANCELLED = "cancelled", _("Cancelled")


class ClockSubject(models.TextChoices):
    """What a clock is about beyond its event (blank: the event itself)."""

    EVENT = "", _("The event")
    ASSIGNMENT = "assignment", _("Assignment")
    SUMMONS = "summons", _("Whistle summons")


class Deadline(models.Model):
    """One clock: a step that must happen by ``due_at``. The worker sweeps running clocks, warns
    at ``warn_at``, marks them overdue at ``due_at`` and climbs the supervision ladder (催办 →
    督办 → escalation). Each move is a conditional UPDATE on ``state``/``stage``, so it happens
    exactly once even when the worker is killed and restarted mid-sweep."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(max_length=16, choices=DeadlineKind.choices)
    # What the clock is about beyond the event, as typed fields: an assignment or a summons of the
    # dispatching app (a plain id, since events may not depend on dispatching), or blank.
    subject_type = models.CharField(max_length=12, choices=ClockSubject.choices, blank=True, default="")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    # The unit the limit was given in (working or calendar time): a paused clock resumes with its
    # remaining time counted in the same unit.
    unit = models.CharField(max_length=16, default="working_hours")
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=DeadlineState.choices, default=DeadlineState.RUNNING)
    # 0 none, 1 reminded (催办), 2 supervised (督办), 3 escalated
    stage = models.PositiveSmallIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    remaining = models.DurationField(null=True, blank=True)  # what was left when paused

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        indexes = [
            models.Index(fields=["state", "warn_at"], name="deadline_warn_idx"),
            models.Index(fields=["state", "due_at"], name="deadline_due_idx"),
            # A period's clocks of one kind (the assessment's sign-for clocks of a month).
            models.Index(fields=["kind", "started_at"], name="deadline_kind_started_idx"),
            # Only clocks with a supervision step ahead (overdue ones): new clocks add no entry.
            models.Index(fields=["state", "stage", "next_step_at"], name="deadline_ladder_idx",
                         condition=Q(next_step_at__isnull=False)),
        ]
        constraints = [
            # At most one open (or paused) clock of a kind per event, and per subject.
            models.UniqueConstraint(fields=["event", "kind"],
                                    condition=Q(state__in=["running", "warned", "overdue", "paused"],
                                                subject_type=""),
                                    name="deadline_one_open_per_event"),
            models.UniqueConstraint(fields=["subject_type", "subject_id", "kind"],
                                    condition=Q(state__in=["running", "warned", "overdue", "paused"])
                                    & ~Q(subject_type=""),
                                    name="deadline_open_per_subject"),
            models.CheckConstraint(condition=Q(subject_type="", subject_id__isnull=True)
                                   | (~Q(subject_type="") & Q(subject_id__isnull=False)),
                                   name="deadline_subject_typed"),
        ]

    def __str__(self):
        about = f" {self.get_subject_type_display()} {self.subject_id}" if self.subject_type else ""
        return (f"{self.event_id} {self.get_kind_display()}{about} → {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"
                f" ({self.get_state_display()})")


class ReporterCode(models.Model):
    """A one-time code sent by SMS to a phone so that its owner can list the reports made with
    that phone ("我的反映") without an account. Only the keyed hashes of the phone and of the code
    are stored; a code is valid for ``REPORTER_CODE_MINUTES`` and ``REPORTER_CODE_MAX_ATTEMPTS``
    tries, and is used once (events.services.reporter_codes)."""

    phone_index = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    ip_index = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reporter code")
        verbose_name_plural = _("reporter codes")
        indexes = [models.Index(fields=["phone_index", "created_at"], name="reporter_code_phone_idx"),
                   models.Index(fields=["ip_index", "created_at"], name="reporter_code_ip_idx")]

    def __str__(self) -> str:  # never the phone or the code
        return f"reporter code #{self.pk}"
