"""Run one deadline sweep in a process of its own, and optionally die in the middle of it.

Used by ``jiewang/events/tests/test_sweep.py`` to kill a sweeper mid-sweep and restart it::

    DATABASE_URL=... python tests/support/sweep_runner.py --now 2026-09-30T12:00:00+08:00 \\
        --batch 3 --die-at 2 --die-when before_commit

``--batch`` makes each step work in batches of that many rows (default: the module's ``BATCH``).
``--die-at K`` kills the process (``os._exit(9)``, no cleanup, like SIGKILL) at the K-th batch
the sweeper hands to its listeners: ``before_commit`` inside that batch's transaction (the
batch must roll back), ``after_commit`` right after that batch commits. Prints the
:class:`SweepResult` as JSON on success.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--now", required=True, help="ISO datetime with offset")
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--die-at", type=int, default=0)
    parser.add_argument("--die-when", choices=["before_commit", "after_commit"], default="before_commit")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import transaction

    from jiewang.events.services import sweep

    if args.batch:
        sweep.BATCH = args.batch
    calls = {"n": 0}

    def die(rows, step, now):
        calls["n"] += 1
        if calls["n"] != args.die_at:
            return
        sys.stdout.write(json.dumps({"dying": step, "call": calls["n"], "rows": len(rows)}) + "\n")
        sys.stdout.flush()
        if args.die_when == "before_commit":
            os._exit(9)
        transaction.on_commit(lambda: os._exit(9))

    if args.die_at:
        sweep.SWEEP_LISTENERS.append(die)
    result = sweep.deadline_sweep(now=dt.datetime.fromisoformat(args.now))
    sys.stdout.write(json.dumps({"warned": result.warned, "overdue": result.overdue, "steps": result.steps,
                                 "summons_escalated": result.summons_escalated}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
