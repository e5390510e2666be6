"""Assignments of an event to the ones who must act, and whistles that summon departments.

An :class:`Assignment` gives an event to one handler (承办方, :mod:`.handlers`): a department, a
board's post, or a village/community or grid the work is sent down to (交办); one lead (主办)
and any number of assisting ones (协办). A :class:`Whistle` (吹哨) summons departments to one event;
each :class:`WhistleSummons` must be reported in (报到) before its deadline and is rated by the
summoning level afterwards — the inputs of the two-way assessment (双向考核).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead")  # 主办
    ASSIST = "assist", _("Assisting")  # 协办


class AssignmentStatus(models.TextChoices):
    DISPATCHED = "dispatched", _("Awaiting sign-for")  # 待签收
    SIGNED = "signed", _("Signed for")  # 已签收
    RETURNED = "returned", _("Returned")  # 已退回
    FEEDBACK = "feedback", _("Fed back")  # 已反馈
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 已撤回（改派）
    DONE = "done", _("Done")  # 已办结


OPEN_ASSIGNMENT = [AssignmentStatus.DISPATCHED, AssignmentStatus.SIGNED, AssignmentStatus.FEEDBACK]


class Assignment(models.Model):
    """The event given to one handler — a department, a post or an area (sent down) — as lead or
    assisting. Exactly one of ``department``, ``post``, ``area`` is set."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey("accounts.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="assignments")
    post = models.ForeignKey("accounts.Post", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="assignments")
    # A village/community or grid the work is sent down to (交办/下派).
    area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=8, choices=AssignmentRole.choices)
    status = models.CharField(max_length=12, choices=AssignmentStatus.choices, default=AssignmentStatus.DISPATCHED)
    instructions = models.TextField(blank=True, default="")
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    dispatched_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True, default="")
    feedback_at = models.DateTimeField(null=True, blank=True)
    feedback = models.TextField(blank=True, default="")
    # A department that signed for the event but disputes that it is responsible asks the command
    # center to arbitrate; the ruling either keeps it responsible or redispatches.
    disputed_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.TextField(blank=True, default="")
    arbitrated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["event", "dispatched_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(department__isnull=False) & Q(post__isnull=True) & Q(area__isnull=True))
                | (Q(department__isnull=True) & Q(post__isnull=False) & Q(area__isnull=True))
                | (Q(department__isnull=True) & Q(post__isnull=True) & Q(area__isnull=False)),
                name="assignment_one_handler"),
            models.UniqueConstraint(fields=["event", "department"],
                                    condition=Q(status__in=OPEN_ASSIGNMENT) & Q(department__isnull=False),
                                    name="assignment_one_open_per_department"),
            models.UniqueConstraint(fields=["event"], condition=Q(status__in=OPEN_ASSIGNMENT) & Q(role="lead"),
                                    name="assignment_one_open_lead"),
        ]

    def __str__(self):
        return f"{self.event_id} → {self.department or self.post or self.area} ({self.get_role_display()})"

    @property
    def handler_name(self) -> str:
        """The handler's name (承办方): the department, "board · post", or the area."""
        from .handlers import handler_name

        return handler_name(self)


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    LAPSED = "lapsed", _("Lapsed")  # the event moved on before a decision (fed back, closed, redispatched)


class ExtensionRequest(models.Model):
    """A request to extend the handling deadline (延期), approved or rejected by the command center."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="extension_requests")
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    requested_due_at = models.DateTimeField()
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [models.UniqueConstraint(fields=["event"], condition=Q(status="pending"),
                                               name="extension_one_pending")]

    def __str__(self):
        return f"{self.event_id} → {timezone.localtime(self.requested_due_at):%Y-%m-%d %H:%M} ({self.get_status_display()})"


class Whistle(models.Model):
    """A whistle (吹哨) blown on an event by a grid, community or town: it summons departments,
    who must report in within the deadline and stay until the problem is closed."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="whistles")
    blown_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    blown_at = models.DateTimeField(default=timezone.now)
    level = models.CharField(max_length=16)  # HandlingLevel of the summoning level
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    problem = models.TextField()
    is_urgent = models.BooleanField(default=False)
    report_in_due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("whistle")
        verbose_name_plural = _("whistles")
        ordering = ["-blown_at"]
        indexes = [
            # The open whistles only (a few at any time): the situation's pending report-ins start here.
            models.Index(fields=["report_in_due_at"], condition=Q(closed_at__isnull=True), name="whistle_open_due"),
        ]

    def __str__(self):
        return f"{self.event_id} 吹哨 {timezone.localtime(self.blown_at):%Y-%m-%d %H:%M}"


class SummonsStatus(models.TextChoices):
    SUMMONED = "summoned", _("Summoned")  # 已吹哨
    REPORTED_IN = "reported_in", _("Reported in")  # 已报到
    LATE = "late", _("Reported in late")  # 迟到报到
    MISSED = "missed", _("Did not report in")  # 未报到（已升级）


class WhistleSummons(models.Model):
    """One department summoned by a whistle: its report-in (报到), responder and rating."""

    whistle = models.ForeignKey(Whistle, on_delete=models.CASCADE, related_name="summonses")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="summonses")
    status = models.CharField(max_length=12, choices=SummonsStatus.choices, default=SummonsStatus.SUMMONED)
    reported_in_at = models.DateTimeField(null=True, blank=True)
    reported_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    responder_name = models.CharField(max_length=64, blank=True, default="")
    responder_phone = models.CharField(max_length=32, blank=True, default="")
    attended = models.BooleanField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)  # 1–5, by the summoning level
    rating_comment = models.TextField(blank=True, default="")
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("whistle summons")
        verbose_name_plural = _("whistle summonses")
        constraints = [
            models.UniqueConstraint(fields=["whistle", "department"], name="summons_once_per_department"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)),
                                   name="summons_rating_range"),
        ]

    def __str__(self):
        return f"{self.whistle_id} → {self.department_id} ({self.get_status_display()})"


class WhistleRequestStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the center")  # 待审批
    APPROVED = "approved", _("Approved, whistle blown")  # 已吹哨
    DECLINED = "declined", _("Declined by the center")  # 不予吹哨
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 已撤回
    LAPSED = "lapsed", _("Lapsed")  # the event's work ended before a decision


class WhistleRequest(models.Model):
    """A request to blow the whistle (吹哨申请): a grid worker or community staff asks the town
    command center to summon district departments on an event, naming the problem and the
    departments it wants. The center approves (and blows the whistle itself, to the departments
    it chooses) or declines with a reason; the requester may withdraw it; it lapses when the
    event's work ends first."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="whistle_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    level = models.CharField(max_length=16)  # HandlingLevel of the requester: grid or community
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    problem = models.TextField()
    is_urgent = models.BooleanField(default=False)
    departments = models.ManyToManyField("accounts.Department", related_name="+", blank=True)
    status = models.CharField(max_length=10, choices=WhistleRequestStatus.choices,
                              default=WhistleRequestStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True, default="")  # the reason of a decline
    whistle = models.OneToOneField(Whistle, null=True, blank=True, on_delete=models.SET_NULL, related_name="request")

    class Meta:
        verbose_name = _("whistle request")
        verbose_name_plural = _("whistle requests")
        ordering = ["requested_at", "id"]
        constraints = [models.UniqueConstraint(fields=["event"], condition=Q(status="pending"),
                                               name="whistle_request_one_pending")]
        indexes = [models.Index(fields=["status", "requested_at"], name="whistle_request_queue_idx")]

    def __str__(self):
        return f"{self.event_id} 吹哨申请 ({self.status})"


class WhistlePolicy(models.Model):
    """A district's rule on whistles: whether grid workers and community staff may summon
    departments directly (吹哨), or must ask their town's command center (吹哨申请). Districts
    differ; a district without a row does not allow it (the center decides)."""

    district = models.OneToOneField("areas.Area", on_delete=models.CASCADE, related_name="+")
    direct_whistle_allowed = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("whistle policy")
        verbose_name_plural = _("whistle policies")

    def __str__(self):
        return f"{self.district_id}: {'direct' if self.direct_whistle_allowed else 'through the center'}"
