"""Lifecycles as tables.

A :class:`Lifecycle` is the table of one model's status field: each :class:`Move` names the
statuses it may start from, the status it leads to and the timestamp field it stamps. One
function per lifecycle (:meth:`Lifecycle.apply`) is the only code that changes that status: it
refuses a move the table does not list (409, nothing written), sets the status and the stamp and
saves only the fields it changed. Events, assignments, whistle summonses and extension requests
each have one; ``docs/lifecycle.md`` is generated from all of them (``manage.py lifecycle_doc``).

A move may *follow* moves of another lifecycle (``follows``): an assignment is completed when
its event is closed. The coupling is data in the table, applied by the owning app's hook, and
checked at start-up against the other table (:func:`check_follows`), never mirrored as strings
in if-statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import Conflict


@dataclass(frozen=True)
class Move:
    name: str
    sources: tuple[str, ...]
    target: str
    label: str  # the Chinese term of the step
    stamp: str | None = None  # the timestamp field this move sets
    clear: tuple[str, ...] = ()  # fields reset to None by this move (a reopened row loses closed_at)
    follows: tuple[str, ...] = ()  # moves of the parent lifecycle that cause this one (see module doc)
    where: tuple[tuple[str, Any], ...] = ()  # which child rows follow (field, value), besides their status


@dataclass(frozen=True)
class Lifecycle:
    """The table of one status field. ``statuses`` is the model's TextChoices (labels for docs)."""

    name: str
    model_label: str
    statuses: Any
    moves: tuple[Move, ...]
    error_code: str
    status_field: str = "status"
    by_name: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        names = [m.name for m in self.moves]
        assert len(set(names)) == len(names), f"{self.name}: move names must be unique"
        values = set(self.statuses.values)
        for m in self.moves:
            assert m.target in values and set(m.sources) <= values, f"{self.name}.{m.name}: unknown status"
        self.by_name.update({m.name: m for m in self.moves})

    def move(self, name: str) -> Move:
        return self.by_name[name]

    def check(self, name: str, status: str) -> Move:
        """The row for ``name`` from ``status``, or a 409 with this lifecycle's code."""
        m = self.by_name.get(name)
        if m is None or status not in m.sources:
            label = self.statuses(status).label if status in self.statuses.values else status
            raise Conflict(f"当前状态「{label}」不能执行「{m.label if m else name}」/ "
                           f"'{name}' is not allowed from '{status}'.", code=self.error_code,
                           fields={"action": name, "status": status})
        return m

    def allows(self, name: str, status: str) -> bool:
        m = self.by_name.get(name)
        return m is not None and status in m.sources

    def followers(self, parent_move: str) -> list[Move]:
        return [m for m in self.moves if parent_move in m.follows]

    def apply(self, obj, name: str, *, at, changes: dict | None = None) -> Move:
        """Move ``obj`` (already locked by the caller) by ``name``: check, set, stamp, save."""
        m = self.check(name, getattr(obj, self.status_field))
        written = {self.status_field}
        setattr(obj, self.status_field, m.target)
        if m.stamp:
            setattr(obj, m.stamp, at)
            written.add(m.stamp)
        for f in m.clear:
            setattr(obj, f, None)
            written.add(f)
        for key, value in (changes or {}).items():
            setattr(obj, key, value)
            written.add(key)
        obj.save(update_fields=sorted(written))
        return m

    def as_markdown(self, roles_by_move: dict[str, str] | None = None) -> list[str]:
        from django.utils import translation

        def label(status, lang):
            with translation.override(lang):
                return str(status.label)

        lines = [f"## {self.name}", "", f"Model `{self.model_label}`, field `{self.status_field}`.", ""]
        head = "| move | step | from | to | stamps | follows (rows) |"
        sep = "|---|---|---|---|---|---|"
        if roles_by_move is not None:
            head, sep = head + " actions (who) |", sep + "---|"
        lines += [head, sep]
        for m in self.moves:
            row = (f"| `{m.name}` | {m.label} | {', '.join(f'`{s}`' for s in m.sources)} | `{m.target}` | "
                   f"{m.stamp or ''} | {', '.join(f'`{f}`' for f in m.follows)}"
                   f"{' (' + ', '.join(f'{k}={v}' for k, v in m.where) + ')' if m.where else ''} |")
            if roles_by_move is not None:
                row += f" {roles_by_move.get(m.name, '')} |"
            lines.append(row)
        lines += ["", "Statuses: " + ", ".join(
            f"`{s.value}` ({label(s, 'en')} / {label(s, 'zh-hans')})" for s in self.statuses), ""]
        return lines


def check_follows(child: Lifecycle, parent: Lifecycle) -> None:
    """Every move ``child`` follows must exist in ``parent`` (called at start-up)."""
    for m in child.moves:
        for p in m.follows:
            assert p in parent.by_name, f"{child.name}.{m.name} follows unknown {parent.name} move {p!r}"
