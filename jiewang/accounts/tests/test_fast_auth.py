"""The signed-in user and the grants are read by prepared statements on every request (the
session by Django's cached_db engine): they must answer exactly what Django's ORM paths answer."""

import datetime as dt

import pytest
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.utils import timezone

from jiewang.accounts.backends import ModelBackend
from jiewang.accounts.models import RoleGrant, User
from jiewang.core.scope import Grant, user_grants


def _fields(u):
    return {f.attname: getattr(u, f.attname) for f in User._meta.concrete_fields}


@pytest.mark.django_db
def test_get_user_answers_what_django_answers(people):
    ours, django = ModelBackend(), DjangoModelBackend()
    u = people.grid_worker
    signed_in = timezone.now().replace(microsecond=123456)
    User.objects.filter(pk=u.pk).update(last_login=signed_in)  # a datetime column to convert
    got = ours.get_user(u.pk)
    assert _fields(got) == _fields(django.get_user(u.pk)) and got.phone == "13800138000"
    assert got.last_login == signed_in and got.last_login.tzinfo is not None
    assert ours.get_user(str(u.pk)).pk == u.pk  # the session keeps the id as a string
    assert ours.get_user(10**9) is None and ours.get_user("not-a-number") is None
    User.objects.filter(pk=u.pk).update(is_active=False)
    assert ours.get_user(u.pk) is None and django.get_user(u.pk) is None


@pytest.mark.django_db
def test_user_grants_answer_what_the_orm_answers(tree, people):
    u = people.community_staff
    RoleGrant.objects.create(user=u, role="grid_worker", area=tree.g2,
                             valid_to=timezone.now() - dt.timedelta(days=1))  # expired: not a grant
    RoleGrant.objects.create(user=u, role="town_leader", area=tree.t1,
                             valid_to=timezone.now() + dt.timedelta(days=1))
    fresh = User.objects.get(pk=u.pk)
    orm = [Grant(*row) for row in RoleGrant.objects.active().filter(user=fresh).order_by("id")
           .values_list("role", "area_id", "area__path", "department_id", "post_id", "board_id")]
    got = user_grants(fresh)
    assert got == orm and {g.role for g in got} == {"community_staff", "town_leader"}
    assert user_grants(fresh) is got  # once per user object (request)
    staff = User.objects.get(pk=people.department_staff.pk)
    assert user_grants(staff) == [Grant("department_staff", tree.d1.id, tree.d1.path, people.department.pk)]
