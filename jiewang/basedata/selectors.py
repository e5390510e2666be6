"""Reads of base data, each from ``restrict(...)`` (the user's area scope), with search. What a
row shows of personal data is decided by :func:`~.services.common.may_reveal`; lists show the
masked values kept beside the ciphertext and never decrypt. Members of sensitive key groups are
listed only to those who may unmask there."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from jiewang.core.errors import NotFound
from jiewang.core.scope import Action, restrict, user_grants

from .models import Address, Building, House, ImportRun, KeyGroup, KeyPerson, Resident, Unit
from .permissions import REVEALERS


def _under(qs: QuerySet, under: str | None) -> QuerySet:
    return qs.filter(area_path__startswith=under) if under else qs


def revealer_paths(user) -> list[str] | None:
    """Paths where ``user`` may unmask; ``None`` = everywhere (superusers)."""
    if user.is_superuser:
        return None
    return [g.path for g in user_grants(user) if g.role in REVEALERS]


def building_list(*, user, under: str | None = None, q: str = "") -> QuerySet:
    qs = _under(restrict(Building.objects.all(), user, Action.VIEW), under)
    if q:
        qs = qs.filter(Q(road__icontains=q) | Q(number__icontains=q) | Q(name__icontains=q))
    return qs


def address_list(*, user, under: str | None = None, q: str = "") -> QuerySet:
    qs = _under(restrict(Address.objects.select_related("grid"), user, Action.VIEW), under)
    return qs.filter(text__icontains=q) if q else qs


def address_get(*, user, address_id: int) -> Address:
    a = address_list(user=user).filter(pk=address_id).first()
    if a is None:
        raise NotFound("地址不存在 / Address not found.", code="not_found")
    return a


def house_list(*, user, under: str | None = None, q: str = "", use: str | None = None) -> QuerySet:
    qs = _under(restrict(House.objects.select_related("address", "grid"), user, Action.VIEW), under)
    if q:
        qs = qs.filter(Q(address__text__icontains=q) | Q(owner_name__icontains=q))
    return qs.filter(use=use) if use else qs


def house_get(*, user, house_id: int) -> House:
    h = house_list(user=user).filter(pk=house_id).first()
    if h is None:
        raise NotFound("房屋不存在 / House not found.", code="not_found")
    return h


def resident_list(*, user, under: str | None = None, q: str = "", kind: str | None = None,
                  active: bool | None = True, house_id: int | None = None) -> QuerySet:
    """Residents in scope. ``q`` matches the name or the address, or — an 18-character ID
    number — the blind index (exact match, nothing decrypted)."""
    qs = _under(restrict(Resident.objects.select_related("house__address", "grid"), user, Action.VIEW), under)
    if active is not None:
        qs = qs.filter(is_active=active)
    if kind:
        qs = qs.filter(kind=kind)
    if house_id:
        qs = qs.filter(house_id=house_id)
    q = (q or "").strip()
    if q:
        from jiewang.core.crypto import blind_index

        from .idnumber import normalize

        if len(normalize(q)) == 18 and normalize(q)[:17].isdigit():
            qs = qs.filter(id_index=blind_index(normalize(q)))
        else:
            qs = qs.filter(Q(name__icontains=q) | Q(house__address__text__icontains=q))
    return qs


def resident_get(*, user, resident_id: int) -> Resident:
    r = resident_list(user=user, active=None).filter(pk=resident_id).first()
    if r is None:
        raise NotFound("居民不存在 / Resident not found.", code="not_found")
    return r


def unit_list(*, user, under: str | None = None, q: str = "", kind: str | None = None) -> QuerySet:
    qs = _under(restrict(Unit.objects.select_related("address", "grid"), user, Action.VIEW), under)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q) | Q(address__text__icontains=q))
    return qs.filter(kind=kind) if kind else qs


def unit_get(*, user, unit_id: int) -> Unit:
    u = unit_list(user=user).filter(pk=unit_id).first()
    if u is None:
        raise NotFound("单位不存在 / Unit not found.", code="not_found")
    return u


def key_person_list(*, user, under: str | None = None, group: str | None = None, q: str = "",
                    active: bool = True) -> QuerySet:
    qs = _under(restrict(KeyPerson.objects.select_related("resident__house__address", "group", "grid"),
                         user, Action.VIEW), under)
    paths = revealer_paths(user)
    if paths is not None:  # sensitive groups: only where the user may unmask
        allowed = Q(pk__in=[])
        for p in paths:
            allowed |= Q(area_path__startswith=p)
        qs = qs.filter(Q(group__sensitive=False) | allowed)
    if active:
        qs = qs.filter(ended_at__isnull=True, resident__is_active=True)
    if group:
        qs = qs.filter(group__code=group)
    if q:
        qs = qs.filter(resident__name__icontains=q)
    return qs


def key_person_get(*, user, key_person_id: int) -> KeyPerson:
    kp = key_person_list(user=user, active=False).filter(pk=key_person_id).first()
    if kp is None:
        raise NotFound("重点人员不存在 / Key person not found.", code="not_found")
    return kp


def key_groups() -> QuerySet:
    return KeyGroup.objects.filter(is_active=True)


def import_run_get(*, user, run_id: int) -> ImportRun:
    run = restrict(ImportRun.objects.all(), user, Action.VIEW).filter(pk=run_id).first()
    if run is None:
        raise NotFound("导入记录不存在 / Import not found.", code="not_found")
    return run


def import_run_list(*, user, under: str | None = None) -> QuerySet:
    return _under(restrict(ImportRun.objects.select_related("area", "actor"), user, Action.VIEW), under)


def reads_anywhere(user) -> bool:
    from jiewang.core.scope import holds_role_for

    return holds_role_for(user, Action.VIEW, Resident)


def writes_anywhere(user) -> bool:
    from jiewang.core.scope import holds_role_for

    return holds_role_for(user, Action.ADD, Resident)


def key_persons_due(*, user, under: str | None = None, now=None) -> QuerySet:
    """Open memberships whose next visit is due by ``now``: the last visit (never visited: the
    start of the membership's first day) + the visit frequency ≤ now. Sensitive groups as in
    :func:`key_person_list`. The date arithmetic runs in Python (one pass over the ids), the
    same on every database."""
    import datetime as dt

    from django.utils import timezone

    now = now or timezone.now()
    qs = key_person_list(user=user, under=under)
    due = []
    for pk, last, since, days in qs.values_list("pk", "last_visited_at", "since", "visit_days"):
        seen = last or timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        if seen + dt.timedelta(days=days) <= now:
            due.append(pk)
    return qs.filter(pk__in=due)


def households(*, user, under: str | None = None) -> QuerySet:
    """Houses with at least one active resident (户: the unit the counts report and visits use)."""
    return house_list(user=user, under=under).filter(residents__is_active=True).distinct()
