"""Reads for accounts. Every selector starts from :func:`jiewang.core.scope.restrict`."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from jiewang.areas.models import Area
from jiewang.core.errors import NotFound
from jiewang.core.scope import Action, restrict

from .models import Department, RoleGrant, User


def user_list(*, user, area: Area | None = None, role: str | None = None, q: str | None = None) -> QuerySet:
    qs = restrict(User.objects.all(), user, Action.VIEW)
    if area is not None:
        qs = qs.filter(pk__in=RoleGrant.objects.active().filter(area__path__startswith=area.path).values("user_id"))
    if role:
        qs = qs.filter(pk__in=RoleGrant.objects.active().filter(role=role).values("user_id"))
    if q:
        qs = qs.filter(username__icontains=q) | qs.filter(display_name__icontains=q)
    grants = RoleGrant.objects.active().select_related("area", "department")
    return qs.prefetch_related(Prefetch("role_grants", queryset=grants, to_attr="active_grants")).order_by("id")


def user_get(*, user, user_id: int) -> User:
    found = user_list(user=user).filter(pk=user_id).first()
    if found is None:
        raise NotFound("用户不存在 / User not found.", code="user.not_found")
    return found


def department_list(*, user, area: Area | None = None) -> QuerySet:
    qs = restrict(Department.objects.select_related("area"), user, Action.VIEW).filter(is_active=True)
    if area is not None:
        qs = qs.filter(area__path__startswith=area.path)
    return qs


def can_see_phone(viewer, subject: User) -> bool:
    """Whole phone numbers are shown to the person themself, superusers and people managers;
    everyone else sees a mask."""
    from .permissions import PEOPLE_MANAGERS
    from jiewang.core.scope import user_grants

    if viewer.pk == subject.pk or viewer.is_superuser:
        return True
    return any(g.role in PEOPLE_MANAGERS for g in user_grants(viewer))


def department_names_by_code(*, user) -> dict[str, str]:
    """The name people know a department code by (``cgj`` → 城市管理局), for lists that show the
    matter catalog's default departments. Each district has its own department per code, named
    after the district (江北区城市管理局): the name is taken without its area's name, and where
    the districts disagree the most common name wins (ties: the first alphabetically)."""
    from collections import Counter

    seen: dict[str, Counter] = {}
    for code, name, area_name in (department_list(user=user).exclude(code="")
                                  .values_list("code", "name", "area__name")):
        short = name[len(area_name):] if area_name and name.startswith(area_name) and name != area_name else name
        seen.setdefault(code, Counter())[short] += 1
    return {code: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for code, c in seen.items()}
