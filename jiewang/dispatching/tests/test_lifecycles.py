"""The lifecycles of assignments, whistle summonses, extension requests and whistle requests as tables
(:mod:`jiewang.dispatching.lifecycles`): the exact rows, every (move, status) pair allowed or
refused with the lifecycle's own 409 code, moves applied to real rows (only the fields the move
changes are written; a refused move writes nothing), and the ``follows`` coupling to the event's
table."""

from __future__ import annotations

import dataclasses

import pytest
from django.utils import timezone

from jiewang.core.errors import Conflict
from jiewang.core.lifecycle import Lifecycle, Move, check_follows
from jiewang.dispatching.lifecycles import ASSIGNMENT, EXTENSION, LIFECYCLES, SUMMONS, WHISTLE_REQUEST
from jiewang.dispatching.models import Assignment, AssignmentStatus, ExtensionStatus, SummonsStatus
from jiewang.dispatching.models import WhistleRequestStatus
from jiewang.dispatching.services.moves import move
from jiewang.events import registry
from jiewang.events.lifecycle import EVENT

from .helpers import clocks, fresh

CLOSES = ("verify_pass", "close_on_spot")
TABLES = {
    ASSIGNMENT: {
        "sign": ({"dispatched"}, "signed", "signed_at", ()),
        "return": ({"dispatched"}, "returned", "returned_at", ()),
        "feedback": ({"signed"}, "feedback", "feedback_at", ()),
        "lead_feedback": ({"signed"}, "feedback", "feedback_at", ("feedback",)),
        "rework": ({"feedback", "done"}, "signed", None, ("verify_fail", "redo")),
        "complete": ({"signed", "feedback"}, "done", "closed_at", CLOSES),
        "lapse": ({"dispatched"}, "withdrawn", "closed_at", CLOSES),
        "withdraw": ({"dispatched", "signed", "feedback"}, "withdrawn", "closed_at", ("redispatch", "escalate")),
    },
    SUMMONS: {
        "report_in": ({"summoned"}, "reported_in", "reported_in_at", ()),
        "report_in_late": ({"summoned", "missed"}, "late", "reported_in_at", ()),
        "miss": ({"summoned"}, "missed", "escalated_at", ()),
    },
    EXTENSION: {
        "approve": ({"pending"}, "approved", "decided_at", ()),
        "reject": ({"pending"}, "rejected", "decided_at", ()),
        "lapse": ({"pending"}, "lapsed", "decided_at", ("feedback", "redispatch", "escalate", "shelve", *CLOSES)),
    },
    WHISTLE_REQUEST: {
        "approve": ({"pending"}, "approved", "decided_at", ()),
        "decline": ({"pending"}, "declined", "decided_at", ()),
        "withdraw": ({"pending"}, "withdrawn", "decided_at", ()),
        "lapse": ({"pending"}, "lapsed", "decided_at", ("void", *CLOSES)),
    },
}
CODES = {ASSIGNMENT: "assignment.transition_not_allowed", SUMMONS: "whistle.transition_not_allowed",
         EXTENSION: "extension.transition_not_allowed", WHISTLE_REQUEST: "whistle_request.transition_not_allowed"}
STATUSES = {ASSIGNMENT: AssignmentStatus, SUMMONS: SummonsStatus, EXTENSION: ExtensionStatus,
            WHISTLE_REQUEST: WhistleRequestStatus}


def test_the_tables_are_exactly_these():
    assert LIFECYCLES == (ASSIGNMENT, SUMMONS, EXTENSION, WHISTLE_REQUEST)
    for lifecycle, rows in TABLES.items():
        got = {m.name: (set(m.sources), m.target, m.stamp, tuple(m.follows)) for m in lifecycle.moves}
        assert got == rows, lifecycle.name
        assert lifecycle.error_code == CODES[lifecycle]
        assert lifecycle.statuses is STATUSES[lifecycle]
    # only the lead follows the event's feedback; a reopened assignment loses its closing time
    assert ASSIGNMENT.move("lead_feedback").where == (("role", "lead"),)
    assert ASSIGNMENT.move("rework").clear == ("closed_at",)


@pytest.mark.parametrize("lifecycle", LIFECYCLES, ids=lambda lc: lc.name)
def test_every_move_from_every_status(lifecycle):
    for m in lifecycle.moves:
        for status in lifecycle.statuses.values:
            assert lifecycle.allows(m.name, status) == (status in m.sources), (m.name, status)
            if status in m.sources:
                assert lifecycle.check(m.name, status) is m
            else:
                with pytest.raises(Conflict) as exc:
                    lifecycle.check(m.name, status)
                assert exc.value.code == lifecycle.error_code
                assert exc.value.status == 409
                assert exc.value.fields == {"action": m.name, "status": status}
    with pytest.raises(Conflict) as exc:
        lifecycle.check("no_such_move", lifecycle.statuses.values[0])
    assert exc.value.code == lifecycle.error_code
    assert not lifecycle.allows("no_such_move", lifecycle.statuses.values[0])


def test_every_follows_names_a_move_of_the_event_table():
    for lifecycle in LIFECYCLES:
        check_follows(lifecycle, EVENT)
        for m in lifecycle.moves:
            assert set(m.follows) <= set(EVENT.by_name), (lifecycle.name, m.name)
    assert [m.name for m in ASSIGNMENT.followers("verify_pass")] == ["complete", "lapse"]
    assert [m.name for m in ASSIGNMENT.followers("redispatch")] == ["withdraw"]
    assert [m.name for m in EXTENSION.followers("feedback")] == ["lapse"]
    assert ASSIGNMENT.followers("accept") == []
    bogus = Lifecycle("Bogus", "dispatching.Assignment", AssignmentStatus, error_code="x", moves=(
        Move("done", ("signed",), "done", "办结", follows=("no_such_event_move",)),))
    with pytest.raises(AssertionError):
        check_follows(bogus, EVENT)


def test_a_table_must_be_consistent():
    with pytest.raises(AssertionError):
        Lifecycle("Twice", "x", AssignmentStatus, error_code="x", moves=(
            Move("a", ("signed",), "done", "一"), Move("a", ("done",), "signed", "二")))
    with pytest.raises(AssertionError):
        Lifecycle("Unknown", "x", AssignmentStatus, error_code="x", moves=(Move("a", ("lost",), "done", "一"),))


def test_the_registry_names_only_moves_of_the_event_table():
    for action in registry.actions():
        assert set(action.moves) <= set(EVENT.by_name), action.name
        assert action.sources, action.name  # applies in at least one status


# ---- moves on real rows ---------------------------------------------------------------------

@pytest.mark.django_db
def test_a_move_writes_its_status_and_stamp_only(walk, loop):
    e = walk("handling")
    a = e.assignments.get()
    a.instructions = "changed in memory only"
    at = timezone.now()
    m = move(a, "lead_feedback", at=at, changes={"feedback": "已办结"})
    assert m is ASSIGNMENT.move("lead_feedback")
    saved = fresh(a)
    assert (saved.status, saved.feedback_at, saved.feedback) == ("feedback", at, "已办结")
    assert saved.instructions == ""  # not a field of the move: not written
    # rework clears the closing time it reopens
    Assignment.objects.filter(pk=a.pk).update(status="done", closed_at=at)
    a = fresh(a)
    move(a, "rework", at=timezone.now())
    assert (fresh(a).status, fresh(a).closed_at) == ("signed", None)


@pytest.mark.django_db
def test_an_unlisted_move_on_a_row_is_409_and_writes_nothing(walk, people, loop):
    from jiewang.dispatching.services import whistles as wsvc

    e = walk("handling")
    a = e.assignments.get()
    row = dataclasses.astuple(_row(a))
    clock_rows = clocks(e)
    for name in ("sign", "return", "lapse", "no_such_move"):
        with pytest.raises(Conflict) as exc:
            move(fresh(a), name, at=timezone.now())
        assert exc.value.code == "assignment.transition_not_allowed"
        assert dataclasses.astuple(_row(fresh(a))) == row and clocks(e) == clock_rows
    s = wsvc.whistle_blow(event=e, actor=people.admin, departments=[loop.sthj], problem="x").summonses.get()
    move(s, "report_in", at=timezone.now())
    for name in ("report_in", "report_in_late", "miss"):
        with pytest.raises(Conflict) as exc:
            move(fresh(s), name, at=timezone.now())
        assert exc.value.code == "whistle.transition_not_allowed"
        assert fresh(s).status == "reported_in"
    with pytest.raises(TypeError):
        move(e, "sign", at=timezone.now())


@dataclasses.dataclass
class _Row:
    status: str
    signed_at: object
    returned_at: object
    feedback_at: object
    closed_at: object


def _row(a) -> _Row:
    return _Row(a.status, a.signed_at, a.returned_at, a.feedback_at, a.closed_at)
