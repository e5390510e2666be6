"""板块与岗位 — a town's four boards and their posts and stations (/manage/boards/): town leaders
(their town) and district administrators (their district's towns) add posts, rename them or
change their duties, and add the seeded posts a town lacks (``accounts.services``: post_create,
post_update, board_seed_town)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiewang.accounts.models import Board, Post
from jiewang.accounts.services import board_seed_town, post_create, post_update
from jiewang.areas import selectors as area_selectors
from jiewang.areas.choices import AreaLevel
from jiewang.core.errors import ApplicationError
from jiewang.core.scope import Action, restrict

from .views import can_manage_people, requires


def _towns(user):
    return list(area_selectors.area_list(user=user).filter(level=AreaLevel.TOWN, valid_to__isnull=True)
                .order_by("path")[:500])


@requires(can_manage_people)
def boards(request):
    from jiewang.core.scope import user_grants

    towns = _towns(request.user)
    if not request.user.is_superuser:  # the towns it manages, not the ancestors' siblings it may read
        paths = [g.path for g in user_grants(request.user) if g.role in ("town_leader", "district_admin")]
        towns = [t for t in towns if any(t.path.startswith(p) for p in paths)]
    wanted = request.GET.get("town") or request.POST.get("town") or ""
    town = next((t for t in towns if str(t.pk) == wanted), towns[0] if towns else None)
    if request.method == "POST" and town is not None:
        post = request.POST
        try:
            op = post.get("op", "")
            if op == "seed":
                made = board_seed_town(actor=request.user, town=town)
                messages.success(request, _("%(n)d posts added.") % {"n": len(made)})
            elif op == "add":
                board = restrict(Board.objects.filter(town=town), request.user, Action.VIEW) \
                    .filter(pk=post.get("board") or 0).first()
                if board is None:
                    raise ApplicationError(_("A board was not found."), code="board.not_found")
                post_create(actor=request.user, board=board, name=post.get("name", ""),
                            duties=post.get("duties", "").strip())
                messages.success(request, _("Saved."))
            elif op == "edit":
                target = Post.objects.filter(board__town=town, pk=post.get("post") or 0).first()
                if target is None:
                    raise ApplicationError(_("A post was not found."), code="post.not_found")
                post_update(actor=request.user, post=target, name=post.get("name", ""),
                            duties=post.get("duties", ""))
                messages.success(request, _("Saved."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(f"{request.path}?town={town.pk}")
    rows = []
    if town is not None:
        rows = list(Board.objects.filter(town=town).prefetch_related("posts").order_by("kind"))
    return render(request, "web/manage/boards.html", {"towns": towns, "town": town, "boards": rows})
