"""``docs/lifecycle.md``, generated from the lifecycle tables and the action registry
(``manage.py lifecycle_doc``; a test fails when the file is out of date)."""

from __future__ import annotations

from jiewang.core.lifecycle import Lifecycle

from . import registry
from .lifecycle import EVENT, LEVEL_ROLES

# Lifecycles of other apps that follow the event's (dispatching adds its own in ready()).
LIFECYCLES: list[Lifecycle] = []


def register_lifecycle(lifecycle: Lifecycle) -> None:
    if lifecycle not in LIFECYCLES:
        LIFECYCLES.append(lifecycle)


def _who(action) -> str:
    if action.subject_handler:
        return f"staff of the {action.subject}'s handler ({', '.join(sorted(action.roles))})"
    roles = ", ".join(sorted(action.roles))
    return roles + (" (of the level holding the event)" if action.level_bound else "") + \
        (f" ({action.who})" if action.who else "")


def _route(action) -> str:
    route = f"`POST /api/events/{{number}}/{action.url_segment}`"
    if action.subject:
        plural = registry.SUBJECTS[action.subject].plural
        route += f"<br>`POST /api/{plural}/{{id}}/{action.subject_segment}`"
    return route


def as_markdown() -> str:
    by_move: dict[str, list[str]] = {}
    for a in registry.actions():
        for m in a.moves:
            by_move.setdefault(m, []).append(f"`{a.name}` ({_who(a)})")
    by_move.setdefault("redo", []).append("the system, after 不满意")
    by_move.setdefault("escalate", []).append("the system, when acceptance is overdue")
    lines = [
        "# Lifecycles and actions",
        "",
        "Generated from `jiewang/events/lifecycle.py`, `jiewang/dispatching/lifecycles.py` and the action",
        "registry (`jiewang/events/action_table.py`, `jiewang/dispatching/action_table.py`) by",
        "`manage.py lifecycle_doc`; do not edit by hand.",
        "",
        "## Actions",
        "",
        "Each action is one row of the registry: the API route and the page forms are produced from it.",
        "Refusals come in this order: 404 (outside scope), 409 (wrong state), 403 (not allowed), 422 (input).",
        "",
        "| action | step | routes | moves | applies in | who | input | pages |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a in registry.actions():
        fields = ", ".join(f"`{f}`" for f in a.schema.model_fields) or "—"
        if a.subject:
            fields = f"`{registry.SUBJECTS[a.subject].param}`, " + fields if fields != "—" else \
                f"`{registry.SUBJECTS[a.subject].param}`"
        where = ", ".join(f"`{s}`" for s in sorted(a.sources))
        if a.subject:
            where += f" (on an open {a.subject})"
        lines.append(f"| `{a.name}` | {a.label} | {_route(a)} | {', '.join(f'`{m}`' for m in a.moves) or '—'} | "
                     f"{where} | {_who(a)} | {fields} | {', '.join(sorted(a.surfaces))} |")
    lines += ["", "Level-bound roles: " + "; ".join(f"{lvl}: {', '.join(sorted(r))}" for lvl, r in LEVEL_ROLES.items()),
              ""]
    lines += EVENT.as_markdown({m: "; ".join(v) for m, v in by_move.items()})
    for lifecycle in LIFECYCLES:
        lines += lifecycle.as_markdown()
    return "\n".join(lines)
