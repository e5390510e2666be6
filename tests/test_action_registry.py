"""Every action of the registry is reachable from the API and from a page, and is covered by the
permission matrix (``ACTION_CASES``): a new action without a case here fails
:func:`test_every_action_has_a_case`.

For each action, one case builds the state it applies in and names the role allowed there and a
role of the same kind elsewhere; the matrix then checks its API route(s) for anonymous (401),
signed in with no role, the role in scope (2xx), and the role elsewhere (refused, nothing
changed); and its page form: shown to the role in scope on the event page, not to the others, and
posting it through the one form view does the action.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiewang.events import registry
from jiewang.events.models import Event, EventActivity
from jiewang.events.testing import make_event, png_bytes
from tests.test_permission_matrix_events import (REFUSAL_CODES, assignment_ctx, disputed_ctx, extension_ctx,
                                                 reported_in_ctx, signed_ctx, state_of, who, whistle_ctx)


@dataclass
class ActionCase:
    role: str  # attribute of People, or "loop.<name>"
    other: str  # the same kind of role elsewhere
    setup: Callable  # (tree, people, loop) -> ctx with "event" (and the subject under its name)
    body: Callable = lambda c, t, p, lp: {}  # noqa: E731 - the JSON input


def ev(state, **kw):
    return lambda t, p, lp: {"event": make_event(t, p, lp, state, **kw)}


def assist_signed_ctx(t, p, lp):
    from jiewang.dispatching.services.assignments import assignment_sign, event_dispatch

    e = make_event(t, p, lp, "accepted", level="town")
    event_dispatch(event=e, actor=p.admin, lead=lp.cgj, assists=[lp.sthj])
    assist = e.assignments.get(role="assist")
    assignment_sign(assignment=assist, actor=p.admin)
    return {"event": Event.objects.get(pk=e.pk), "assignment": assist}


def whistle_request_ctx(t, p, lp):
    """A community's pending request that the town center blow the whistle (吹哨申请)."""
    from jiewang.dispatching.services.whistle_requests import whistle_request_create

    e = make_event(t, p, lp, "reported", level="community")
    wr = whistle_request_create(event=e, actor=p.community_staff, departments=[lp.cgj], problem="请中心吹哨")
    return {"event": Event.objects.get(pk=e.pk), "whistle_request": wr}


DEPT = lambda c, t, p, lp: {"lead_department_id": lp.cgj.id, "comment": "请办理"}  # noqa: E731


def unplaced_ctx(t, p, lp):
    """An Open311 request reported by address only, held by 一街道's command center (待定位)."""
    from jiewang.events.models import MatterCategory
    from jiewang.events.services.placing import event_report_unplaced

    event, _ = event_report_unplaced(actor=None, channel="open311", category=MatterCategory.objects.get(code="LS01"),
                                     town=t.t1, title="地址上报", address="甲社区幸福路 8 号")
    return {"event": event}


def alarm_ctx(t, p, lp):
    """An urgent event's open alarm (raised by intake) in 一街道."""
    from jiewang.duty.testing import urgent_event

    event = urgent_event(t, p, lp)
    return {"event": event, "alarm": event.duty_alarm}


ACTION_CASES: dict[str, ActionCase] = {
    "place": ActionCase("town_operator", "other_district_admin", unplaced_ctx,
                        lambda c, t, p, lp: {"lon": 106.05, "lat": 29.2, "comment": "按地址定位"}),
    "accept": ActionCase("town_operator", "other_district_admin", ev("reported", level="town")),
    "void": ActionCase("town_operator", "other_district_admin", ev("reported", level="town"),
                       lambda c, t, p, lp: {"comment": "无效"}),
    "escalate": ActionCase("grid_worker", "other_community_staff", ev("reported"),
                           lambda c, t, p, lp: {"comment": "需上级"}),
    "self_handle": ActionCase("grid_worker", "other_community_staff", ev("reported")),
    "handle_locally": ActionCase("town_operator", "other_district_admin", ev("accepted", level="town")),
    "feedback": ActionCase("grid_worker", "other_community_staff", ev("grid_handling"),
                           lambda c, t, p, lp: {"comment": "已处理"}),
    "close_on_spot": ActionCase("grid_worker", "other_community_staff", ev("grid_handling"),
                                lambda c, t, p, lp: {"comment": "已处理"}),
    "verify": ActionCase("grid_worker", "other_community_staff", ev("feedback", level="town"),
                         lambda c, t, p, lp: {"passed": True}),
    "shelve": ActionCase("town_operator", "other_district_admin", ev("accepted", level="town"),
                         lambda c, t, p, lp: {"comment": "长期"}),
    "resume": ActionCase("town_operator", "other_district_admin", ev("shelved", level="town")),
    "visit": ActionCase("town_operator", "other_district_admin", ev("closed", level="town"),
                        lambda c, t, p, lp: {"contacted": True, "resolved": True, "satisfaction": "satisfied"}),
    "rate": ActionCase("resident", "other_community_staff",
                       lambda t, p, lp: {"event": make_event(t, p, lp, "grid_closed", reporter=p.resident)},
                       lambda c, t, p, lp: {"satisfaction": "satisfied"}),
    "photo": ActionCase("grid_worker", "other_community_staff", ev("reported"), lambda c, t, p, lp: {"kind": "before"}),
    "dispatch": ActionCase("town_operator", "other_district_admin", ev("accepted", level="town"), DEPT),
    "redispatch": ActionCase("town_operator", "other_district_admin", ev("dispatched", level="town"), DEPT),
    "send_down": ActionCase("town_operator", "other_district_admin", ev("accepted", level="town"),
                            lambda c, t, p, lp: {"area_id": t.g1.id, "comment": "请网格处理"}),
    "arbitrate": ActionCase("town_operator", "other_district_admin", disputed_ctx,
                            lambda c, t, p, lp: {"keep": True, "comment": "仍由城管负责"}),
    "sign": ActionCase("loop.cgj_staff", "other_district_admin", assignment_ctx),
    "return": ActionCase("loop.cgj_staff", "other_district_admin", assignment_ctx,
                         lambda c, t, p, lp: {"comment": "非本部门职责"}),
    "dispute": ActionCase("loop.cgj_staff", "other_district_admin", signed_ctx,
                          lambda c, t, p, lp: {"comment": "应由住建部门负责"}),
    "assist_feedback": ActionCase("loop.sthj_staff", "other_district_admin", assist_signed_ctx,
                                  lambda c, t, p, lp: {"comment": "协办部分已完成"}),
    "extension": ActionCase("loop.cgj_staff", "other_district_admin", ev("handling", level="town"),
                            lambda c, t, p, lp: {"requested_due_at": (c["event"].due_at + dt.timedelta(days=30))
                                                .isoformat(), "comment": "需采购材料"}),
    "decide_extension": ActionCase("town_operator", "other_district_admin", extension_ctx,
                                   lambda c, t, p, lp: {"approve": True}),
    # grids and communities whistle directly only where their district allows it (not by default)
    "whistle": ActionCase("town_operator", "other_district_admin", ev("reported", level="town"),
                          lambda c, t, p, lp: {"department_ids": [lp.cgj.id], "problem": "请到场"}),
    "request_whistle": ActionCase("community_staff", "other_community_staff", ev("reported", level="community"),
                                  lambda c, t, p, lp: {"department_ids": [lp.cgj.id], "problem": "请中心吹哨"}),
    "approve_whistle_request": ActionCase("town_operator", "other_district_admin", whistle_request_ctx,
                                          lambda c, t, p, lp: {"department_ids": [lp.cgj.id, lp.sthj.id]}),
    "decline_whistle_request": ActionCase("town_operator", "other_district_admin", whistle_request_ctx,
                                          lambda c, t, p, lp: {"comment": "街道自行处理"}),
    "withdraw_whistle_request": ActionCase("community_staff", "other_community_staff", whistle_request_ctx),
    "report_in": ActionCase("loop.cgj_staff", "other_district_admin", whistle_ctx,
                            lambda c, t, p, lp: {"responder_name": "王"}),
    "rate_summons": ActionCase("town_operator", "other_district_admin", reported_in_ctx,
                               lambda c, t, p, lp: {"attended": True, "rating": 5}),
    "remind": ActionCase("town_operator", "other_district_admin", ev("dispatched", level="town"),
                         lambda c, t, p, lp: {"comment": "请加快"}),
    "supervise": ActionCase("town_operator", "other_district_admin", ev("dispatched", level="town")),
    "supervise_handler": ActionCase("town_operator", "other_district_admin", assignment_ctx,
                                    lambda c, t, p, lp: {"comment": "请限期回复处置进展"}),
    "acknowledge_alarm": ActionCase("town_leader", "other_district_admin", alarm_ctx,
                                    lambda c, t, p, lp: {"note": "已调度处置"}),
    "hand_to_party": ActionCase("grid_worker", "other_community_staff", ev("grid_handling"),
                                lambda c, t, p, lp: {"comment": "请党员帮忙清理楼道杂物"}),
}
SUBJECT_KEY = {"assignment": "assignment", "summons": "summons", "extension": "request",
               "whistle_request": "whistle_request", "alarm": "alarm"}


def test_every_action_has_a_case():
    assert set(registry.REGISTRY) == set(ACTION_CASES), "add a case to ACTION_CASES for each new action"
    for action in registry.actions():
        assert action.surfaces, f"{action.name} is offered on no page"


def routes(action) -> list[tuple[str, str]]:
    """(OpenAPI template, kind) of the action's routes."""
    out = [(f"/api/events/{{number}}/{action.url_segment}", "event")]
    if action.subject:
        out.append((f"/api/{registry.SUBJECTS[action.subject].plural}/{{subject_id}}/{action.subject_segment}",
                    "subject"))
    return out


ACTION_ROUTES = {("POST", t) for a in registry.actions() for t, _k in routes(a)}


def test_every_action_is_in_the_api():
    from config.api import api

    paths = api.get_openapi_schema()["paths"]
    for action in registry.actions():
        for template, _kind in routes(action):
            assert "post" in paths.get(template, {}), f"{action.name}: {template} missing"
            op = paths[template]["post"]
            assert action.response.status in op["responses"] or str(action.response.status) in op["responses"]


def _subject(action, ctx):
    return ctx[SUBJECT_KEY[action.subject]] if action.subject else None


def api_call(client, action, kind, ctx, tree, people, loop):
    body = ACTION_CASES[action.name].body(ctx, tree, people, loop)
    subject = _subject(action, ctx)
    if kind == "event":
        url = f"/api/events/{ctx['event'].number}/{action.url_segment}"
        if subject is not None:
            body = {registry.SUBJECTS[action.subject].param: subject.pk, **body}
    else:
        url = f"/api/{registry.SUBJECTS[action.subject].plural}/{subject.pk}/{action.subject_segment}"
    if action.multipart:
        return client.post(url, {**body, "file": SimpleUploadedFile("p.png", png_bytes(), "image/png")})
    return client.post(url, data=json.dumps(body), content_type="application/json")


API_CASES = [(name, kind) for name, a in registry.REGISTRY.items() for _t, kind in routes(a)]


@pytest.mark.django_db
@pytest.mark.parametrize("name,kind", API_CASES, ids=[f"{n}-{k}" for n, k in API_CASES])
@pytest.mark.parametrize("who_", ["anonymous", "nobody", "role", "other"])
def test_action_matrix(name, kind, who_, tree, people, loop, client_for):
    action, case = registry.REGISTRY[name], ACTION_CASES[name]
    ctx = case.setup(tree, people, loop)
    before = state_of(ctx)
    user = {"anonymous": None, "nobody": people.nobody, "role": who(case.role, people, loop),
            "other": who(case.other, people, loop)}[who_]
    resp = api_call(client_for(user), action, kind, ctx, tree, people, loop)
    if who_ == "role":
        assert resp.status_code == action.response.status, resp.content
        assert state_of(ctx) != before  # every action leaves at least an activity row
        return
    if who_ == "anonymous":
        assert resp.status_code == 401, resp.content
    else:
        assert resp.status_code in (403, 404), resp.content
        assert resp.json()["code"] in REFUSAL_CODES, resp.content
    assert state_of(ctx) == before


def offered_names(html: str) -> set[str]:
    return set(re.findall(r'<form[^>]*data-action="([a-z_]+)"', html))


def form_fields(action, ctx, body) -> dict:
    data = {"expected_version": ctx["event"].version, "surface": "event_page"}
    subject = _subject(action, ctx)
    if subject is not None:
        data[registry.SUBJECTS[action.subject].param] = subject.pk
    for k, v in body.items():
        if isinstance(v, bool):
            data[k] = "1" if v else "0"
        elif isinstance(v, list):
            data[k] = [str(x) for x in v]
        else:
            data[k] = str(v)
    if action.multipart:
        data["file"] = SimpleUploadedFile("p.png", png_bytes(), "image/png")
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(registry.REGISTRY))
def test_action_is_offered_on_the_event_page_and_works_from_it(name, tree, people, loop, client_for):
    action, case = registry.REGISTRY[name], ACTION_CASES[name]
    ctx = case.setup(tree, people, loop)
    event = ctx["event"]
    role = client_for(who(case.role, people, loop))
    page = role.get(f"/events/{event.number}/")
    assert page.status_code == 200
    assert name in offered_names(page.content.decode()), f"{name} not offered to {case.role}"
    other = client_for(who(case.other, people, loop)).get(f"/events/{event.number}/")
    assert other.status_code == 404 or name not in offered_names(other.content.decode())
    before = state_of(ctx), EventActivity.objects.count()
    r = role.post(f"/events/{event.number}/do/{name}/", form_fields(action, ctx, case.body(ctx, tree, people, loop)))
    assert r.status_code == 302 and r.url == f"/events/{event.number}/"
    messages = [(m.level_tag, str(m)) for m in r.wsgi_request._messages]
    assert messages and all(level == "success" for level, _m in messages), messages
    assert (state_of(ctx), EventActivity.objects.count()) != before, f"{name} from the page changed nothing"
