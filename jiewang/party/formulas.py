"""Party building's inputs to the assessment engine (考核), registered into its formula registry
(:data:`jiewang.assessment.formulas.FORMULAS`) at start-up — assessment sits below party and never
imports it —, and the indicator rows that use them (:mod:`.indicators`, loaded by this app's
migration 0006). Exact definitions in ``docs/assessment.md`` ("Party building") and
``docs/party.md``. Members: a community (村社) by its area id, a town (镇街) by its area id.

* ``party_report_in_rate`` 双报到率: in-service members (在职党员) living in the community
  (``PartyMember.home_community``) with a report-in to that community confirmed before the period's
  end and not ended before it / in-service members living there (active, enrolled before the end).
* ``party_wish_done_rate`` 微心愿办结率: wishes whose wanted-by day (``wanted_by``, the deadline)
  falls in the period and that were done (``done_at``) on or before it / wishes due in the period,
  less those refused or withdrawn (nothing was owed).
* ``party_need_match_rate`` 三张清单匹配率: needs listed in the period (``created_at`` in it) that were
  matched with a project (``matched_at``) before the period's end / needs listed in the period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from jiewang.assessment.choices import Population
from jiewang.assessment.formulas import formula

POPULATIONS = {Population.COMMUNITY, Population.TOWN}
# The position of a member's id in an area path "/city/district/town/community/…/".
DEPTH = {Population.TOWN: 3, Population.COMMUNITY: 4}


def _member(path: str, population: str) -> int | None:
    ids = [int(x) for x in path.strip("/").split("/") if x]
    depth = DEPTH[population]
    return ids[depth - 1] if len(ids) >= depth else None


def _tally(rows, population) -> dict[int, tuple[float, float]]:
    """rows: (area path, counted?) → {member: (numerator, denominator)}."""
    out: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for path, hit in rows:
        key = _member(path, population)
        if key is None:
            continue
        out[key][1] += 1
        out[key][0] += 1 if hit else 0
    return {k: (n, d) for k, (n, d) in out.items()}


def report_in_rate(ctx, population, excluded):
    from .choices import MemberKind
    from .models import PartyMember, ReportIn

    members = list(PartyMember.objects
                   .filter(kind=MemberKind.IN_SERVICE, active=True, created_at__lt=ctx.end,
                           home_community__path__startswith=ctx.area_path)
                   .values_list("pk", "home_community_id", "home_community__path"))
    reported = set(ReportIn.objects
                   .filter(member_id__in=[m for m, _c, _p in members], confirmed_at__lt=ctx.end)
                   .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=ctx.end))
                   .exclude(status="rejected")
                   .values_list("member_id", "community_id"))
    return _tally(((path, (pk, community) in reported) for pk, community, path in members), population)


def wish_done_rate(ctx, population, excluded):
    from .models import Wish

    first = timezone.localdate(ctx.start)
    last = timezone.localdate(ctx.end - dt.timedelta(microseconds=1))
    rows = (Wish.objects
            .filter(area_path__startswith=ctx.area_path, wanted_by__gte=first, wanted_by__lte=last)
            .exclude(status__in=["refused", "withdrawn"])
            .values_list("area_path", "wanted_by", "done_at"))
    return _tally(((path, done is not None and timezone.localdate(done) <= due) for path, due, done in rows),
                  population)


def need_match_rate(ctx, population, excluded):
    from .models import Need

    rows = (Need.objects
            .filter(area_path__startswith=ctx.area_path, created_at__gte=ctx.start, created_at__lt=ctx.end)
            .values_list("area_path", "matched_at"))
    return _tally(((path, matched is not None and matched < ctx.end) for path, matched in rows), population)


def register() -> None:
    """Add the formulas to the assessment's registry (idempotent)."""
    formula("party_report_in_rate", POPULATIONS,
            "双报到率: in-service members living in the community reported in (confirmed) to it at the period's end "
            "/ in-service members living there")(report_in_rate)
    formula("party_wish_done_rate", POPULATIONS,
            "微心愿办结率: wishes due (wanted-by day) in the period done by that day / wishes due in the period "
            "(less refused and withdrawn)")(wish_done_rate)
    formula("party_need_match_rate", POPULATIONS,
            "三张清单匹配率: needs listed in the period matched with a project before its end / needs listed in the "
            "period")(need_match_rate)
