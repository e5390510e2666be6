"""The background worker: periodic jobs, run in their own process (``manage.py run_worker``).

Jobs are thin and idempotent: each calls a service that does nothing when its work is already
done, so a job that runs twice, or a worker killed mid-job and restarted, does no harm. Apps
register their jobs in ``AppConfig.ready()``; the schedule lives here, in one place.
"""

from __future__ import annotations

import importlib
import logging
import time
from dataclasses import dataclass, field

from django.db import close_old_connections

log = logging.getLogger("jiewang.worker")


@dataclass
class PeriodicJob:
    name: str
    every_seconds: float
    target: str  # "module.path:function"
    next_run: float = field(default=0.0)

    def run(self):
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)()


JOBS: dict[str, PeriodicJob] = {}


def register_periodic(name: str, every_seconds: float, target: str) -> None:
    JOBS[name] = PeriodicJob(name, every_seconds, target)


def run_due_jobs(now: float | None = None) -> list[str]:
    """Run every job whose time has come; return the names run. A failing job is logged and
    retried at its next period; it never stops the others."""
    now = time.monotonic() if now is None else now
    ran = []
    for job in JOBS.values():
        if now < job.next_run:
            continue
        close_old_connections()
        try:
            job.run()
            ran.append(job.name)
        except Exception:  # noqa: BLE001 - a worker must survive one bad job
            log.exception("job %s failed", job.name)
        finally:
            job.next_run = now + job.every_seconds
            close_old_connections()
    return ran


def run_forever(*, stop=lambda: False, tick: float = 0.5) -> None:
    log.info("worker started with jobs: %s", ", ".join(JOBS))
    while not stop():
        run_due_jobs()
        time.sleep(tick)
