"""The grid's people ("1+3+N", 网格力量).

A :class:`Person` is a profile (name, phones, photo, unit) kept by a community, town or district;
a :class:`GridMember` binds a person to one grid (or micro-grid) as one kind (grid head, full-time
worker, …) from a start date to an end date. Ending an assignment sets its end date, never deletes
it: staffing history is kept, and the staffing of any past day can be asked. A person may serve
several grids, and several kinds in one grid, but never the same kind in the same grid twice at
once. An :class:`UnstaffedFlag` marks a grid that has no active full-time worker (至少一名专职网格员):
raised once, notified once, cleared when a full-time worker is assigned again.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiewang.core.crypto import BlindIndexField, EncryptedTextField, mask_phone

from .choices import KIND_GROUP, MemberKind


class Person(models.Model):
    """A person who serves in grids: profile and contact. Phones are personal data, stored
    encrypted (``core.crypto``) and shown masked to roles without the right; an unmasked read is
    audited. Optionally linked to the person's user account (grid workers sign in; volunteers may
    not). Kept by an area (``area``: the community, town or district that keeps the profile) for
    scope; staff of the grids the person serves read it too. Edited with ``version`` (a stale edit
    is refused)."""

    name = models.CharField(_("name"), max_length=64)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="grid_person", verbose_name=_("user account"))
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("kept by"))
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    work_phone = EncryptedTextField(_("work phone"), blank=True, default="")
    work_phone_index = BlindIndexField(source="work_phone", db_index=True)
    personal_phone = EncryptedTextField(_("personal phone"), blank=True, default="")
    unit = models.CharField(_("unit/organization"), max_length=100, blank=True, default="")
    note = models.TextField(_("note"), blank=True, default="")
    photo = models.FileField(_("photo"), upload_to="staffing/%Y/%m/", blank=True, default="")
    photo_type = models.CharField(max_length=32, blank=True, default="", editable=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("grid person")
        verbose_name_plural = _("grid people")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def work_phone_masked(self) -> str:
        return mask_phone(self.work_phone)

    @property
    def personal_phone_masked(self) -> str:
        return mask_phone(self.personal_phone)


class GridMemberQuerySet(models.QuerySet):
    def active(self, on: dt.date | None = None) -> GridMemberQuerySet:
        """Assignments in force on ``on`` (today by default): started, and not yet ended
        (``end_date`` is the first day no longer served)."""
        on = on or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gt=on), start_date__lte=on)


class GridMember(models.Model):
    """One person serving one grid (or micro-grid) as one kind, from ``start_date`` (first day
    served) to ``end_date`` (first day no longer served; empty while serving). Written only by
    ``services.members`` (assign, end), with an audit row each."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="assignments",
                               verbose_name=_("person"))
    grid = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="grid_members",
                             verbose_name=_("grid"))
    grid_path = models.CharField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=MemberKind.choices)
    duty = models.CharField(_("duty"), max_length=100, blank=True, default="")
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True, default="")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = GridMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid member")
        verbose_name_plural = _("grid members")
        ordering = ["grid_path", "kind", "start_date", "id"]
        constraints = [
            # The service refuses any overlap; the database at least refuses two open ones.
            models.UniqueConstraint(fields=["person", "grid", "kind"], condition=Q(end_date__isnull=True),
                                    name="gridmember_one_open_per_person_grid_kind"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                                   name="gridmember_end_not_before_start"),
        ]
        indexes = [models.Index(fields=["grid", "kind", "end_date"], name="gridmember_grid_kind_end_idx")]

    def __str__(self):
        return f"{self.person} · {self.get_kind_display()} @ {self.grid_id}"

    @property
    def group(self) -> str:
        return KIND_GROUP[self.kind]

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.start_date <= on and (self.end_date is None or self.end_date > on)


class UnstaffedFlag(models.Model):
    """A grid found without an active full-time worker (网格无专职网格员): raised when the last
    full-time worker's assignment ends (or by the daily check), its community and town notified
    once; cleared when a full-time worker is assigned. At most one open flag per grid."""

    grid = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("grid"))
    grid_path = models.CharField(max_length=255, editable=False, db_index=True)
    raised_at = models.DateTimeField(default=timezone.now)
    raised_on = models.DateField(_("unstaffed since"))
    cleared_at = models.DateTimeField(null=True, blank=True)
    notified = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("unstaffed grid flag")
        verbose_name_plural = _("unstaffed grid flags")
        ordering = ["grid_path", "-raised_at"]
        constraints = [models.UniqueConstraint(fields=["grid"], condition=Q(cleared_at__isnull=True),
                                               name="unstaffedflag_one_open_per_grid")]

    def __str__(self):
        return f"{self.grid_id} · {self.raised_on}"
