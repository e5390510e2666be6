"""Who is told: the one-statement recipients query answers what the ORM answers."""

import datetime as dt

import pytest
from django.utils import timezone

from jiewang.accounts.choices import Role
from jiewang.accounts.models import RoleGrant, User
from jiewang.events.notify import Recipient, recipients_with_role


def _orm(area_path, roles):
    chain = [int(x) for x in area_path.strip("/").split("/") if x]
    return sorted(set(RoleGrant.objects.active().filter(area_id__in=chain, role__in=roles, user__is_active=True)
                      .values_list("user_id", flat=True)))


@pytest.mark.django_db
def test_recipients_equal_the_orm_answer(tree, people):
    def user(name, phone=""):
        return User.objects.create(username=name, phone=phone)

    past = timezone.now() - dt.timedelta(days=1)
    future = timezone.now() + dt.timedelta(days=30)
    on_community = user("c_staff2", "13700000001")
    RoleGrant.objects.create(user=on_community, role=Role.COMMUNITY_STAFF, area=tree.c1, valid_to=future)
    expired = user("expired")
    RoleGrant.objects.create(user=expired, role=Role.GRID_WORKER, area=tree.g1, valid_to=past)
    inactive = user("inactive")
    inactive.is_active = False
    inactive.save()
    RoleGrant.objects.create(user=inactive, role=Role.GRID_WORKER, area=tree.g1)
    elsewhere = user("elsewhere")
    RoleGrant.objects.create(user=elsewhere, role=Role.GRID_WORKER, area=tree.g3)
    twice = user("twice")  # two grants on the chain: told once
    RoleGrant.objects.create(user=twice, role=Role.GRID_WORKER, area=tree.g1)
    RoleGrant.objects.create(user=twice, role=Role.COMMUNITY_STAFF, area=tree.c1)

    for roles in ([Role.GRID_WORKER], [Role.COMMUNITY_STAFF], [Role.GRID_WORKER, Role.COMMUNITY_STAFF],
                  [Role.TOWN_LEADER], [Role.DEPARTMENT_STAFF]):
        got = recipients_with_role(tree.g1.path, roles)
        assert [r.pk for r in got] == _orm(tree.g1.path, roles), roles
    both = recipients_with_role(tree.g1.path, [Role.GRID_WORKER, Role.COMMUNITY_STAFF])
    assert {r.pk for r in both} == {people.grid_worker.pk, people.community_staff.pk, on_community.pk, twice.pk}
    with_phones = {r.pk: r.phone for r in recipients_with_role(tree.g1.path, [Role.COMMUNITY_STAFF], phones=True)}
    assert with_phones == {people.community_staff.pk: "13800138000", on_community.pk: "13700000001", twice.pk: ""}
    assert recipients_with_role("", [Role.GRID_WORKER]) == [] and recipients_with_role(tree.g1.path, []) == []
    assert all(isinstance(r, Recipient) and r.is_active for r in both)
