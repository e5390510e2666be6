"""Issue #10 at city scale: the situation API, the full monthly assessment and rule evaluation
on a generated city of up to 10 million events (see ``bench/README.md`` and ``BENCHMARKS.md``,
section "Issue #10 — city scale").

Run: ``python -m bench.city_bench gen|situation|assessment --db sqlite|postgres --events N
[--years 3] [--seed 1]`` and ``python -m bench.city_bench warning --events N``. The generated
city is cached per parameter set (:mod:`bench.city_data`); each subcommand prints its figures
and writes ``var/bench/results-<what>-<db>-<key>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path

import numpy as np

from . import city_data as data
from .city_data import log


def loadavg() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def write_results(what: str, args, results: dict) -> Path:
    key = data.key_of(args.events, args.years, args.seed)
    out = data.VAR / f"results-{what}-{getattr(args, 'db', 'sqlite')}-{key}.json"
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str))
    log(f"results: {out}")
    return out


def header(args) -> dict:
    import subprocess

    code = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=data.ROOT, capture_output=True,
                          text=True).stdout.strip()
    return {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "argv": " ".join(sys.argv[1:]),
            "code": code, "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
            "load_start": loadavg()}


def db_version() -> str:
    from django.db import connection

    with connection.cursor() as c:
        if connection.vendor == "sqlite":
            c.execute("SELECT sqlite_version()")
            return f"SQLite {c.fetchone()[0]}"
        c.execute("SHOW server_version")
        return f"PostgreSQL {c.fetchone()[0]}"


def pct(values: list[float]) -> dict:
    a = np.array(values) * 1000
    return {"n": len(values), "p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)),
            "p99": float(np.percentile(a, 99)), "max": float(a.max()), "mean": float(a.mean())}


# --- gen ---------------------------------------------------------------------------------------

def cmd_gen(args) -> int:
    results = header(args)
    info = data.build(args.db, args.events, args.years, args.seed, fresh=args.fresh, rebuild_check=args.rebuild_check)
    results.update(info)
    results["db_version"] = db_version()
    results["load_end"] = loadavg()
    write_results("gen", args, results)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p, db=True):
        if db:
            p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
        p.add_argument("--events", type=int, default=100_000)
        p.add_argument("--years", type=int, default=3)
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--scale", choices=["city", "small"], default="city",
                       help="the seeded city: city (62,000 grids) or small (60 grids: the smoke test)")
        p.add_argument("--fresh", action="store_true", help="regenerate even when cached")
        p.add_argument("--rebuild-check", action="store_true",
                       help="also run rollups_rebuild (timed) and check the bulk rollups equal it")

    g = sub.add_parser("gen", help="generate (or reuse) the city and its rollups")
    common(g)
    g.set_defaults(fn=cmd_gen)
    from . import city_assessment, city_situation, city_warning

    s = sub.add_parser("situation", help="GET /api/situation vs GROUP BY over the raw events")
    common(s)
    s.add_argument("--requests", type=int, default=200, help="requests per level (town, district, city)")
    s.add_argument("--baseline", type=int, default=20, help="GROUP BY baselines per level")
    s.set_defaults(fn=city_situation.run)
    a = sub.add_parser("assessment", help="the month's assessment of the whole city vs DuckDB")
    common(a)
    a.add_argument("--period", default="", help="YYYY-MM (default: last month)")
    a.add_argument("--towns", type=int, default=0, help="only the first N towns (0: all)")
    a.add_argument("--per-area", type=int, default=10,
                   help="towns also computed without the shared read (a query per area and formula)")
    a.add_argument("--repeat", type=int, default=3,
                   help="runs of the engine, then of DuckDB's compute; the median runs are compared")
    a.add_argument("--compared-only", action="store_true",
                   help="time the engine on the compared indicators only (not also on every indicator)")
    a.set_defaults(fn=city_assessment.run)
    w = sub.add_parser("warning", help="intake + warning.evaluate, events/s")
    common(w)
    w.add_argument("--backlog", type=int, default=5000, help="events fed through intake")
    w.add_argument("--rate", type=float, default=0, help="feed at this many events/s (0: a backlog)")
    w.add_argument("--seconds", type=float, default=20, help="with --rate: how long")
    w.add_argument("--rules", type=int, default=3, help="rules of each kind")
    w.add_argument("--city-events", type=int, default=0,
                   help="on a copy of the generated city of this many events (default: the seeded city, no history)")
    w.add_argument("--ab", default="", help="another engine.py evaluated over the same backlog (A/B)")
    w.add_argument("--profile", action="store_true", help="a cProfile listing of the evaluation")
    w.set_defaults(fn=city_warning.run)
    args = ap.parse_args(argv)
    data.SCALE = args.scale
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
