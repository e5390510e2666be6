"""The API routes of the action registry, produced from its rows (one per action, no handler
written by hand): ``POST /api/events/{number}/{action}`` for every action (an action on a
sub-object names it in the body: ``assignment_id``, ``summons_id``, ``request_id``), and
``POST /api/{assignments|summonses|extensions}/{id}/{action}`` for the actions on a sub-object.

The order of refusals is the registry's: an event (or sub-object) outside the caller's scope is
404 before anything else, then 409, then 403, and only then is the body validated (422). So the
body is parsed here, after :func:`~jiewang.events.registry.authorize`, not by ninja; its schema
is still published in the OpenAPI document (``openapi_extra``).
"""

from __future__ import annotations

import copy
import json

from ninja import Router, Status
from pydantic import Field, ValidationError, create_model

from jiewang.core.errors import ValidationFailed

from . import registry
from .registry import ActionContext, EventAction

MAX_ID = 2**63 - 1


def parse_payload(schema, data: dict):
    """``data`` validated by ``schema``; a refusal is the API's 422 ``validation_failed``."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        fields = {".".join(str(x) for x in err["loc"]) or "body": err["msg"] for err in exc.errors()}
        raise ValidationFailed("输入无效 / Invalid input.", code="validation_failed", fields=fields) from None


def parse_id(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit() \
            or not 1 <= int(value) <= MAX_ID:
        raise ValidationFailed("输入无效 / Invalid input.", code="validation_failed", fields={name: "an id is required"})
    return int(value)


def load_event(number: str):
    from .models import Event

    event = Event.objects.select_related("category", "town", "community", "grid").filter(number=number).first()
    if event is None:
        raise registry.not_found()
    return event


def load_subject(action: EventAction, subject_id: int):
    subject = registry.SUBJECTS[action.subject]
    obj = subject.load(subject_id)
    if obj is None:
        from jiewang.core.errors import NotFound

        raise NotFound("对象不存在 / Not found.", code=f"{action.subject}.not_found")
    return obj


def perform(action: EventAction, *, actor, event, subject, data: dict, files=None):
    """Authorize, validate, run: the one path from a request (API or page) to a service."""
    registry.authorize(action.name, actor=actor, event=event, subject=subject)
    payload = parse_payload(action.schema, data)
    ctx = ActionContext(actor, event, subject, files)
    return ctx, action.run(ctx, payload)


def _body(request, action: EventAction) -> dict:
    if action.multipart:
        return {k: v for k, v in request.POST.items()}
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("请求体不是有效的 JSON / The body is not valid JSON.", code="body.invalid_json") \
            from None
    if not isinstance(data, dict):
        raise ValidationFailed("请求体须为 JSON 对象 / The body must be a JSON object.", code="body.invalid_json")
    return data


def _answer(action: EventAction, ctx, result):
    return Status(action.response.status, action.response.shape(result, ctx))


def _event_view(action: EventAction):
    def view(request, number: str):
        event = load_event(number)
        registry.ensure_visible(request.user, event)
        data = _body(request, action)
        subject = None
        if action.subject:
            param = registry.SUBJECTS[action.subject].param
            subject = load_subject(action, parse_id(data.pop(param, None), param))
        ctx, result = perform(action, actor=request.user, event=event, subject=subject, data=data,
                              files=request.FILES)
        return _answer(action, ctx, result)

    view.__name__ = f"event_{action.name}"
    return view


def _subject_view(action: EventAction):
    def view(request, subject_id: int):
        if not 1 <= subject_id <= MAX_ID:  # no such row can exist
            from jiewang.core.errors import NotFound

            raise NotFound("对象不存在 / Not found.", code=f"{action.subject}.not_found")
        subject = load_subject(action, subject_id)
        event = load_event_by_id(registry.SUBJECTS[action.subject].event_id_of(subject))
        registry.ensure_visible(request.user, event)
        data = _body(request, action)
        ctx, result = perform(action, actor=request.user, event=event, subject=subject, data=data,
                              files=request.FILES)
        return _answer(action, ctx, result)

    view.__name__ = f"{action.subject}_{action.name}"
    return view


def load_event_by_id(event_id: int):
    from .models import Event

    return Event.objects.select_related("category", "town", "community", "grid").get(pk=event_id)


# ---- the OpenAPI request bodies ---------------------------------------------------------------

def _inline(schema: dict) -> dict:
    """A JSON schema with its local ``$defs`` resolved in place (the OpenAPI document has no
    place for them inside a request body)."""
    defs = schema.pop("$defs", {})

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(copy.deepcopy(defs[ref.split("/")[-1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


def _request_body(action: EventAction, *, with_subject: bool) -> dict:
    if action.multipart:
        props = _inline(action.schema.model_json_schema())
        props.setdefault("properties", {})["file"] = {"type": "string", "format": "binary"}
        props["required"] = sorted(set(props.get("required", [])) | {"file"})
        return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": props}}}}
    model = action.schema
    if with_subject and action.subject:
        param = registry.SUBJECTS[action.subject].param
        model = create_model(f"{action.schema.__name__}_{param}", __base__=action.schema,
                             **{param: (int, Field(..., ge=1, le=MAX_ID))})
    body = _inline(model.model_json_schema())
    required = bool(body.get("required"))
    return {"requestBody": {"required": required, "content": {"application/json": {"schema": body}}}}


def _summary(action: EventAction) -> str:
    return f"{action.label}: {action.description}" if action.description else action.label


def build_routers() -> tuple[Router, Router]:
    """(routes under /api/events, routes under /api) for every registered action."""
    events = Router(tags=["events"])
    subjects = Router(tags=["dispatching"])
    for action in registry.actions():
        responses = {action.response.status: action.response.schema}
        events.add_api_operation(
            f"/{{number}}/{action.url_segment}", ["POST"], _event_view(action), response=responses,
            summary=_summary(action), operation_id=f"event_{action.name}", url_name=f"event_{action.name}",
            openapi_extra=_request_body(action, with_subject=True))
        if action.subject:
            plural = registry.SUBJECTS[action.subject].plural
            subjects.add_api_operation(
                f"/{plural}/{{int:subject_id}}/{action.subject_segment}", ["POST"], _subject_view(action),
                response=responses, summary=_summary(action), operation_id=f"{action.subject}_{action.name}",
                url_name=f"{action.subject}_{action.name}", openapi_extra=_request_body(action, with_subject=False))
    return events, subjects
