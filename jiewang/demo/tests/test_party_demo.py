"""The demo town's party building, as seeded: the chain on the area tree, the commander as the
street's secretary, members at about 7 % of the population (capped per community), a year of
report-ins and wishes, and the demo member's page ready to use."""

from __future__ import annotations

import pytest
from django.db.models import Sum

pytestmark = pytest.mark.django_db


def test_the_demo_town_has_its_party_building():
    from jiewang.accounts.models import RoleGrant, User
    from jiewang.areas.models import Area
    from jiewang.demo.party import MAX_MEMBERS_PER_COMMUNITY, MEMBER_SHARE
    from jiewang.demo.seeding import seed_demo
    from jiewang.party import models as m
    from jiewang.party.selectors import my_record

    result = seed_demo(scale="small", seed=1)
    town = RoleGrant.objects.get(user__username="commander").area
    communities = list(Area.objects.filter(parent=town))
    grids = Area.objects.filter(parent__in=communities, level=5)
    # The chain: one working committee, a committee per community, a branch per grid.
    assert m.PartyOrg.objects.filter(kind="working_committee", area=town).count() == 1
    assert m.PartyOrg.objects.filter(kind="community_committee").count() == len(communities)
    assert m.PartyOrg.objects.filter(kind="grid_branch").count() == grids.count()
    assert m.CoBuilding.objects.filter(street_org__area=town, left_on__isnull=True).count() == 6
    # The commander holds the street's secretary seat.
    seat = m.Officer.objects.get(org__kind="working_committee", role="secretary", ended_on__isnull=True)
    assert seat.member.user == User.objects.get(username="commander")
    # Members: about 7 % of each community's population, at least 8, at most the cap.
    for c in communities:
        pop = Area.objects.filter(parent=c, level=5).aggregate(n=Sum("population"))["n"] or 0
        want = min(MAX_MEMBERS_PER_COMMUNITY, max(8, round(pop * MEMBER_SHARE)))
        placed = m.PartyMember.objects.filter(org__area=c, org__kind="community_committee").count() - 1  # secretary
        in_units = sum(1 for _ in range(want) if _ % 2)
        assert placed == want - in_units, c.name
    assert result.counts["party members"] == sum(
        min(MAX_MEMBERS_PER_COMMUNITY, max(8, round((Area.objects.filter(parent=c, level=5).aggregate(
            n=Sum("population"))["n"] or 0) * MEMBER_SHARE))) for c in communities)
    # A year of report-ins, confirmed and with hours; some waiting; last year's evaluations.
    assert m.ReportIn.objects.filter(status="confirmed").count() == result.counts["report-ins"] > 10
    assert m.ReportIn.objects.filter(status="registered").exists()
    assert m.ServiceRecord.objects.count() >= result.counts["service records"] > 50
    assert m.YearlyEvaluation.objects.count() == result.counts["yearly evaluations"] > 0
    # the hours of rated wishes were served across the year, on the days the wishes were done
    assert m.ServiceRecord.objects.filter(source="wish").dates("served_on", "month").count() >= 10
    # Wishes in every state.
    assert set(m.Wish.objects.values_list("status", flat=True)) == {"posted", "published", "claimed", "done",
                                                                    "rated", "refused"}
    # The demo member: confirmed in the demo community, hours, and wishes open to claim there.
    member = User.objects.get(username="party_member")
    rec = my_record(user=member)
    ri = rec["report_ins"][0]
    assert ri.status == "confirmed" and ri.community == RoleGrant.objects.get(user__username="community_staff").area
    assert rec["confirmed_hours"] > 0
    assert m.Wish.objects.filter(status="published", community=ri.community).exists()
    # Elections: the reminders of committees whose terms run out were raised at seeding.
    assert m.PartyOrg.objects.filter(election_stage__gt=0).exists()
