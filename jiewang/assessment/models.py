"""The assessment engine (考核): indicators as data, computed per period and population into
versioned snapshots (runs) with per-member raw counts, scores, grades, ranks and red/black lists;
exclusions (不计入考核) requested by the assessed unit and decided by the command center.

A run is a draft until published; a published run's rows are never written again. Computing a
period that has a published run makes a new draft (version + 1) holding the differences from the
published one (``diff``), which is then published in its turn. See ``docs/assessment.md``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (Direction, ExclusionKind, ExclusionStatus, ListKind, PeriodKind, Population, RunStatus,
                      scheme_label)


class Indicator(models.Model):
    """One indicator (考核指标): a formula from :mod:`jiewang.assessment.formulas` over a
    population, per period, with a target, a weight within its scheme and a direction. A member's
    composite score in a scheme is the weighted mean of its indicator scores (see the docs)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    scheme = models.CharField(_("scheme"), max_length=24, default="general")  # a composite: general, hotline
    formula = models.CharField(_("formula"), max_length=40)
    population = models.CharField(_("population"), max_length=16, choices=Population.choices)
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    target = models.FloatField(_("target"), default=0.9)
    weight = models.FloatField(_("weight"), default=1.0)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["population", "scheme", "order", "code"]
        constraints = [models.CheckConstraint(condition=Q(weight__gte=0), name="indicator_weight_nonneg")]

    def __str__(self):
        return f"{self.code} {self.name}"


class ListRule(models.Model):
    """How the red and black lists (红黑榜) of a population are drawn: the top N (red) and bottom N
    (black) of the ranking, optionally bounded by a score (red needs at least ``red_min_score``;
    anyone below ``black_max_score`` is black whatever the N)."""

    population = models.CharField(_("population"), max_length=16, choices=Population.choices, unique=True)
    red_top_n = models.PositiveSmallIntegerField(_("red list: top N"), default=3)
    black_bottom_n = models.PositiveSmallIntegerField(_("black list: bottom N"), default=3)
    red_min_score = models.FloatField(_("red list: minimum score"), null=True, blank=True)
    black_max_score = models.FloatField(_("black list: below this score"), null=True, blank=True)

    class Meta:
        verbose_name = _("red/black list rule")
        verbose_name_plural = _("red/black list rules")

    def __str__(self):
        return self.population


class Run(models.Model):
    """One computation of a period for an area (a town: its departments' work for it, posts,
    communities, grids, grid workers; a district: its towns and departments). Versions count up
    per (area, period); at most one draft and one published version at a time."""

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)
    period = models.CharField(_("period"), max_length=8)  # 2026-11, 2026-Q4, 2026
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(_("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.DRAFT)
    computed_at = models.DateTimeField(default=timezone.now)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # The published version this draft was computed against, and the differences from it:
    # [{"population", "member_id", "member_name", "indicator", "old": [num, den, value], "new": [...]}]
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    diff = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("assessment run")
        verbose_name_plural = _("assessment runs")
        ordering = ["-period_start", "area_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["area", "period", "version"], name="assessment_run_version"),
            models.UniqueConstraint(fields=["area", "period"], condition=Q(status="draft"),
                                    name="assessment_run_one_draft"),
            models.UniqueConstraint(fields=["area", "period"], condition=Q(status="published"),
                                    name="assessment_run_one_published"),
        ]

    def __str__(self):
        return f"{self.area_id} {self.period} v{self.version} ({self.status})"


class Result(models.Model):
    """One member's raw counts and value on one indicator in a run. ``value`` = numerator /
    denominator (None when the denominator is 0); ``score`` 0–100 (a lower-is-better rate enters
    as 1 − value)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="results")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    population = models.CharField(max_length=16, choices=Population.choices)
    member_id = models.PositiveBigIntegerField()
    member_name = models.CharField(max_length=100)
    numerator = models.FloatField()
    denominator = models.FloatField()
    value = models.FloatField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    target_met = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")
        ordering = ["run", "population", "member_id", "indicator__order"]
        constraints = [models.UniqueConstraint(fields=["run", "indicator", "population", "member_id"],
                                               name="assessment_result_unique")]

    def __str__(self):
        return f"{self.run_id} {self.population}:{self.member_id} {self.indicator_id} {self.numerator}/{self.denominator}"


class MemberScore(models.Model):
    """One member's composite score in a scheme of a run, its grade (A ≥ 90 > B ≥ 75 > C ≥ 60 >
    D ≥ 40 > E), its rank among the population (ties share a rank) and its list (红/黑榜)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="scores")
    population = models.CharField(max_length=16, choices=Population.choices)
    scheme = models.CharField(max_length=24)
    member_id = models.PositiveBigIntegerField()
    member_name = models.CharField(max_length=100)
    score = models.FloatField(null=True, blank=True)
    grade = models.CharField(max_length=1, blank=True, default="")
    rank = models.PositiveIntegerField(null=True, blank=True)
    list_kind = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        verbose_name = _("member score")
        verbose_name_plural = _("member scores")
        ordering = ["run", "population", "scheme", "rank", "member_name"]
        constraints = [models.UniqueConstraint(fields=["run", "population", "scheme", "member_id"],
                                               name="assessment_score_unique")]

    def __str__(self):
        return f"{self.run_id} {self.population}:{self.member_id} {self.score} {self.grade}"

    @property
    def scheme_label(self) -> str:
        return scheme_label(self.scheme)

    @property
    def list_label(self) -> str:
        return str(ListKind(self.list_kind).label) if self.list_kind else ""


class Exclusion(models.Model):
    """不计入考核: the assessed unit asks that one event not count in some indicators (all when
    ``indicator_codes`` is empty), with a reason; the command center (town leaders, commanders)
    or the district approves or refuses. Only approved exclusions change a computation."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="+")
    area_path = models.CharField(max_length=255, db_index=True, editable=False)  # the event's town
    indicator_codes = models.JSONField(default=list, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ExclusionKind.choices)
    reason = models.TextField(_("reason"), max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=ExclusionStatus.choices,
                              default=ExclusionStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["event"], condition=Q(status="pending"),
                                               name="assessment_exclusion_one_pending")]

    def __str__(self):
        return f"{self.event_id} {self.kind} ({self.status})"
