"""Core tables: only the local working-day calendar.

The core app holds no domain models; :class:`WorkdayOverride` lives here because every deadline in
every app is computed by :mod:`jiewang.core.worktime`, which reads it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkdayOverride(models.Model):
    """One local day whose working status differs from the national calendar.

    The national calendar (weekends, statutory holidays and make-up workdays, 调休) comes from the
    ``chinesecalendar`` package. Towns and districts also have their own days: a local holiday, an
    extra make-up day, a day off ordered for a typhoon or a flood, or the national schedule for a
    year the package does not know yet. Administrators record those days here; a row wins over the
    national calendar for its date, so deadlines counted in working days or hours follow it.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("is a working day"),
        help_text=_("Checked: people work that day (e.g. a make-up day). "
                    "Unchecked: a day off (holiday, typhoon day-off)."),
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. 台风停工 / 春节调休"))
    note = models.TextField(_("note"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Read by worktime as a cheap "did the table change?" token (with the row count).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("workday override")
        verbose_name_plural = _("workday overrides")
        ordering = ["-date"]

    def __str__(self):
        kind = _("working day") if self.is_workday else _("day off")
        return f"{self.date:%Y-%m-%d} {kind}: {self.name}"
