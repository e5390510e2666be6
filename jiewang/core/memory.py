"""Python's cyclic garbage collector paused around a bulk job.

Objects are freed by reference counting the moment nothing holds them; the cyclic collector exists
only for reference cycles, and it runs whenever enough container objects have been allocated,
rescanning the older ones as the heap grows. A job that builds a million plain rows in seconds (the
month's assessment of a whole city: a result dict per member and indicator) makes no cycles worth
collecting, yet spends about a third of its time in the collector (bench/city_assessment.py).
:func:`cyclic_gc_paused` turns it off for such a job and back on after; anything cyclic the job left
is collected at the next run of the collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
