"""Administration pages beyond Django admin (``/manage/``).

District administrators (and superusers) edit the matter catalog (事项清单), load the year's
official holiday arrangement (节假日安排) and manage people in their district; town leaders manage
people in their town only. Everyone else gets a 403 page. Reads go through selectors, writes
through ``events.services.catalog.category_update``, ``holidays.services`` (check, then load) and
``accounts.services`` (user_create, role_grant, role_revoke); a refused write shows the service's
message next to the form.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiewang.accounts import selectors as account_selectors
from jiewang.accounts.choices import ROLE_LEVELS, BoardKind, Role
from jiewang.accounts.services import role_grant, role_revoke, user_create
from jiewang.areas import selectors as area_selectors
from jiewang.areas.choices import AreaLevel
from jiewang.core.errors import ApplicationError, NotFound
from jiewang.core.scope import user_grants
from jiewang.core.worktime import DeadlineUnit
from jiewang.events import selectors as event_selectors
from jiewang.events.choices import HandlingLevel, Urgency
from jiewang.events.services.catalog import category_update
from jiewang.holidays import selectors as holiday_selectors
from jiewang.holidays.parsing import parse_date, parse_ranges
from jiewang.holidays.services import holiday_arrangement_check, holiday_arrangement_load, may_load

CATALOG_ADMINS = {Role.DISTRICT_ADMIN}
PEOPLE_MANAGERS = {Role.DISTRICT_ADMIN, Role.TOWN_LEADER}
# The steps a category's deadlines may set, in the order of the loop.
STEPS = [("accept", "Accept"), ("sign", "Sign for"), ("handle", "Handle"), ("verify", "Verify"),
         ("rate", "Rating window"), ("report_in", "Report in")]


def _roles(user) -> set[str]:
    return {g.role for g in user_grants(user)}


def can_edit_catalog(user) -> bool:
    return user.is_superuser or bool(_roles(user) & CATALOG_ADMINS)


def can_manage_people(user) -> bool:
    return user.is_superuser or bool(_roles(user) & PEOPLE_MANAGERS)


def can_set_whistle_policy(user) -> bool:
    return user.is_superuser or Role.DISTRICT_ADMIN in _roles(user)


def can_load_holidays(user) -> bool:
    return user.is_authenticated and may_load(user)


def _forbidden(request):
    return render(request, "web/manage/forbidden.html", status=403)


def requires(check):
    def deco(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                return _forbidden(request)
            return view(request, *args, **kwargs)

        return wrapper

    return deco


@login_required
def index(request):
    catalog, people = can_edit_catalog(request.user), can_manage_people(request.user)
    holidays = can_load_holidays(request.user)
    whistles = can_set_whistle_policy(request.user)
    if not (catalog or people or holidays or whistles):
        return _forbidden(request)
    if people and not (catalog or holidays):
        return redirect("web:manage-users")
    return render(request, "web/manage/index.html", {"catalog": catalog, "people": people, "holidays": holidays,
                                                     "whistles": whistles})


# ---- the matter catalog ---------------------------------------------------------------------

@requires(can_edit_catalog)
def catalog_list(request):
    board = request.GET.get("board") or None
    if board not in BoardKind.values:
        board = None
    include_inactive = request.GET.get("all") == "1"
    rows = list(event_selectors.category_list(user=request.user, board=board, include_inactive=include_inactive))
    q = (request.GET.get("q") or "").strip()
    if q:
        rows = [c for c in rows if q in c.name or q.lower() in c.code.lower() or q in c.keywords]
    names = account_selectors.department_names_by_code(user=request.user)
    rows = [c for c in rows if c.parent_id]
    for c in rows:
        c.default_departments = [{"code": code, "name": names.get(code, code)} for code in c.default_department_codes]
    return render(request, "web/manage/catalog_list.html", {
        "rows": rows, "boards": BoardKind.choices, "board": board,
        "include_inactive": include_inactive, "q": q, "units": dict(DeadlineUnit.choices),
    })


def _deadline_grid(table: dict, errors: dict) -> list[dict]:
    """Rows step × urgency for the form, with the current amount and unit."""
    grid = []
    for step, slabel in STEPS:
        cells = []
        for urgency, ulabel in Urgency.choices:
            amount, unit = (table.get(urgency, {}) or {}).get(step, ["", ""]) or ["", ""]
            key = f"{urgency}.{step}"
            cells.append({"urgency": urgency, "urgency_label": ulabel, "key": key, "amount": amount, "unit": unit,
                          "id": f"dl-{urgency}-{step}", "error": errors.get(key)})
        grid.append({"step": step, "label": _(slabel), "cells": cells})
    return grid


def _parse_deadlines(post) -> tuple[dict, dict]:
    table: dict = {}
    errors: dict = {}
    for urgency in Urgency.values:
        for step, _label in STEPS:
            raw = (post.get(f"dl-{urgency}-{step}-amount") or "").strip()
            unit = post.get(f"dl-{urgency}-{step}-unit") or ""
            if not raw:
                continue
            try:
                amount = float(raw)
            except ValueError:
                errors[f"{urgency}.{step}"] = _("Not a number.")
                continue
            table.setdefault(urgency, {})[step] = [int(amount) if amount.is_integer() else amount, unit]
    return table, errors


@requires(can_edit_catalog)
def catalog_edit(request, code: str):
    try:
        category = event_selectors.category_get(user=request.user, code=code)
    except NotFound:
        return render(request, "web/not_found.html", status=404)
    error, field_errors = None, {}
    values = {
        "name": category.name, "keywords": category.keywords, "closable_level": category.closable_level,
        "grid_may_self_handle": category.grid_may_self_handle, "is_active": category.is_active,
        "default_department_codes": ", ".join(category.default_department_codes),
        "default_post_name": category.default_post_name,
    }
    table = category.deadlines
    if request.method == "POST":
        post = request.POST
        values = {
            "name": post.get("name", "").strip(), "keywords": post.get("keywords", "").strip(),
            "closable_level": post.get("closable_level", ""),
            "grid_may_self_handle": post.get("grid_may_self_handle") == "1",
            "is_active": post.get("is_active") == "1",
            "default_department_codes": post.get("default_department_codes", ""),
            "default_post_name": post.get("default_post_name", "").strip()[:64],
        }
        table, field_errors = _parse_deadlines(post)
        codes = [c.strip() for c in values["default_department_codes"].replace("，", ",").split(",") if c.strip()]
        if field_errors:
            error = _("Some deadlines are not valid; see the marked cells.")
        else:
            try:
                category_update(actor=request.user, category=category, name=values["name"],
                                keywords=values["keywords"], closable_level=values["closable_level"],
                                grid_may_self_handle=values["grid_may_self_handle"], is_active=values["is_active"],
                                default_department_codes=codes, default_post_name=values["default_post_name"],
                                deadlines=table)
            except ApplicationError as exc:
                error = exc.text
                field_errors = {k: _("Invalid.") for k in exc.fields}
            else:
                messages.success(request, _("Saved: %(name)s.") % {"name": values["name"]})
                return redirect("web:manage-catalog")
    names = account_selectors.department_names_by_code(user=request.user)
    known_codes = sorted(names.items())
    current = [c.strip() for c in values["default_department_codes"].replace("，", ",").split(",") if c.strip()]
    return render(request, "web/manage/catalog_edit.html", {
        "category": category, "values": values, "error": error, "field_errors": field_errors,
        "grid": _deadline_grid(table, field_errors), "urgencies": Urgency.choices, "units": DeadlineUnit.choices,
        "levels": HandlingLevel.choices, "known_codes": known_codes,
        "current_departments": [{"code": c, "name": names.get(c, "")} for c in current],
    }, status=422 if error else 200)


# ---- holiday arrangements (节假日安排) ---------------------------------------------------------

@requires(can_load_holidays)
def holiday_list(request):
    """Where each year's holidays come from, and the arrangements loaded so far."""
    return render(request, "web/manage/holidays.html", {
        "statuses": holiday_selectors.year_statuses(user=request.user),
        "arrangements": holiday_selectors.arrangement_list(user=request.user),
    })


HOLIDAY_FIELDS = ("year", "notice", "published_on", "holidays", "workdays")


def _holiday_arguments(values: dict) -> tuple[dict, dict]:
    """The form's text → the service's arguments, and the fields that do not parse."""
    kwargs, errors = {"notice": values["notice"]}, {}
    try:
        kwargs["year"] = int(values["year"])
    except ValueError:
        errors["year"] = _("Not a year.")
    for name, parse in (("published_on", lambda t: parse_date(t, field="published_on") if t.strip() else None),
                        ("holidays", lambda t: parse_ranges(t, field="holidays")),
                        ("workdays", lambda t: parse_ranges(t, field="workdays"))):
        try:
            kwargs[name] = parse(values[name])
        except ApplicationError as exc:
            errors[name] = exc.text
    return kwargs, errors


@requires(can_load_holidays)
def holiday_load(request):
    """Load a year's arrangement in one step: fill in the notice, preview, then load.

    The first POST (``step=preview``) only checks and shows what would be written; the second
    (``step=load``) writes it through the same service. Errors come back beside their fields.
    """
    from jiewang.core.statutory import NAMES_ZH, statutory_holidays

    default_year = holiday_selectors.notice_year(user=request.user) or holiday_selectors.local_today().year + 1
    values = {name: "" for name in HOLIDAY_FIELDS} | {"year": str(request.GET.get("year") or default_year)}
    plan, error, field_errors = None, None, {}
    if request.method == "POST":
        values = {name: (request.POST.get(name) or "").strip() for name in HOLIDAY_FIELDS}
        kwargs, field_errors = _holiday_arguments(values)
        if field_errors:
            error = _("The arrangement was not loaded; see the marked fields.")
        else:
            try:
                if request.POST.get("step") == "load":
                    arrangement = holiday_arrangement_load(actor=request.user, **kwargs)
                    messages.success(request, _("Loaded the %(year)s holiday arrangement.") % {"year": arrangement.year})
                    return redirect("web:manage-holidays")
                plan = holiday_arrangement_check(actor=request.user, **kwargs)
            except ApplicationError as exc:
                error, field_errors = exc.text, dict(exc.fields)
    try:
        hint_year = int(values["year"])
        statutory = [(d, NAMES_ZH[k]) for d, k in statutory_holidays(hint_year).items()] \
            if 2000 <= hint_year <= 2100 else []
    except ValueError:
        hint_year, statutory = None, []
    return render(request, "web/manage/holiday_load.html", {
        "values": values, "plan": plan, "error": error, "field_errors": field_errors,
        "hint_year": hint_year, "statutory": statutory,
    }, status=422 if error else 200)


# ---- people and grants ----------------------------------------------------------------------

def _area_choices(user, q: str, limit: int = 50) -> list:
    """Areas for the picker: the ones matching ``q`` (name or code) in the user's scope."""
    q = (q or "").strip()
    if not q:
        qs = area_selectors.area_list(user=user, level=None).filter(level__lte=AreaLevel.COMMUNITY)
    elif q.isdigit():
        qs = area_selectors.area_list(user=user, code=q)
    else:
        qs = area_selectors.area_list(user=user, q=q)
    if not user.is_superuser:
        managed = [g.path for g in user_grants(user) if g.role in PEOPLE_MANAGERS]
        qs = [a for a in qs[: limit * 4] if any(a.path.startswith(p) for p in managed)]
    return list(qs[:limit])


def _grantable_roles(user) -> list:
    roles = list(Role.choices)
    if not user.is_superuser and Role.DISTRICT_ADMIN not in _roles(user):
        roles = [(r, label) for r, label in roles if r != Role.DISTRICT_ADMIN]
    return roles


def _grant_context(request) -> dict:
    area_q = request.GET.get("area_q", "")
    return {"roles": _grantable_roles(request.user), "area_q": area_q,
            "areas": _area_choices(request.user, area_q),
            "departments": account_selectors.department_list(user=request.user).order_by("area__path", "name"),
            "posts": _posts(request.user)[:1000], "boards": _boards(request.user)[:500],
            "role_levels": {r: [str(AreaLevel(lv).label) for lv in lvs] for r, lvs in ROLE_LEVELS.items()}}


def _posts(user):
    from jiewang.accounts.models import Post
    from jiewang.core.scope import Action, restrict

    return restrict(Post.objects.select_related("board__town"), user, Action.VIEW) \
        .order_by("board__town__path", "board__kind", "name")


def _boards(user):
    from jiewang.accounts.models import Board
    from jiewang.core.scope import Action, restrict

    return restrict(Board.objects.select_related("town"), user, Action.VIEW).order_by("town__path", "kind")


def _grant_from_post(request, subject):
    post = request.POST
    try:
        area_id = int(post.get("area", ""))
    except ValueError:
        raise NotFound(_("Choose an area."), code="area.not_found") from None
    area = area_selectors.area_get(user=request.user, area_id=area_id, include_retired=False)
    department = None
    if post.get("department"):
        department = account_selectors.department_list(user=request.user).filter(pk=post["department"]).first()
        if department is None:
            raise NotFound(_("A department was not found."), code="department.not_found")
    held, board = None, None
    if post.get("post"):
        held = _posts(request.user).filter(pk=post["post"]).first() if post["post"].isdigit() else None
        if held is None:
            raise NotFound(_("A post was not found."), code="post.not_found")
    if post.get("board"):
        board = _boards(request.user).filter(pk=post["board"]).first() if post["board"].isdigit() else None
        if board is None:
            raise NotFound(_("A board was not found."), code="board.not_found")
    return role_grant(actor=request.user, user=subject, role=post.get("role", ""), area=area,
                      department=department, post=held, board=board)


@requires(can_manage_people)
def user_list(request):
    q = (request.GET.get("q") or "").strip()
    users = account_selectors.user_list(user=request.user, q=q or None)[:200]
    form, error = {}, None
    if request.method == "POST":
        post = request.POST
        form = {k: post.get(k, "").strip() for k in ("username", "display_name", "phone", "role", "area",
                                                     "department", "post", "board")}
        try:
            with transaction.atomic():
                subject = user_create(actor=request.user, username=form["username"],
                                      password=post.get("password") or None, display_name=form["display_name"],
                                      phone=form["phone"])
                if form["role"]:
                    _grant_from_post(request, subject)
        except ApplicationError as exc:
            error = exc.text
        else:
            messages.success(request, _("User %(name)s created.") % {"name": subject.username})
            return redirect("web:manage-user", user_id=subject.pk)
    return render(request, "web/manage/users.html", {
        "users": users, "q": q, "form": form, "error": error, **_grant_context(request),
    }, status=422 if error else 200)


@requires(can_manage_people)
def user_detail(request, user_id: int):
    try:
        subject = account_selectors.user_get(user=request.user, user_id=user_id)
    except NotFound:
        return render(request, "web/not_found.html", status=404)
    error = None
    if request.method == "POST":
        try:
            _grant_from_post(request, subject)
        except ApplicationError as exc:
            error = exc.text
        else:
            messages.success(request, _("Role granted."))
            return redirect("web:manage-user", user_id=subject.pk)
    return render(request, "web/manage/user.html", {
        "subject": subject, "grants": subject.active_grants, "error": error,
        "phone": subject.phone if account_selectors.can_see_phone(request.user, subject) else subject.phone_masked,
        **_grant_context(request),
    }, status=422 if error else 200)


@require_POST
@requires(can_manage_people)
def grant_revoke(request, user_id: int, grant_id: int):
    try:
        subject = account_selectors.user_get(user=request.user, user_id=user_id)
        grant = next((g for g in subject.active_grants if g.pk == grant_id), None)
        if grant is None:
            raise NotFound(_("This grant does not exist or has ended."), code="role.not_found")
        role_revoke(actor=request.user, grant=grant)
    except ApplicationError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, _("Role revoked."))
    return redirect("web:manage-user", user_id=user_id)


@requires(can_manage_people)
def area_options(request):
    """The area picker's options for a search (htmx swaps them into the select)."""
    return render(request, "web/manage/_area_options.html",
                  {"areas": _area_choices(request.user, request.GET.get("area_q", ""))})


# ---- the district's whistle policy (吹哨) -------------------------------------------------------

@requires(can_set_whistle_policy)
def whistle_policy(request):
    """Whether grid workers and community staff of each district may summon departments directly,
    or ask their town's command center (吹哨申请); set through
    ``dispatching.services.whistle_requests.whistle_policy_set`` (version-checked)."""
    from jiewang.dispatching import selectors as dispatch_selectors
    from jiewang.dispatching.services.whistle_requests import whistle_policy_set

    if request.method == "POST":
        try:
            district = area_selectors.area_get(user=request.user, area_id=int(request.POST.get("district", "0")))
            version = request.POST.get("version", "")
            whistle_policy_set(actor=request.user, district=district,
                               direct_whistle_allowed=request.POST.get("direct") == "1",
                               expected_version=int(version) if version.isdigit() else None)
        except (ValueError, NotFound):
            messages.error(request, _("District not found."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
        return redirect("web:manage-whistles")
    return render(request, "web/manage/whistles.html",
                  {"rows": dispatch_selectors.whistle_policy_districts(user=request.user)})
