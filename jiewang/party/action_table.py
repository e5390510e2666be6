"""The party app's row of the action registry: a small event the grid handles itself (网格自办,
``handling`` at the grid) is handed to the grid's party branch as a small wish for a reported-in
member to claim (交党员认领). The event stays with the grid, which verifies and closes it as usual;
the member's completion is noted on its timeline."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jiewang.accounts.choices import Role
from jiewang.events import schemas as s
from jiewang.events.action_table import EVENT
from jiewang.events.registry import EventAction, register


def _not_handed(ctx) -> bool:
    from .models import Wish

    return ctx.event.category.grid_may_self_handle and not Wish.objects.filter(
        event_number=ctx.event.number).exclude(status__in=["refused", "withdrawn"]).exists()


def _run(ctx, p):
    from .services.wishes import wish_from_event

    wish_from_event(actor=ctx.user, event=ctx.event, note=p.comment)
    return ctx.event


ROWS = (
    EventAction(
        "hand_to_party", "交党员认领", _("Hand to party members"), frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF}),
        s.VerbIn, statuses=frozenset({"handling"}), level_bound=True, when=_not_handed, run=_run, response=EVENT,
        status_conflict="hand_to_party.not_handling", path="hand-to-party",
        labels={"comment": _("What the member should do")}, done=_("Handed to the party members of the community."),
        description="The grid hands a small event it handles itself to its party branch: a small wish (微心愿) "
                    "published for the members reported in to the community."),
)


def register_rows() -> None:
    register(*ROWS)
