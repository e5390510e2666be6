"""The supervision log (督导台账): every reminder (催办), supervision (督办) and escalation (升级)
the command center addressed to a handler of an event, and what came of it.

Entries come from two sources: the deadline sweeper's ladder (an overdue clock climbs 催办 → 督办 →
升级, :mod:`jiewang.events.services.sweep`), and people of the command center issuing them by
hand (the registry row ``supervise_handler``, or dispatching's untargeted ``remind``/``supervise``).
The log is what makes the 督导权 measurable: per department and post, how many were issued and
how many answered in time (督办响应率, an assessment indicator).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import SupervisionKind, SupervisionOutcome, SupervisionSource, TargetKind


class SupervisionEntry(models.Model):
    """One 催办/督办/升级 addressed to one handler (a department, a post, or an area: the level or
    the village/community or grid holding the event), with its reply deadline and outcome.

    The outcome starts ``open`` and changes once (:mod:`.services.outcomes`): answered in time or
    late when the target acts on the event, or withdrawn when the event's work ends first."""

    kind = models.CharField(_("kind"), max_length=12, choices=SupervisionKind.choices)
    source = models.CharField(_("source"), max_length=8, choices=SupervisionSource.choices)
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="+")
    # The event's place in the tree when the entry was issued: the scope of whoever reads it.
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    town = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    target_kind = models.CharField(_("addressed to"), max_length=12, choices=TargetKind.choices)
    department = models.ForeignKey("accounts.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    post = models.ForeignKey("accounts.Post", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The assignment the target holds the event by (none when a level holds it itself).
    assignment = models.ForeignKey("dispatching.Assignment", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # A ladder entry: the overdue clock (events.Deadline id) and the rung it reached.
    deadline_id = models.PositiveBigIntegerField(null=True, blank=True)
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")  # None: the system (the sweeper)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True, default="")
    reply_due_at = models.DateTimeField(_("reply due"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=SupervisionOutcome.choices,
                               default=SupervisionOutcome.OPEN)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answer_action = models.CharField(max_length=32, blank=True, default="")  # the activity that answered
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("supervision entry")
        verbose_name_plural = _("supervision entries")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(target_kind="department", department__isnull=False, post__isnull=True, area__isnull=True)
                           | Q(target_kind="post", department__isnull=True, post__isnull=False, area__isnull=True)
                           | Q(target_kind="area", department__isnull=True, post__isnull=True, area__isnull=False)),
                name="supervision_one_target"),
            # A rung of the ladder lands once per clock, however often the sweeper runs.
            models.UniqueConstraint(fields=["deadline_id", "stage"], condition=Q(deadline_id__isnull=False),
                                    name="supervision_ladder_once"),
        ]
        indexes = [
            models.Index(fields=["event", "outcome"], name="supervision_event_idx"),
            models.Index(fields=["department", "issued_at"], name="supervision_dept_idx"),
            models.Index(fields=["post", "issued_at"], name="supervision_post_idx"),
            models.Index(fields=["area_path", "issued_at"], name="supervision_path_idx"),
        ]

    def __str__(self):
        return f"{self.event_id} {self.kind} → {self.target_name} ({self.outcome})"

    @property
    def target_name(self) -> str:
        if self.department_id:
            return self.department.name
        if self.post_id:
            return f"{self.post.board.name} · {self.post.name}"
        return self.area.name if self.area_id else ""

    @property
    def target_key(self) -> tuple[str, int]:
        return self.target_kind, self.department_id or self.post_id or self.area_id

    @property
    def is_overdue(self) -> bool:
        """Still open after its reply was due."""
        return self.outcome == SupervisionOutcome.OPEN and self.reply_due_at < timezone.now()
