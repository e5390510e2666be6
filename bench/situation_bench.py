"""Benchmark of the situation at a glance (态势, ``GET /api/situation``) on a city-scale history,
beside the same numbers computed by a plain SQL GROUP BY over the raw events in the same run.

Run: ``python -m bench.situation_bench --db sqlite|postgres [--events 10000000] [--scale city|small]
[--samples 200] [--seed 1]`` (the issue's goal: p95 ≤ 100 ms at 10 M events, ≥ 50× faster than
the GROUP BY). A smoke run: ``--events 20000 --scale small --samples 20``.

1. Data: the seeded city (``seed_demo --scale``) in its own database (SQLite under
   ``/tmp/jw_bench_situation_<scale>``, PostgreSQL ``jw_bench_situation``; ``JW_BENCH_SIT_PG_URL``),
   ``--events`` past events over the last year with their activities
   (:func:`bench.events_data.generate_past_events`), then ``rollups_rebuild`` (timed).
2. The situation: :func:`jiewang.stats.selectors.situation` plus ``json.dumps`` of its answer (the
   API without HTTP), as a superuser, for ``--samples`` random areas (the city, districts, towns,
   communities) and trend lengths (30/90/365 days): p50/p95/p99 per level.
3. Baseline: for the same areas, the numbers the rollups answer (today's and this month's new,
   closed and overdue, by board and by child area, the open and overdue stocks, the daily trend)
   by GROUP BY over ``events_event`` filtered by ``area_path LIKE 'path%'``, through the driver.
   A few samples are compared number by number with the selector's answer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from . import events_data as data

PG_URL = "postgres://postgres@127.0.0.1:5432/jw_bench_situation"
LEVEL_NAMES = {1: "city", 2: "district", 3: "town", 4: "community"}
LEVEL_WEIGHTS = {1: 0.1, 2: 0.2, 3: 0.5, 4: 0.2}


def log(msg: str) -> None:
    print(msg, flush=True)


def env_for(db: str, scale: str) -> dict[str, str]:
    var = f"/tmp/jw_bench_situation_{scale}_{db}"
    url = f"sqlite:///{var}/jiewang.sqlite3" if db == "sqlite" else os.environ.get("JW_BENCH_SIT_PG_URL", PG_URL)
    return {"JIEWANG_VAR_DIR": var, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings",
            "JIEWANG_DEV": "1", "DEBUG": "0"}


def prepare(db: str, scale: str, env: dict) -> None:
    Path(env["JIEWANG_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    if db == "postgres":
        data.ensure_pg_database(env["DATABASE_URL"], log)
    data.run_manage(env, "migrate", "--noinput", "-v", "0")
    data.run_manage(env, "seed_demo", "--scale", scale, "--seed", "1")  # a no-op once seeded


def pct(values: list[float]) -> dict:
    a = np.array(values) * 1000
    return {"n": len(values), "p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)),
            "p99": float(np.percentile(a, 99)), "max": float(a.max())}


def baseline(db: str, area, days: int, today: dt.date) -> dict:
    """The rollup-backed numbers of ``area`` by GROUP BY over the raw events."""
    from django.db import connection

    from jiewang.stats.services.rollups import UNFINISHED

    tz = dt.timezone(dt.timedelta(hours=8))
    def ts(moment: dt.datetime):  # SQLite compares the stored UTC text, PostgreSQL an aware value
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") if db == "sqlite" else moment

    t0 = dt.datetime.combine(today, dt.time(), tz)
    m0 = ts(t0.replace(day=1))
    s0 = ts(t0 - dt.timedelta(days=days - 1))
    t0 = ts(t0)
    day_of = ("date(e.{col}, '+8 hours')" if db == "sqlite" else "date(e.{col} AT TIME ZONE 'Asia/Shanghai')")
    like = area.path + "%"
    child_col = {1: "town_id", 2: "town_id", 3: "community_id", 4: "grid_id"}.get(area.level, "grid_id")
    unfinished = ", ".join(f"'{s}'" for s in UNFINISHED)
    closed = "e.status IN ('closed', 'rated')"
    out = {}
    with connection.cursor() as c:
        def q(sql, params):
            c.execute(sql, params)
            return c.fetchall()

        cols = (f"SUM(CASE WHEN e.reported_at >= %s AND e.status <> 'voided' THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN {closed} AND e.closed_at >= %s THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN e.reported_at >= %s AND e.status <> 'voided' AND e.is_overdue THEN 1 ELSE 0 END)")
        where = f"e.area_path LIKE %s AND (e.reported_at >= %s OR ({closed} AND e.closed_at >= %s))"
        for name, since in (("today", t0), ("month", m0)):
            out[name] = q(f"SELECT {cols} FROM events_event e WHERE {where}", [since, since, since, like, since, since])
        out["by_board"] = q(f"SELECT e.board_kind, {cols} FROM events_event e WHERE {where} GROUP BY e.board_kind",
                            [m0, m0, m0, like, m0, m0])
        out["by_child"] = q(f"SELECT e.{child_col}, {cols} FROM events_event e WHERE {where} GROUP BY e.{child_col}",
                            [m0, m0, m0, like, m0, m0])
        out["stock"] = q(f"SELECT COUNT(*), SUM(CASE WHEN e.is_overdue THEN 1 ELSE 0 END) FROM events_event e "
                         f"WHERE e.area_path LIKE %s AND e.status IN ({unfinished})", [like])
        out["trend_new"] = q(f"SELECT {day_of.format(col='reported_at')}, COUNT(*) FROM events_event e "
                             f"WHERE e.area_path LIKE %s AND e.reported_at >= %s AND e.status <> 'voided' "
                             f"GROUP BY 1", [like, s0])
        out["trend_closed"] = q(f"SELECT {day_of.format(col='closed_at')}, COUNT(*) FROM events_event e "
                                f"WHERE e.area_path LIKE %s AND {closed} AND e.closed_at >= %s GROUP BY 1", [like, s0])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--scale", choices=["small", "city"], default="city")
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse", action="store_true", help="keep the events and rollups of the last run")
    args = ap.parse_args(argv)
    env = env_for(args.db, args.scale)
    os.environ.update(env)
    sys.path.insert(0, str(data.ROOT))
    results: dict = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                     "argv": " ".join(sys.argv[1:] if argv is None else argv)}
    prepare(args.db, args.scale, env)
    import django

    django.setup()
    from jiewang.accounts.models import User
    from jiewang.areas.models import Area
    from jiewang.events.services.catalog import catalog_seed
    from jiewang.stats import selectors
    from jiewang.stats.services.rollups import rollups_rebuild

    results["machine"] = f"{os.cpu_count()} cores, Python {platform.python_version()}"
    rng = np.random.default_rng(args.seed)
    if not args.reuse:
        data.wipe_events(args.db)
        catalog_seed()
        user = data.ensure_bench_user()
        city = data.load_city()
        log(f"1. generating {args.events:,} past events over {len(city.grid_ids):,} grids")
        results["gen"] = data.generate_past_events(args.db, args.events, city, dt.datetime.now(dt.UTC), rng, log,
                                                   user.pk)
        t = time.perf_counter()
        n = rollups_rebuild()
        results["rebuild_s"] = time.perf_counter() - t
        log(f"   rollups rebuilt from {n:,} events in {results['rebuild_s']:.1f} s")
    from jiewang.stats.models import Rollup

    results["rollup_rows"] = Rollup.objects.count()
    admin, _ = User.objects.get_or_create(username="bench_situation_admin",
                                          defaults={"is_superuser": True, "is_staff": True})
    by_level = {lv: list(Area.objects.current().filter(level=lv).values_list("id", flat=True)) for lv in LEVEL_NAMES}
    levels = [lv for lv in LEVEL_NAMES if by_level[lv]]
    w = np.array([LEVEL_WEIGHTS[lv] for lv in levels])
    picks = [(int(lv), int(rng.choice(by_level[lv])), int(rng.choice([30, 90, 365])))
             for lv in rng.choice(levels, args.samples, p=w / w.sum())]
    today = selectors._local_today()
    api_t: dict = {}
    raw_t: dict = {}
    log(f"2. the situation × {len(picks)} (selector + JSON)  3. the GROUP BY baseline")
    checked = 0
    for lv, area_id, days in picks:
        u = User.objects.get(pk=admin.pk)  # a fresh user object: no cached grants between samples
        t = time.perf_counter()
        s = selectors.situation(user=u, area_id=area_id, days=days)
        json.dumps(s, default=str)
        api_t.setdefault(lv, []).append(time.perf_counter() - t)
        area = Area.objects.get(pk=area_id)
        t = time.perf_counter()
        b = baseline(args.db, area, days, today)
        raw_t.setdefault(lv, []).append(time.perf_counter() - t)
        if checked < 5:
            month = b["month"][0]
            assert (s["periods"]["month"]["new"], s["periods"]["month"]["closed"], s["periods"]["month"]["overdue"]) \
                == tuple(int(x or 0) for x in month), (area_id, s["periods"]["month"], month)
            assert (s["now"]["open"], s["now"]["overdue"]) == tuple(int(x or 0) for x in b["stock"][0])
            checked += 1
    results["situation_ms"] = {LEVEL_NAMES[lv]: pct(v) for lv, v in api_t.items()}
    results["groupby_ms"] = {LEVEL_NAMES[lv]: pct(v) for lv, v in raw_t.items()}
    all_api = pct([x for v in api_t.values() for x in v])
    all_raw = pct([x for v in raw_t.values() for x in v])
    results["all"] = {"situation": all_api, "groupby": all_raw, "speedup_p95": all_raw["p95"] / all_api["p95"]}
    log(f"{'level':<10} {'situation p50/p95 ms':>22} {'GROUP BY p50/p95 ms':>22}")
    for lv in sorted(api_t):
        a, r = results["situation_ms"][LEVEL_NAMES[lv]], results["groupby_ms"][LEVEL_NAMES[lv]]
        log(f"{LEVEL_NAMES[lv]:<10} {a['p50']:>10.1f} / {a['p95']:<9.1f} {r['p50']:>10.1f} / {r['p95']:<9.1f}")
    log(f"all: situation p95 {all_api['p95']:.1f} ms, GROUP BY p95 {all_raw['p95']:.1f} ms "
        f"({results['all']['speedup_p95']:.1f}× at p95); rollup rows {results['rollup_rows']:,}")
    out = Path(env["JIEWANG_VAR_DIR"]) / "situation_bench_results.json"
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str))
    log(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
