"""The unstaffed-grid flag: the exact set, the notification exactly once, cleared again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jiewang.notifications.models import Notification
from jiewang.staffing.models import UnstaffedFlag
from jiewang.staffing.selectors import open_flags, unstaffed_grids
from jiewang.staffing.services.flags import NOTIFICATION_KIND, run_daily
from jiewang.staffing.services.members import member_end
from jiewang.staffing.testing import assign, person, staff_all

pytestmark = pytest.mark.django_db


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def flagged(**kw) -> set:
    return set(unstaffed_grids(**kw).values_list("pk", flat=True))


def test_exact_set_of_unstaffed_grids(tree, people):
    assert flagged() == {tree.g1.pk, tree.g2.pk, tree.g3.pk, tree.g4.pk}
    staff_all(tree, except_grids=(tree.g2,))
    assign(person(tree.c1, "志愿者"), tree.g2, kind="volunteer")  # not a full-time worker
    assign(person(tree.c1, "兼职"), tree.g2, kind="part_time")
    assert flagged() == {tree.g2.pk}
    # Scoped: the other community's staff see none of 甲社区's grids, 甲社区's staff see g2.
    assert flagged(user=people.other_community_staff) == set()
    assert flagged(user=people.community_staff) == {tree.g2.pk}
    assert flagged(user=people.town_leader, under=tree.c2) == set()
    # On a past day before anyone started, every grid was unstaffed.
    assert flagged(on=days(-1)) == {tree.g1.pk, tree.g2.pk, tree.g3.pk, tree.g4.pk}


def test_last_full_time_ending_notifies_community_and_town_once(tree, people):
    workers = staff_all(tree)
    second = assign(person(tree.c1, "第二专职"), tree.g1)
    member_end(actor=people.community_staff, member=workers[tree.g1.pk], reason="离职")
    assert not UnstaffedFlag.objects.exists()  # one full-time worker is left
    member_end(actor=people.community_staff, member=second, reason="调岗")
    flag = UnstaffedFlag.objects.get()
    assert flag.grid == tree.g1 and flag.cleared_at is None
    notes = Notification.objects.filter(kind=NOTIFICATION_KIND)
    assert {n.recipient for n in notes} == {people.community_staff, people.town_operator, people.town_leader}
    assert notes.count() == 3 and flag.notified == 3
    # The hourly check, run twice, raises nothing more.
    assert run_daily() == 0 and run_daily() == 0
    assert Notification.objects.filter(kind=NOTIFICATION_KIND).count() == 3
    assert [f.grid for f in open_flags(user=people.town_leader)] == [tree.g1]
    assert list(open_flags(user=people.other_community_staff)) == []
    # A full-time worker clears it; ending them again raises a new flag, notified again once.
    again = assign(person(tree.c1, "新专职"), tree.g1)
    assert not UnstaffedFlag.objects.filter(cleared_at__isnull=True).exists()
    member_end(actor=people.community_staff, member=again, reason="离职")
    assert UnstaffedFlag.objects.count() == 2
    assert Notification.objects.filter(kind=NOTIFICATION_KIND).count() == 6


def test_daily_check_flags_grids_without_one_idempotently(tree, people):
    staff_all(tree, except_grids=(tree.g2, tree.g4))
    assert run_daily() == 2
    assert set(UnstaffedFlag.objects.values_list("grid_id", flat=True)) == {tree.g2.pk, tree.g4.pk}
    assert run_daily() == 0
    g4_notes = Notification.objects.filter(kind=NOTIFICATION_KIND, url=f"/grid/staffing/grids/{tree.g4.pk}/")
    assert [n.recipient for n in g4_notes] == [people.other_community_staff]  # 三镇 has no town roles here
    g2_notes = Notification.objects.filter(kind=NOTIFICATION_KIND, url=f"/grid/staffing/grids/{tree.g2.pk}/")
    assert sorted(n.recipient.username for n in g2_notes) == ["community_staff", "town_leader", "town_operator"]
    # A future-dated end: flagged on that day by the check, not before.
    m = assign(person(tree.c3, "丙村专职"), tree.g4)
    assert run_daily() == 0 and not UnstaffedFlag.objects.filter(grid=tree.g4, cleared_at__isnull=True).exists()
    member_end(actor=None, member=m, reason="合同到期", end_date=days(3))
    assert run_daily() == 0
    assert run_daily(on=days(3)) == 1
