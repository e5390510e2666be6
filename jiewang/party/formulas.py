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

Each reads (area path, counted?) rows and adds them up per member; with the assessment's shared
frame (a month computed for every town and district) the rows are read once for the whole city and
grouped by area node (:func:`_rows`), the same numbers as the per-area queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import lru_cache

from django.db.models import Q
from django.utils import timezone

from jiewang.assessment.choices import Population
from jiewang.assessment.formulas import by_node, formula

POPULATIONS = {Population.COMMUNITY, Population.TOWN}
# The position of a member's id in an area path "/city/district/town/community/…/".
DEPTH = {Population.TOWN: 3, Population.COMMUNITY: 4}


@lru_cache(maxsize=100_000)
def _ids(path: str) -> tuple[int, ...]:
    return tuple(int(x) for x in path.strip("/").split("/") if x)


def _member(path: str, population: str) -> int | None:
    ids = _ids(path)
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


def _rows(ctx, key: str, read) -> list[tuple[str, bool]]:
    """The (area path, counted?) rows of the run's area: ``read(under, start, end)``. With the
    assessment's shared frame (many areas of one month in a row), read once for its whole root and
    grouped by area node (each row under every area on its path), instead of once per area."""
    if ctx.frame is not None:
        return ctx.frame.shared(("party", key), lambda f: by_node(
            read(f.root_path, f.start, f.end), lambda r: r[0])).get(ctx.area_id, [])
    return read(ctx.area_path, ctx.start, ctx.end)


def _report_in_rows(under: str, start: dt.datetime, end: dt.datetime) -> list[tuple[str, bool]]:
    """(home community's path, reported in?) of the in-service members living under ``under``."""
    from .choices import MemberKind
    from .models import PartyMember, ReportIn

    members = PartyMember.objects.filter(kind=MemberKind.IN_SERVICE, active=True, created_at__lt=end,
                                         home_community__path__startswith=under)
    rows = list(members.values_list("pk", "home_community_id", "home_community__path"))
    reported = set(ReportIn.objects
                   .filter(member__in=members.values("pk"), confirmed_at__lt=end)
                   .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=end))
                   .exclude(status="rejected")
                   .values_list("member_id", "community_id"))
    return [(path, (pk, community) in reported) for pk, community, path in rows]


def _wish_rows(under: str, start: dt.datetime, end: dt.datetime) -> list[tuple[str, bool]]:
    """(path, done by its day?) of the wishes under ``under`` due in the period (less refused and
    withdrawn)."""
    from .models import Wish

    first = timezone.localdate(start)
    last = timezone.localdate(end - dt.timedelta(microseconds=1))
    rows = (Wish.objects
            .filter(area_path__startswith=under, wanted_by__gte=first, wanted_by__lte=last)
            .exclude(status__in=["refused", "withdrawn"])
            .values_list("area_path", "wanted_by", "done_at"))
    return [(path, done is not None and timezone.localdate(done) <= due) for path, due, done in rows]


def _need_rows(under: str, start: dt.datetime, end: dt.datetime) -> list[tuple[str, bool]]:
    """(path, matched before the end?) of the needs under ``under`` listed in the period."""
    from .models import Need

    rows = (Need.objects
            .filter(area_path__startswith=under, created_at__gte=start, created_at__lt=end)
            .values_list("area_path", "matched_at"))
    return [(path, matched is not None and matched < end) for path, matched in rows]


def report_in_rate(ctx, population, excluded):
    return _tally(_rows(ctx, "report_in", _report_in_rows), population)


def wish_done_rate(ctx, population, excluded):
    return _tally(_rows(ctx, "wish_done", _wish_rows), population)


def need_match_rate(ctx, population, excluded):
    return _tally(_rows(ctx, "need_match", _need_rows), population)


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
