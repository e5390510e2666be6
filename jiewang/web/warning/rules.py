"""预警规则 — the page of the early-warning rules (``/warnings/rules/``): the rules over the areas the
user sees (every kind: cluster, hot spot, repeat, trend, keyword, sensor), and for their keepers
(:data:`jiewang.warning.permissions.KEEPERS`: district administrators, town leaders, commanders)
forms to create and edit them, enable or disable them, and edit a keyword rule's word list.

Every write goes through :mod:`jiewang.warning.services.rules` (scope, validation, version,
audit). The form sends each parameter as typed; the service's validation decides, and its field
errors are shown beside the fields, in the page's language, from the rule kind's specification
(:data:`jiewang.warning.services.rules.SPECS`)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import ApplicationError, NotFound
from jiewang.core.scope import user_grants
from jiewang.events import selectors as event_selectors
from jiewang.warning import selectors
from jiewang.warning.choices import ReadingKind, RuleKind
from jiewang.warning.permissions import KEEPERS, VIEWERS
from jiewang.warning.services import rules as svc

from ..command.helpers import not_found, role_required, version_of

# What each parameter is called on the form, and its input.
PARAM_LABELS = {
    "category": gettext_lazy("Category"),
    "count": gettext_lazy("Number of events (N)"),
    "hours": gettext_lazy("Within hours (T)"),
    "distance_m": gettext_lazy("Neighbouring grids within (metres)"),
    "radius_m": gettext_lazy("Within a radius of (metres)"),
    "days": gettext_lazy("Within days"),
    "points": gettext_lazy("Rise of the overdue rate (percentage points)"),
    "min_assignments": gettext_lazy("At least this many assignments"),
    "words": gettext_lazy("Keywords (one per line)"),
    "reading": gettext_lazy("Reading"),
    "threshold": gettext_lazy("Threshold"),
    "quiet_hours": gettext_lazy("Quiet period (hours)"),
}
# Shorter names where the form's label says how to fill the field in.
SUMMARY_LABELS = {"words": gettext_lazy("Keywords")}
WORD_SPLIT = re.compile(r"[\s,，、;；]+")


def keeper_areas(user) -> list[Area]:
    """The areas ``user`` may put a new rule on: the areas of its keeper grants and, below a
    district or a city, their towns."""
    qs = Area.objects.current().only("id", "name", "level", "path")
    if user.is_superuser:
        return list(qs.filter(level__lte=AreaLevel.TOWN).order_by("path")[:300])
    paths = [g.path for g in user_grants(user) if g.role in KEEPERS]
    out: dict[int, Area] = {}
    for p in paths:
        for a in qs.filter(path__startswith=p, level__lte=AreaLevel.TOWN).order_by("path")[:300]:
            out[a.id] = a
    return sorted(out.values(), key=lambda a: a.path)


def _number(raw: str):
    """A form value as a number when it is one; the text otherwise (the service says what is wrong)."""
    try:
        value = float(raw)
    except ValueError:
        return raw
    return int(value) if value.is_integer() else value


def params_from(kind: str, post) -> dict:
    """The rule's parameters from the form: empty fields left out (the service applies the defaults
    or says they are required), numbers as numbers, the word list split on lines, commas, spaces."""
    out: dict = {}
    for name, (typ, _lo, _hi, _default) in svc.SPECS[kind].items():
        raw = (post.get(f"p_{name}") or "").strip()
        if typ is list:
            words = [w for w in WORD_SPLIT.split(raw) if w]
            out[name] = words
        elif raw == "":
            continue
        elif typ is str:
            out[name] = raw
        else:
            out[name] = _number(raw)
    return out


def field_message(kind: str, name: str, problem: str) -> str:
    """The service's problem with one parameter, said for the form in the page's language."""
    if name not in svc.SPECS.get(kind, {}):
        return _("Invalid.")
    typ, lo, hi, _default = svc.SPECS[kind][name]
    if problem == "required":
        return _("Required.")
    if typ is list:
        return _("Enter between %(lo)s and %(hi)s words, each of 1 to 20 characters.") % {"lo": lo, "hi": hi}
    if name == "category":
        return _("Pick a category of the matter catalog.")
    if name == "reading":
        return _("Pick a kind of reading.")
    if typ is int:
        return _("A whole number between %(lo)s and %(hi)s.") % {"lo": f"{lo:g}", "hi": f"{hi:g}"}
    return _("A number between %(lo)s and %(hi)s.") % {"lo": f"{lo:g}", "hi": f"{hi:g}"}


def fields_for(kind: str, values: dict, errors: dict) -> list[dict]:
    """The form's parameter fields of ``kind`` with their values and errors."""
    out = []
    for name, (typ, lo, hi, default) in svc.SPECS[kind].items():
        value = values.get(name, "" if default is svc.REQUIRED else default)
        if typ is list:
            value = "\n".join(value) if isinstance(value, list) else str(value or "")
            widget = "words"
        elif name == "category":
            widget = "category"
        elif name == "reading":
            widget = "reading"
        else:
            widget = "number"
            value = "" if value is None else (f"{value:g}" if isinstance(value, (int, float)) else str(value))
        out.append({"name": name, "label": PARAM_LABELS.get(name, name), "widget": widget, "value": value,
                    "required": default is svc.REQUIRED, "error": errors.get(name, ""),
                    "min": lo if widget == "number" else None, "max": hi if widget == "number" else None,
                    "step": "1" if typ is int else "any"})
    return out


def _form_context(request, *, kind: str, values: dict, errors: dict, **extra) -> dict:
    return {"kind": kind, "kind_label": RuleKind(kind).label, "fields": fields_for(kind, values, errors),
            "categories": event_selectors.category_list(user=request.user).filter(parent__isnull=False),
            "readings": ReadingKind.choices, "errors": errors, **extra}


def _errors_of(kind: str, exc: ApplicationError) -> dict:
    out = {}
    for key, problem in (exc.fields or {}).items():
        key = str(key)
        if key.startswith("params."):
            name = key.split(".", 1)[1]
            out[name] = field_message(kind, name, str(problem))
        else:
            out[key] = _("Required.") if problem == "required" else _("Invalid.")
    return out


def _shown(name: str, value, category_names: dict) -> str:
    """A parameter's value as the list of rules shows it (a category and a reading by name)."""
    if isinstance(value, list):
        return "、".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    if name == "category":
        return f"{value} {category_names.get(value, '')}".strip()
    if name == "reading" and value in ReadingKind.values:
        return str(ReadingKind(value).label)
    return str(value)


# ---- the pages ------------------------------------------------------------------------------

@role_required(VIEWERS)
def rule_list(request):
    rules = list(selectors.rule_list(user=request.user).order_by("area__path", "kind", "id")[:500])
    codes = {r.params.get("category") for r in rules} - {None}
    names = dict(event_selectors.category_list(user=request.user, include_inactive=True).filter(code__in=codes)
                 .values_list("code", "name"))
    for r in rules:
        r.may_keep = svc.may_keep(request.user, r)
        r.summary = "；".join(f"{SUMMARY_LABELS.get(k) or PARAM_LABELS.get(k, k)}: {_shown(k, v, names)}"
                             for k, v in r.params.items())
    return render(request, "web/warning/rules.html", {
        "rules": rules, "kinds": RuleKind.choices, "may_create": bool(keeper_areas(request.user)),
    })


@require_http_methods(["GET", "POST"])
@role_required(KEEPERS)
def rule_new(request):
    kind = request.POST.get("kind") or request.GET.get("kind") or RuleKind.KEYWORD
    if kind not in RuleKind.values:
        kind = RuleKind.KEYWORD
    areas = keeper_areas(request.user)
    values: dict = {"words": svc.DEFAULT_KEYWORDS} if kind == RuleKind.KEYWORD else {}
    errors: dict = {}
    name, area_id, enabled = "", str(areas[0].id) if areas else "", True
    if request.method == "POST":
        name = (request.POST.get("name") or "").strip()
        area_id = request.POST.get("area") or ""
        enabled = request.POST.get("enabled") == "1"
        values = params_from(kind, request.POST)
        area = next((a for a in areas if str(a.id) == area_id), None)
        if area is None:
            errors["area"] = _("Pick an area.")
        else:
            try:
                rule = svc.rule_create(actor=request.user, area=area, kind=kind, name=name, params=values,
                                       enabled=enabled)
            except ApplicationError as exc:
                errors = _errors_of(kind, exc)
            else:
                messages.success(request, _("Rule created: %(name)s.") % {"name": rule.name})
                return redirect("web:warning-rules")
    return render(request, "web/warning/rule_form.html", _form_context(
        request, kind=kind, values=values, errors=errors, rule=None, name=name, areas=areas, area_id=area_id,
        enabled=enabled, kinds=RuleKind.choices), status=422 if errors else 200)


@require_http_methods(["GET", "POST"])
@role_required(VIEWERS)
def rule_edit(request, rule_id: int):
    try:
        rule = selectors.rule_get(user=request.user, rule_id=rule_id)
    except NotFound:
        return not_found(request)
    may_keep = svc.may_keep(request.user, rule)
    values, errors = dict(rule.params), {}
    name, enabled = rule.name, rule.enabled
    if request.method == "POST":
        name = (request.POST.get("name") or "").strip()
        enabled = request.POST.get("enabled") == "1"
        values = params_from(rule.kind, request.POST)
        try:
            rule = svc.rule_update(actor=request.user, rule=rule, expected_version=version_of(request) or 0,
                                   name=name, params=values, enabled=enabled)
        except ApplicationError as exc:
            errors = _errors_of(rule.kind, exc)
            if not errors:
                errors["form"] = exc.text
        else:
            messages.success(request, _("Rule saved: %(name)s.") % {"name": rule.name})
            return redirect("web:warning-rules")
    return render(request, "web/warning/rule_form.html", _form_context(
        request, kind=rule.kind, values=values, errors=errors, rule=rule, name=name, enabled=enabled,
        may_keep=may_keep), status=422 if errors else 200)


@require_POST
@role_required(KEEPERS)
def rule_toggle(request, rule_id: int):
    try:
        rule = selectors.rule_get(user=request.user, rule_id=rule_id)
        rule = svc.rule_update(actor=request.user, rule=rule, expected_version=version_of(request) or 0,
                               enabled=not rule.enabled)
    except NotFound:
        return not_found(request)
    except ApplicationError as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, (_("Rule enabled: %(name)s.") if rule.enabled else _("Rule disabled: %(name)s."))
                         % {"name": rule.name})
    return redirect("web:warning-rules")
