"""网格力量 — the grid's people ("1+3+N") at /grid/staffing/: the community's and town's staffing
page (each grid with its people by kind, grids without a full-time worker flagged), a grid's page
(its people now, its history, the assign and end forms), a person's profile (phones masked; the
whole numbers on request, audited) and the grid worker's own profile (/grid/staffing/me/).

Reads through ``jiewang.staffing.selectors`` (scoped), writes through its services; a refusal
shows the service's message and changes nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiewang.accounts.models import User
from jiewang.areas import selectors as area_selectors
from jiewang.areas.choices import GRID_LEVELS, AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import ApplicationError, NotFound
from jiewang.core.scope import Action, collapse_paths, restrict, user_grants
from jiewang.staffing import selectors
from jiewang.staffing.choices import KIND_GROUP, MemberGroup, MemberKind
from jiewang.staffing.permissions import MANAGERS, VIEWERS
from jiewang.staffing.services import members as member_svc
from jiewang.staffing.services import people as people_svc
from jiewang.staffing.services.photos import max_bytes as photo_max_bytes
from jiewang.staffing.services.scope import may_read_phones, roles_on

from ..command.helpers import not_found, parse_day, role_required, safe_next

# The columns of the staffing table: "1", the "3", micro-grid leads, the "N".
COLUMNS = [
    (MemberKind.GRID_HEAD, MemberKind.GRID_HEAD.label),
    (MemberKind.FULL_TIME, MemberKind.FULL_TIME.label),
    (MemberKind.PART_TIME, MemberKind.PART_TIME.label),
    (MemberKind.INSTRUCTOR, MemberKind.INSTRUCTOR.label),
    (MemberKind.MICRO_LEAD, MemberKind.MICRO_LEAD.label),
    (MemberGroup.FORCES, MemberGroup.FORCES.label),
]


def _roots(user) -> list[Area]:
    """The nodes the page can start from: the areas of the user's staffing roles (their subtree)."""
    if user.is_superuser:
        return list(area_selectors.area_roots(user=user)[:20])
    paths = collapse_paths(g.path for g in user_grants(user) if g.role in VIEWERS)
    return list(Area.objects.filter(path__in=paths).order_by("path"))


def _area_choices(roots: list[Area]) -> list[Area]:
    """The areas the page can be narrowed to: the roots and the towns and communities under them."""
    out: list[Area] = []
    for root in roots:
        out += list(Area.objects.current().filter(path__startswith=root.path, level__gte=root.level,
                                                  level__lte=AreaLevel.COMMUNITY).order_by("path")[:300])
    return out


def _visible_area(user, area_id) -> Area | None:
    try:
        return restrict(Area.objects.filter(pk=int(area_id)), user, Action.VIEW).first()
    except (TypeError, ValueError):
        return None


def _columns(members) -> list[tuple]:
    cells = {key: [] for key, _label in COLUMNS}
    for m in members:
        key = MemberGroup.FORCES if KIND_GROUP[m.kind] == MemberGroup.FORCES else m.kind
        cells[key].append(m)
    return [(label, cells[key]) for key, label in COLUMNS]


def manages(user, path: str) -> bool:
    return user.is_superuser or bool(roles_on(user, path) & MANAGERS)


@role_required(VIEWERS)
def index(request):
    roots = _roots(request.user)
    root = _visible_area(request.user, request.GET.get("area")) if request.GET.get("area") else None
    root = root or (roots[0] if len(roots) == 1 else None)
    on = parse_day(request.GET.get("on"))
    unstaffed_only = request.GET.get("unstaffed") == "1"
    rows = selectors.staffing_overview(user=request.user, under=root, on=on, unstaffed_only=unstaffed_only)
    for row in rows:
        row["columns"] = _columns(row["members"])
    unstaffed = selectors.unstaffed_grids(user=request.user, under=root, on=on)
    return render(request, "web/staffing/index.html", {
        "roots": roots, "root": root, "choices": _area_choices(roots), "rows": rows, "columns": [label for _key, label in COLUMNS],
        "on": on, "today": timezone.localdate(), "unstaffed_only": unstaffed_only,
        "unstaffed_count": unstaffed.count(), "may_manage": any(manages(request.user, r.path) for r in roots),
        "truncated": len(rows) >= selectors.OVERVIEW_LIMIT, "limit": selectors.OVERVIEW_LIMIT,
    })


def _grid_or_404(request, grid_id: int) -> Area | None:
    grid = _visible_area(request.user, grid_id)
    return grid if grid is not None and grid.level in GRID_LEVELS else None


def _candidates(user, grid: Area) -> list:
    """People the assign form offers: those kept by the grid's community first, then the others."""
    community_path = grid.path.rsplit("/", 3 if grid.level == AreaLevel.MICROGRID else 2)[0] + "/"
    people = list(selectors.person_list(user=user).order_by("name", "id")[:500])
    return sorted(people, key=lambda p: (not p.area_path.startswith(community_path), p.name, p.pk))


@role_required(VIEWERS)
def grid(request, grid_id: int):
    area = _grid_or_404(request, grid_id)
    if area is None:
        return not_found(request)
    row = next((r for r in selectors.staffing_overview(user=request.user, under=area) if r["grid"].pk == area.pk), None)
    if row is None:
        return not_found(request)
    may_manage = manages(request.user, area.path)
    return render(request, "web/staffing/grid.html", {
        "grid": area, "row": row, "history": selectors.grid_history(user=request.user, grid=area),
        "may_manage": may_manage, "kinds": MemberKind.choices, "today": timezone.localdate(),
        "candidates": _candidates(request.user, area) if may_manage else [],
        "community": area.parent if area.level == AreaLevel.GRID else area.parent.parent,
        "chosen": request.GET.get("person", ""),
    })


def _date_field(request, name: str) -> dt.date | None:
    value = request.POST.get(name) or ""
    day = parse_day(value)
    if value and day is None:
        raise ApplicationError(_("Invalid date."), code="staffing.date_invalid")
    return day


@require_POST
@role_required(MANAGERS)
def assign(request, grid_id: int):
    area = _grid_or_404(request, grid_id)
    if area is None:
        return not_found(request)
    back = reverse("web:staffing-grid", args=[area.pk])
    try:
        person = selectors.person_get(user=request.user, person_id=int(request.POST.get("person") or 0))
        member_svc.member_assign(actor=request.user, person=person, grid=area, kind=request.POST.get("kind", ""),
                                 start_date=_date_field(request, "start_date"), duty=request.POST.get("duty", ""))
    except ApplicationError as exc:
        messages.error(request, exc.text)
    except ValueError:
        messages.error(request, _("Choose a person."))
    else:
        messages.success(request, _("Assigned."))
    return redirect(back)


@require_POST
@role_required(MANAGERS)
def end(request, member_id: int):
    try:
        member = selectors.member_get(user=request.user, member_id=member_id)
    except NotFound:
        return not_found(request)
    back = safe_next(request, reverse("web:staffing-grid", args=[member.grid_id]))
    try:
        member_svc.member_end(actor=request.user, member=member, reason=request.POST.get("reason", ""),
                              end_date=_date_field(request, "end_date"))
    except ApplicationError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, _("Assignment ended."))
    return redirect(back)


def _user_by_name(actor, username: str):
    username = (username or "").strip()
    if not username:
        return None
    found = restrict(User.objects.filter(username=username), actor, Action.VIEW).first()
    if found is None:
        raise ApplicationError(_("No account with this user name in your area."), code="staffing.user_invalid")
    return found


def _photo(request) -> bytes | None:
    """The uploaded photo's bytes, read no further than one byte past the limit (the service
    refuses what is too large, too many pixels, or not an image)."""
    upload = request.FILES.get("photo")
    return upload.read(photo_max_bytes() + 1) if upload is not None else None


@role_required(MANAGERS)
def person_new(request):
    roots = [r for r in _roots(request.user) if manages(request.user, r.path)]
    keepers = list(restrict(Area.objects.filter(level__lte=AreaLevel.COMMUNITY, valid_to__isnull=True),
                            request.user, Action.VIEW).filter(level__gte=AreaLevel.DISTRICT).order_by("path")[:300])
    keepers = [a for a in keepers if manages(request.user, a.path)]
    form = request.POST if request.method == "POST" else {"area": request.GET.get("area", "")}
    if request.method == "POST":
        area = _visible_area(request.user, request.POST.get("area"))
        try:
            if area is None:
                raise ApplicationError(_("Choose the area keeping the profile."), code="validation_failed")
            person = people_svc.person_create(
                actor=request.user, area=area, name=request.POST.get("name", ""),
                work_phone=request.POST.get("work_phone", ""), personal_phone=request.POST.get("personal_phone", ""),
                unit=request.POST.get("unit", ""), note=request.POST.get("note", ""),
                user=_user_by_name(request.user, request.POST.get("username", "")), photo=_photo(request))
        except ApplicationError as exc:
            messages.error(request, exc.text)
        else:
            messages.success(request, _("Profile created."))
            grid_id = request.POST.get("grid")
            if grid_id and str(grid_id).isdigit():
                return redirect(reverse("web:staffing-grid", args=[int(grid_id)]) + f"?person={person.pk}#assign")
            return redirect("web:staffing-person", person_id=person.pk)
    return render(request, "web/staffing/person_new.html", {
        "keepers": keepers, "roots": roots, "form": form, "grid_id": request.GET.get("grid", "")})


@role_required(VIEWERS)
def person(request, person_id: int):
    try:
        p = selectors.person_get(user=request.user, person_id=person_id)
    except NotFound:
        return not_found(request)
    may_edit = restrict(type(p).objects.filter(pk=p.pk), request.user, Action.CHANGE).exists()
    phones = None
    if request.method == "POST":
        verb = request.POST.get("verb")
        try:
            if verb == "reveal":
                phones = people_svc.person_phones_reveal(actor=request.user, person=p)
            elif verb == "edit" and may_edit:
                fields = {k: request.POST.get(k, "") for k in ("name", "unit", "note")}
                for k in ("work_phone", "personal_phone"):  # empty: unchanged (the page never shows them whole)
                    if request.POST.get(k, "").strip():
                        fields[k] = request.POST[k]
                if request.POST.get("clear_phones") == "1":
                    fields.update(work_phone="", personal_phone="")
                people_svc.person_update(actor=request.user, person=p,
                                         expected_version=int(request.POST.get("version") or 0),
                                         photo=_photo(request), **fields)
                messages.success(request, _("Profile saved."))
                return redirect("web:staffing-person", person_id=p.pk)
        except ApplicationError as exc:
            messages.error(request, exc.text)
        except ValueError:
            messages.error(request, _("The form was incomplete."))
        p = selectors.person_get(user=request.user, person_id=person_id)
    history = list(selectors.member_list(user=request.user, person=p, include_ended=True)
                   .order_by("-start_date", "-id"))
    return render(request, "web/staffing/person.html", {
        "p": p, "history": history, "phones": phones, "may_edit": may_edit,
        "may_reveal": phones is None and bool(p.work_phone or p.personal_phone) and may_read_phones(request.user, p),
        "today": timezone.localdate()})


@login_required
def me(request):
    """The signed-in worker's own profile: their grids (own first everywhere), their assignments,
    their numbers (their own: shown whole)."""
    p = selectors.person_of_user(request.user)
    history = list(selectors.member_list(user=request.user, person=p, include_ended=True)
                   .order_by("-start_date", "-id")) if p else []
    return render(request, "web/staffing/me.html", {
        "p": p, "history": history, "grids": list(selectors.my_grids(request.user)), "today": timezone.localdate(),
        "phones": {"work_phone": p.work_phone, "personal_phone": p.personal_phone} if p else None})


@login_required
def photo(request, person_id: int):
    try:
        p = selectors.person_get(user=request.user, person_id=person_id)
    except NotFound:
        return not_found(request)
    if not p.photo:
        return not_found(request)
    response = FileResponse(p.photo.open("rb"), content_type=p.photo_type or "application/octet-stream")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response
