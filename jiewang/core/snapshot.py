"""Per-process copies of small tables that hot paths read on every request and people edit
rarely (the matter catalog): rebuilt when the table's token (row count, newest ``updated_at``)
moves, the token being checked at most every ``recheck`` seconds. An edit made in this process is
seen at once (``invalidate``, wired to the model's save/delete signals, and again once the edit
commits, dropping a copy rebuilt inside the transaction); one made in another process, or one
rolled back after a copy was rebuilt, within ``recheck`` seconds (the token moved). Used for the
matter catalog (intake) and the working-day calendar (``core.worktime``: the local overrides and
the loaded holiday arrangements, one snapshot watching both tables through ``also``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")
_ALL: list[TableSnapshot] = []


def invalidate_all() -> None:
    """Forget every snapshot (tests: the database is rolled back under them)."""
    for snap in _ALL:
        snap.invalidate()


class TableSnapshot(Generic[T]):
    def __init__(self, model: type[models.Model], build: Callable[[], T], *,
                 recheck: float | Callable[[], float] = 2.0, also: tuple[type[models.Model], ...] = ()):
        """``recheck``: seconds, or a function returning them (read at each check, e.g. a setting).
        ``also``: more tables the built value reads (each needs ``updated_at``)."""
        self.model, self.build, self._recheck = model, build, recheck
        self.models = (model, *also)
        self._state: tuple[T, tuple, float] | None = None  # (value, token, checked at), replaced whole
        self._lock = threading.Lock()
        _ALL.append(self)
        for watched in self.models:
            for signal in (post_save, post_delete):
                signal.connect(self._changed, sender=watched, weak=False,
                               dispatch_uid=f"snapshot:{watched._meta.label_lower}:{id(self)}")

    @property
    def recheck(self) -> float:
        return float(self._recheck()) if callable(self._recheck) else self._recheck

    def invalidate(self, **_kwargs) -> None:
        self._state = None

    def _changed(self, **_kwargs) -> None:
        self.invalidate()
        transaction.on_commit(self.invalidate)

    def _token(self) -> tuple:
        token: tuple = ()
        for watched in self.models:
            row = watched._default_manager.aggregate(n=models.Count("pk"), last=models.Max("updated_at"))
            token += (row["n"], row["last"])
        return token

    def get(self) -> T:
        state = self._state
        now = time.monotonic()
        if state is not None and now - state[2] < self.recheck:
            return state[0]
        with self._lock:
            token = self._token()
            state = self._state
            if state is not None and state[1] == token:
                self._state = (state[0], token, now)
                return state[0]
            value = self.build()
            self._state = (value, token, now)
            return value
