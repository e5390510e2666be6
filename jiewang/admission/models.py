"""The duty admission list (职责事项准入, "表内稳定、谨防表外扩容") and the work pushed down through it.

A district keeps a versioned :class:`DutyList`: the duties (:class:`DutyItem`) a village/community
or grid may be asked to do, by level and by who may push them. Editing happens on a draft copy;
publishing it supersedes the version in force. Every push of a task down to a village/community
or grid is a :class:`PushRequest`: admitted at once when it cites an item of the list in force
that allows the pusher and the level, otherwise held for the town's command center, which
approves (the task event is created and delivered only then) or refuses (it never reaches a
grid). A data-collection task carries a form; its :class:`TaskRecord` rows are pre-filled from
base data so the worker confirms or corrects instead of typing again (一表通).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import DutyKind, DutyLevel, ListStatus, PusherKind, PushStatus, RecordStatus


class DutyList(models.Model):
    """One version of a district's duty admission list (职责事项准入清单). At most one draft and
    one published version per district; the published one is the list in force."""

    district = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("district"))
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=ListStatus.choices, default=ListStatus.DRAFT)
    note = models.TextField(_("note"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("published by"))
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("duty admission list")
        verbose_name_plural = _("duty admission lists")
        ordering = ["district_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["district", "version"], name="admission_list_version_unique"),
            models.UniqueConstraint(fields=["district"], condition=Q(status="draft"), name="admission_one_draft"),
            models.UniqueConstraint(fields=["district"], condition=Q(status="published"),
                                    name="admission_one_in_force"),
        ]

    def __str__(self):
        return f"v{self.version} ({self.get_status_display()})"


class DutyItem(models.Model):
    """One admitted duty (准入事项): what it is, the level it is done at, who may push it, and the
    hours it asks of a grid each time (the burden report adds these up)."""

    duty_list = models.ForeignKey(DutyList, on_delete=models.CASCADE, related_name="items",
                                  verbose_name=_("duty admission list"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=DutyKind.choices)
    level = models.CharField(_("level"), max_length=12, choices=DutyLevel.choices, default=DutyLevel.GRID)
    departments = models.ManyToManyField("accounts.Department", blank=True, related_name="+",
                                         verbose_name=_("departments that may push it"))
    by_town = models.BooleanField(_("the town's offices may push it"), default=False)
    by_district = models.BooleanField(_("the district may push it"), default=False)
    expected_hours = models.DecimalField(_("expected hours per grid and occurrence"), max_digits=6,
                                         decimal_places=2, default=0)
    form = models.JSONField(_("form"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True, default="")

    class Meta:
        verbose_name = _("admitted duty")
        verbose_name_plural = _("admitted duties")
        ordering = ["duty_list_id", "code"]
        constraints = [models.UniqueConstraint(fields=["duty_list", "code"], name="admission_item_code_unique")]

    def __str__(self):
        return f"{self.code} {self.name}"


class PushRequest(models.Model):
    """Work pushed down to a village/community or grid (下派任务), as asked: admitted at once, or
    held for the town's command center. The task event exists only once it passed
    (``event``); a held or refused request has none, so no grid worker can see it."""

    town = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("town"))
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("village/community or grid"))
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=PushStatus.choices)
    pushed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("pushed by"))
    pusher_role = models.CharField(_("pusher's role"), max_length=24)
    pusher_kind = models.CharField(_("pushed as"), max_length=12, choices=PusherKind.choices)
    department = models.ForeignKey("accounts.Department", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("department"))
    duty_item = models.ForeignKey(DutyItem, null=True, blank=True, on_delete=models.PROTECT, related_name="pushes",
                                  verbose_name=_("duty item"))
    list_version = models.PositiveIntegerField(_("list version"), null=True, blank=True)
    reasons = models.JSONField(_("why held"), default=list, blank=True)
    # The task as asked (the event is created from these on delivery).
    category = models.ForeignKey("events.MatterCategory", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True, default="")
    due_at = models.DateTimeField(_("deadline"))
    urgency = models.CharField(max_length=16, default="normal")
    checklist = models.JSONField(default=list, blank=True)
    form = models.JSONField(_("form"), default=list, blank=True)
    expected_hours = models.DecimalField(_("expected hours per grid"), max_digits=6, decimal_places=2, default=0)
    pushed_at = models.DateTimeField(_("pushed at"), default=timezone.now, db_index=True)
    admitted_at = models.DateTimeField(_("admitted at"), null=True, blank=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    refused_at = models.DateTimeField(_("refused at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decision_comment = models.TextField(_("decision comment"), blank=True, default="")
    event = models.ForeignKey("events.Event", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="push_requests")
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pushed task")
        verbose_name_plural = _("pushed tasks")
        ordering = ["-pushed_at", "-id"]
        indexes = [models.Index(fields=["town", "status"], name="admission_push_town_status")]

    def __str__(self):
        return f"{self.title}（{self.get_status_display()}）"


class TaskRecord(models.Model):
    """One household or person of a data-collection task (一表通): the form's values pre-filled
    from base data (``prefilled``), what the worker confirmed or corrected (``values``)."""

    push = models.ForeignKey(PushRequest, on_delete=models.CASCADE, related_name="records")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    subject_type = models.CharField(max_length=16)  # "resident" | "house" | "area"
    subject_id = models.BigIntegerField(null=True, blank=True)
    label = models.CharField(max_length=200, blank=True, default="")
    prefilled = models.JSONField(default=dict, blank=True)
    values = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=RecordStatus.choices, default=RecordStatus.PENDING)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    corrections = models.JSONField(default=dict, blank=True)  # field -> [old, new]
    written_back = models.BooleanField(default=False)  # corrections applied to base data by its services

    class Meta:
        verbose_name = _("task record")
        verbose_name_plural = _("task records")
        ordering = ["push_id", "id"]

    def __str__(self):
        return f"{self.label} ({self.get_status_display()})"
