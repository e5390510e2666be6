"""Core tables: only the working-day calendar.

The core app holds no domain models; :class:`WorkdayOverride` and :class:`HolidayArrangement` live
here because every deadline in every app is computed by :mod:`jiewang.core.worktime`, which reads
them. Arrangements are written by ``jiewang.holidays.services`` (which audits), never directly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
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


class HolidayArrangement(models.Model):
    """A year's official holiday arrangement (节假日安排), loaded by an administrator from the
    State Council's notice (国务院办公厅关于××年部分节假日安排的通知).

    The ``chinesecalendar`` package ships each year's arrangement some time after the notice; until
    then :mod:`jiewang.core.worktime` counts only the statutory days of the national rules and calls
    the year *provisional*. Loading the notice here makes the year official at once: its days
    (:class:`HolidayArrangementDay`, the holidays and the make-up workdays) and plain Monday–Friday
    for every other day replace both the package and the statutory fallback for that year.
    Local :class:`WorkdayOverride` rows still win over it. One row per year; loading a year again
    replaces its row and days in one transaction.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    notice = models.CharField(_("notice"), max_length=200,
                              help_text=_("Title or document number, e.g. 国办发明电〔2026〕5号"))
    published_on = models.DateField(_("published on"))
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("loaded by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now)
    # Read by worktime as a cheap "did the table change?" token (with the row count).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("holiday arrangement")
        verbose_name_plural = _("holiday arrangements")
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}: {self.notice}"


class HolidayArrangementDay(models.Model):
    """One day of a :class:`HolidayArrangement`: a day off (holiday, including bridging days and
    the weekends inside a break) or a make-up workday (调休上班) on a weekend."""

    arrangement = models.ForeignKey(HolidayArrangement, verbose_name=_("arrangement"),
                                    on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("is a working day"))

    class Meta:
        verbose_name = _("holiday arrangement day")
        verbose_name_plural = _("holiday arrangement days")
        ordering = ["date"]

    def __str__(self):
        kind = _("make-up workday") if self.is_workday else _("holiday")
        return f"{self.date:%Y-%m-%d} {kind}"
