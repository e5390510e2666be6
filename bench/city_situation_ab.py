"""A/B in one process: ``stats.selectors.situation`` of the working tree against the same module
as it is at another revision (default ``main``, read with ``git show`` and loaded beside it), on
the cached city of ``city_bench`` after a ``situation`` run made its users. Per level (town,
district, city): CPU time per call + JSON (``time.process_time``: SQLite runs in this process, so
its work is included; PostgreSQL's server is not) and wall time, the variants alternating, median
and p95; statements per call; and every answer of the two held equal (the same numbers from the
old live queries and the new rollups).

Run: ``python -m bench.city_situation_ab [--db sqlite|postgres] --events 1000000 --rounds 40
[--against main] [--days 30]``. Writes ``results-situation-ab-<db>-<key>.json`` in the bench directory."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

import numpy as np

from bench import city_data as data


def load_revision(rev: str):
    """``jiewang.stats.selectors`` as it is at ``rev``, as a module of the same package (its
    relative imports resolve to the working tree's models and services)."""
    src = subprocess.run(["git", "show", f"{rev}:jiewang/stats/selectors.py"], cwd=data.ROOT, check=True,
                         capture_output=True, text=True).stdout
    name = "jiewang.stats._selectors_ab"
    spec = importlib.util.spec_from_loader(name, loader=None)
    mod = importlib.util.module_from_spec(spec)
    mod.__package__ = "jiewang.stats"
    sys.modules[name] = mod
    exec(compile(src, f"<{rev}:jiewang/stats/selectors.py>", "exec"), mod.__dict__)
    return mod


def comparable(answer: dict, vendor: str) -> dict:
    """The answer as compared. On PostgreSQL the old live query ordered handlers with equal counts
    by ``department_id`` with NULLs last (posts after departments), SQLite and the rollup with them
    first (0 for none): there the overdue handlers are compared by their counts, and by who they are
    above the last count shown (the members of the last tie may differ)."""
    if vendor != "postgresql":
        return answer
    units = answer["overdue_units"]
    last = min((u["overdue"] for u in units), default=0)
    return {**answer, "overdue_units": ([u["overdue"] for u in units],
                                        sorted((u["kind"], u["id"]) for u in units if u["overdue"] > last))}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--against", default="main")
    ap.add_argument("--days", type=int, default=0, help="trend days (0: 30/90/365 in turn)")
    args = ap.parse_args()
    env = data.env_for(args.db, args.events, args.years, args.seed)
    data.run_manage(env, "migrate", "--noinput", "-v", "0")
    os.environ.update(env)
    sys.path.insert(0, str(data.ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiewang.accounts.models import User
    from jiewang.stats import selectors

    from .city_bench import loadavg

    old = load_revision(args.against)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=data.ROOT, capture_output=True,
                          text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "jiewang"], cwd=data.ROOT, capture_output=True,
                                text=True).stdout.strip())
    against = subprocess.run(["git", "rev-parse", "--short", args.against], cwd=data.ROOT, capture_output=True,
                             text=True).stdout.strip()
    variants = {"before": old.situation, "after": selectors.situation}
    out = {"code": head + ("+" if dirty else ""), "against": f"{args.against} ({against})", "events": args.events,
           "rounds": args.rounds, "load_start": loadavg(), "levels": {}}
    print(f"A/B {out['against']} vs {out['code']}, load {out['load_start']}", flush=True)
    for level in ("town", "district", "city"):
        users = list(User.objects.filter(username__startswith=f"bench_sit_{level}_").order_by("id"))[:10]
        cpu = {k: [] for k in variants}
        wall = {k: [] for k in variants}
        stmts = {k: [] for k in variants}
        differ = 0
        for u in users:  # warm: each user's area read once by both
            for fn in variants.values():
                fn(user=User.objects.get(pk=u.pk), days=30)
        for rnd in range(args.rounds):
            u = users[rnd % len(users)]
            days = args.days or (30, 90, 365)[rnd % 3]
            order = list(variants.items()) if rnd % 2 else list(variants.items())[::-1]
            answers = {}
            for name, fn in order:
                uu = User.objects.get(pk=u.pk)
                c, w = time.process_time(), time.perf_counter()
                a = fn(user=uu, days=days)
                json.dumps(a, default=str)
                cpu[name].append(time.process_time() - c)
                wall[name].append(time.perf_counter() - w)
                answers[name] = a
                if rnd < len(users):
                    with CaptureQueriesContext(connection) as q:
                        fn(user=User.objects.get(pk=u.pk), days=days)
                    stmts[name].append(len(q.captured_queries))
            differ += comparable(answers["before"], connection.vendor) != comparable(answers["after"], connection.vendor)
        res = {k: {"cpu_ms_p50": round(float(np.median(v)) * 1000, 2),
                   "cpu_ms_p95": round(float(np.percentile(v, 95)) * 1000, 2),
                   "wall_ms_p50": round(float(np.median(wall[k])) * 1000, 2),
                   "wall_ms_p95": round(float(np.percentile(wall[k], 95)) * 1000, 2),
                   "statements": int(np.median(stmts[k]))} for k, v in cpu.items()}
        res["ratio_p50"] = round(res["before"]["cpu_ms_p50"] / res["after"]["cpu_ms_p50"], 1)
        res["answers_differ"] = differ
        res["load"] = loadavg()
        out["levels"][level] = res
        print(level, json.dumps(res), flush=True)
        assert differ == 0, f"{differ} answers differ"
    path = data.VAR / f"results-situation-ab-{args.db}-{data.key_of(args.events, args.years, args.seed)}.json"
    path.write_text(json.dumps(out, indent=1))
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
