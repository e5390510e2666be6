"""The pages' side of the action registry (:mod:`jiewang.events.registry`).

:func:`forms_for` lists the forms a user may submit on an event *now*, for one surface (the event
page's panel, a command-center row, a department row), each built from its registry row: the
fields come from the row's input schema (type → widget), labels and choices from the row.
:func:`action_post` is the one view all those forms post to: it parses the form into the same
schema, runs the action through the same path as the API (authorize → validate → service), and
answers with the re-rendered row (htmx) or a message and a redirect back.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from pydantic_core import PydanticUndefined

from jiewang.core.errors import ApplicationError, NotFound, ValidationFailed
from jiewang.events import registry
from jiewang.events.api_actions import load_event, load_subject, parse_id, perform
from jiewang.events.registry import ActionContext, EventAction

from .command.helpers import finish, is_htmx

MAX_ATTACHED_PHOTOS = 6
DEFAULT_LABELS = {
    "comment": gettext_lazy("Comment (optional)"),
    "kind": gettext_lazy("Kind"),
}
REQUIRED_COMMENT = gettext_lazy("Reason")
NEVER_SHOWN = {"expected_version"}


# ---- schema field → widget --------------------------------------------------------------------

def _unwrap(annotation):
    """(base type, is a list, may be None) of a field's annotation."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) == 1:
                annotation = args[0]
            else:
                return tuple(args), False, optional
        elif origin is list:
            base, _l, _o = _unwrap(typing.get_args(annotation)[0])
            return base, True, optional
        else:
            return annotation, False, optional


def _enum_choices(base) -> list[tuple[str, str]] | None:
    if isinstance(base, tuple):  # e.g. Satisfaction | Literal[""]
        out = []
        for part in base:
            if typing.get_origin(part) is typing.Literal:
                out += [(v, "—" if v == "" else v) for v in typing.get_args(part)]
            else:
                out += _enum_choices(part) or []
        return out
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return [(m.value, str(getattr(m, "label", m.value))) for m in base]
    if typing.get_origin(base) is typing.Literal:
        return [(v, v) for v in typing.get_args(base)]
    return None


def _field(action: EventAction, ctx, name: str, info, key: str) -> dict | None:
    base, is_list, optional = _unwrap(info.annotation)
    required = info.is_required()
    label = action.labels.get(name) or (REQUIRED_COMMENT if name == "comment" and required else None) \
        or DEFAULT_LABELS.get(name) or name.replace("_", " ").capitalize()
    value = None if info.default is PydanticUndefined else info.default
    choices = None
    if name in action.choices:
        choices, value = action.choices[name](ctx)
        choices = list(choices) if choices else None
        if choices is None and is_list and not required:
            return None  # nothing to pick (e.g. the checklist of an event that has none)
    elif (found := _enum_choices(base)) is not None:
        choices = found
    if base is bool and choices is None:
        if required:
            choices = [("1", _("Yes")), ("0", _("No"))]
        elif optional:
            choices = [("", _("Unknown")), ("1", _("Yes")), ("0", _("No"))]
    if is_list:
        kind = "multiselect" if choices is not None else "text"
    elif choices is not None:
        kind = "select"
    elif base is bool:
        kind = "checkbox"
    elif base is dt.datetime:
        kind = "datetime"
    elif base is int:
        kind = "number"
    else:
        max_len = next((m.max_length for m in info.metadata if getattr(m, "max_length", None)), None)
        kind = "textarea" if (max_len or 0) > 200 else ("tel" if "phone" in name else "text")
    if isinstance(value, bool):
        value = "1" if value else "0"
    elif isinstance(value, enum.Enum):
        value = value.value
    values = set(value) if isinstance(value, (list, set, tuple)) else {str(value) if value is not None else ""}
    return {"name": name, "kind": kind, "label": label, "required": required and kind != "checkbox",
            "choices": choices or [], "value": "" if value is None or isinstance(value, (list, set)) else value,
            "values": values, "id": f"act-{key}-{name}"}


def build_form(action: EventAction, ctx: ActionContext, *, surface: str) -> dict:
    subject = ctx.subject
    key = f"{action.name}-{subject.pk}" if subject is not None else action.name
    hidden = {}
    if subject is not None:
        hidden[registry.SUBJECTS[action.subject].param] = subject.pk
    fields = []
    for name, info in action.schema.model_fields.items():
        if name in NEVER_SHOWN or name in action.hidden:
            continue
        if (f := _field(action, ctx, name, info, key)) is not None:
            fields.append(f)
    if action.multipart:
        fields.append({"name": "file", "kind": "file", "label": _("Photo (JPEG, PNG or WebP)"), "required": True,
                       "choices": [], "value": "", "values": set(), "id": f"act-{key}-file"})
    if action.attachments:
        fields.append({"name": "photos", "kind": "files", "label": _("Photos (up to 6)"), "required": False,
                       "choices": [], "value": "", "values": set(), "id": f"act-{key}-photos"})
    return {
        "name": action.name, "key": key, "label": str(action.title), "fields": fields, "hidden": hidden,
        "note": registry.SUBJECTS[action.subject].describe(subject) if subject is not None else "",
        "url": reverse("web:event-act", args=[ctx.event.number, action.name]),
        "multipart": action.multipart or action.attachments, "primary": action.primary,
        # In a queue row, an action that needs no input is one button (its optional fields are on
        # the event page).
        "compact": not any(f["required"] for f in fields) and not action.multipart, "surface": surface,
    }


def forms_for(user, event, surface: str, *, subjects: list | None = None, event_level: bool = True,
              names: tuple[str, ...] | None = None) -> list[dict]:
    """The forms ``user`` may submit on ``event`` now on ``surface``, in registry order. For a
    row about sub-objects (a department's assignment, a dispute), ``subjects`` keeps the
    sub-object actions to those; ``event_level=False`` leaves out the event's own actions;
    ``names`` keeps only the named actions."""
    out = []
    base = ActionContext(user, event)
    candidates: dict[str, list] = {}
    for action in registry.actions():
        if surface not in action.surfaces or (names is not None and action.name not in names):
            continue
        if not action.subject:
            if event_level and registry.offered(action, base):
                out.append(build_form(action, base, surface=surface))
            continue
        if subjects is not None and not subjects:
            continue
        if action.subject not in candidates:
            candidates[action.subject] = registry.SUBJECTS[action.subject].candidates(event)
        for obj in candidates[action.subject]:
            if subjects is not None and obj not in subjects:
                continue
            ctx = ActionContext(user, event, obj)
            ctx.__dict__["held"] = base.held  # computed once per event
            if registry.offered(action, ctx):
                out.append(build_form(action, ctx, surface=surface))
    # The main step first (the event page opens the first form), photos last.
    out.sort(key=lambda f: (not f["primary"], f["name"] == "photo"))
    return out


# ---- the one form view --------------------------------------------------------------------------

def form_data(action: EventAction, post) -> dict:
    """The posted form as the action's schema expects it (lists, booleans, local date-times)."""
    data: dict = {}
    for name, info in action.schema.model_fields.items():
        base, is_list, optional = _unwrap(info.annotation)
        if is_list:
            data[name] = [v for v in post.getlist(name) if v != ""]
            continue
        if name not in post:
            continue
        value = post.get(name, "")
        if value == "" and base is not str and not isinstance(base, tuple):
            if optional:
                data[name] = None
            continue
        if base is bool:
            data[name] = value in ("1", "true", "on", "yes")
        elif base is dt.datetime:
            parsed = parse_datetime(value)
            if parsed is None:
                raise ValidationFailed(_("Give a valid date and time."), code="validation_failed",
                                       fields={name: "invalid"})
            data[name] = timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
        else:
            data[name] = value.strip() if isinstance(value, str) else value
    return data


def _row(request, surface: str, event, subject) -> dict:
    """The re-rendered row an htmx form swaps in, by the surface it came from."""
    if surface == "command":
        from .command.views import row_for

        return row_for(request, event.number)
    if surface == "department":
        from .department.views import row_for

        return row_for(request, request.POST.get("row", ""))
    return {}


@require_POST
@login_required
def action_post(request, number: str, action: str):
    """Do one action from a page; back to the page (or the row) with the outcome."""
    spec = registry.REGISTRY.get(action)
    try:
        if spec is None:
            raise NotFound(_("Unknown action."), code="action.unknown")
        event = load_event(number)
        registry.ensure_visible(request.user, event)
    except NotFound:
        return render(request, "web/not_found.html", status=404)
    surface = request.POST.get("surface", "event_page")
    default_url = reverse("web:event", args=[number])
    ok = error = None
    subject = None
    try:
        posted = request.POST.get("expected_version") or request.POST.get("version")
        if posted is not None and posted != str(event.version):
            # The page was rendered from an older version: refuse before touching anything
            # (the services check again under the row lock).
            raise ApplicationError(_("The event changed since you read it; nothing was done. "
                                     "Check the page and try again."), code="event.stale")
        if spec.subject:
            param = registry.SUBJECTS[spec.subject].param
            subject = load_subject(spec, parse_id(request.POST.get(param), param))
        data = form_data(spec, request.POST)
        if posted is not None and "expected_version" in spec.schema.model_fields:
            data["expected_version"] = event.version
        photos = request.FILES.getlist("photos") if spec.attachments else []
        if len(photos) > MAX_ATTACHED_PHOTOS:
            raise ValidationFailed(_("At most %(n)d photos.") % {"n": MAX_ATTACHED_PHOTOS}, code="photo.too_many")
        with transaction.atomic():
            perform(spec, actor=request.user, event=event, subject=subject, data=data, files=request.FILES)
            if photos:
                from jiewang.events.choices import PhotoKind
                from jiewang.events.services.photos import event_photo_add

                for f in photos:
                    event_photo_add(event=event, actor=request.user, data=f.read(), kind=PhotoKind.FEEDBACK)
        ok = str(spec.done) if spec.done else _("Done: %(action)s.") % {"action": spec.title}
    except ApplicationError as exc:
        error = exc.text
        if exc.fields and exc.code == "validation_failed":
            error = f"{error} ({', '.join(f'{k}: {v}' for k, v in exc.fields.items())})"
    row = _row(request, surface, event, subject) if is_htmx(request) else {}
    return finish(request, default_url=default_url, ok=ok, error=error, **row)
