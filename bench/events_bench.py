"""Benchmark of the closed loop at city scale (intake, a lifecycle transition, the deadline
sweep), each beside a plain-SQL baseline measured in the same run on the same database.

Run: ``.venv/bin/python -m bench.events_bench --db sqlite|postgres [--events 1000000] [--quick]``

Steps (figures in the "Closed loop" section of BENCHMARKS.md, one column per database):

1. Data: the seeded city (``seed_demo --scale city --seed 1``: 62,000 grids; SQLite: a copy of a
   pristine seeded file under /tmp/jw_bench_sqlite, PostgreSQL: database ``jw_bench``), the
   catalog, and ``--events`` past events over the last year with their activity rows and closed
   deadlines, bulk written (timed). The locator index is built / loaded before any intake.
2. Intake over HTTP: gunicorn (``--workers``, default 2 then 4, sync workers, both cores) on the
   same database; a load generator on the same machine (wrk when installed, ``--load``; else
   2 processes × 4 threads of http.client)
   POSTs ``--http`` reports to /api/events as a patrol grid worker (session cookie + CSRF), each
   at a random point inside a random grid. Intakes/s, latency p50/p95/p99, then a check that
   exactly the sent number of events exists (every title is unique per run).
3. Intake through the service alone (``event_report`` in a loop, this process pinned to ONE
   core) vs the raw baseline: one-row INSERT INTO events_event, one transaction each.
4. Transitions: ``event_escalate`` (grid → community) then ``event_accept`` (at community level)
   on the events of step 3, vs a raw one-row UPDATE per transaction.
5. Sweep: ``--deadlines`` open Deadline rows (bulk) on the open events, 1 % of them past
   ``warn_at`` and 0.5 % past ``due_at`` at the sweep instant; ``deadline_sweep(now)`` wall time,
   then the steady state (nothing due), vs ``SELECT count(*) … WHERE state IN (…) AND due_at <=
   now``.

``--profile`` also writes cProfile listings (service intake, transitions, a repeated sweep) and a
py-spy profile of the gunicorn workers under load to the var directory.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from . import events_data as data

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- events:begin -->", "<!-- events:end -->"
# Where the time went in the runs above (cProfile / py-spy / EXPLAIN of 2026-11-23). Update it when
# the application changes; the figures in the table are re-measured at every run.
NOTES = """Where the time goes, and what changed (profiles: `--profile`, py-spy on the gunicorn workers, EXPLAIN).

- **Sweep** (target met on both databases): the batch queries are ranges of `(state, warn_at)`,
  `(state, due_at)` (one state at a time) and `(state, stage, next_step_at)` (partial: only clocks with a
  step ahead), ordered by the indexed column; the notification listener resolves the recipients of a whole
  batch with one grants query and one insert.
- **Intake** (9–13 % of a raw insert before this round): the ORM's per-call work (building and compiling
  each query, preparing 45 fields) cost several times what the database did. Now: every read done before the
  write transaction (location; the grid's chain from the locator's leaf path, towns and communities cached
  per process; the channel check; the recipients in one statement); inside it five statements — the town's
  number (`UPDATE … RETURNING`), then event, activity, clock and notifications through INSERTs compiled once
  (`core/fastsql.py`, values still prepared by each field); no look-up of the idempotency key first (the
  unique index refuses a retry, which then reads the first event). Fewer pages per commit: indexes that
  repeated a composite index's leading column, or that nothing reads, are gone; the idempotency key and
  `duplicate_of` are indexed only where set. PostgreSQL prepares statements on the server
  (`DATABASE_PREPARE`): planning was about half of each short statement.
- **HTTP**: every request's session, user and grants are read by prepared statements and the catalog comes
  from a per-process snapshot (they were four ORM queries, ~60 % of an intake request). The target stays out
  of reach on this machine: the stack answering a request with no work at all (the 403 rows) manages
  ~1,350–1,550 req/s on the 2 cores, which leaves ~0.4 ms of CPU per request for a whole intake at 1,000/s,
  below what its five writes and commit cost alone (service loop: ~1.5 ms on SQLite, ~3 ms on PostgreSQL,
  whose server shares the same 2 cores).
- **Transitions**: the row is updated with only the fields the step changed; activity through a compiled
  insert; `notify_event` resolves recipients in one statement.
"""


def log(msg: str) -> None:
    print(msg, flush=True)


def pct(values, p):
    return float(np.percentile(np.asarray(values) * 1000, p)) if values else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- step 2: HTTP ------------------------------------------------------------------------------

def http_session(user) -> tuple[dict, str]:
    """Headers of a signed-in client: a session row as ``login()`` would leave it, and a CSRF
    cookie/header pair (ninja's django_auth checks CSRF on POST)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    s = import_module(settings.SESSION_ENGINE).SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    token = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
    return {"Content-Type": "application/json", "Cookie": f"sessionid={s.session_key}; csrftoken={token}",
            "X-CSRFToken": token, "Host": "127.0.0.1"}, s.session_key


def report_bodies(city, cats, n, rng, tag) -> list[bytes]:
    gi, x, y = data.points_inside(city.polys, n, rng)
    ci = rng.integers(0, len(cats), n)
    return [json.dumps({"category": cats[c], "lon": a, "lat": b, "title": f"{tag}-{i}", "channel": "patrol",
                        "source": "proactive", "description": "巡查发现"}, ensure_ascii=False).encode()
            for i, (c, a, b) in enumerate(zip(ci.tolist(), x.tolist(), y.tolist(), strict=True))]


def gunicorn_path() -> str:
    """The checkout's .venv gunicorn, else the one beside this Python (a worktree sharing a venv)."""
    own = ROOT / ".venv" / "bin" / "gunicorn"
    return str(own if own.exists() else Path(sys.executable).parent / "gunicorn")


def start_gunicorn(env, workers, port, var):
    logf = open(Path(var) / f"gunicorn-{port}.log", "w")
    proc = subprocess.Popen(
        [gunicorn_path(), "config.wsgi:application", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120", "--backlog", "2048"],
        cwd=ROOT, env={**os.environ, **env}, stdout=logf, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def stop_gunicorn(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def step_http(args, env, city, cats, user, rng, var, results) -> None:
    from jiewang.events.models import Event

    from .events_load import Loader, describe_text

    loader = Loader(args.load, args.client_procs, args.client_threads, args.client_conns)
    if loader.fallback:
        log("  wrk is not installed: the Python load generator (http.client) drives gunicorn")
    headers, _ = http_session(user)
    runs = []
    for workers in [int(w) for w in args.workers.split(",")]:
        tag = f"bench-http-{secrets.token_hex(3)}-w{workers}"
        bodies = report_bodies(city, cats, args.http, rng, tag)
        warm = report_bodies(city, cats, 20 * workers, rng, tag + "-warm")
        port = free_port()
        proc = start_gunicorn(env, workers, port, var)
        try:
            w = loader.run(port, warm, headers, workers, warm=True)  # every worker loads the locator
            if w["status"].get(201, 0) != len(warm):
                raise RuntimeError(f"warm-up failed: {w['status']}")
            spy = None
            if args.profile and not runs:
                out = Path(var) / f"pyspy-intake-w{workers}.txt"
                spy = subprocess.Popen([str(ROOT / ".venv" / "bin" / "py-spy"), "record", "--pid", str(proc.pid),
                                        "--subprocesses", "--format", "raw", "--rate", "200", "--output", str(out),
                                        "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
                time.sleep(1.0)
            r = loader.run(port, bodies, headers, workers)
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=60)
        finally:
            stop_gunicorn(proc)
        created = r["status"].get(201, 0)
        in_db = Event.objects.filter(title__startswith=tag + "-").exclude(title__startswith=tag + "-warm").count()
        distinct_titles = (Event.objects.filter(title__startswith=tag + "-").exclude(title__startswith=tag + "-warm")
                           .values("title").distinct().count())
        numbers_ok = len(set(r["numbers"])) == len(r["numbers"]) == created
        run = {"workers": workers, "sent": len(bodies), "created_201": created, "in_db": in_db,
               "distinct_in_db": distinct_titles, "numbers_unique": numbers_ok,
               "status": {str(k): v for k, v in r["status"].items()}, "wall_s": r["wall"],
               "per_s": created / r["wall"], "p50_ms": pct(r["latencies"], 50), "p95_ms": pct(r["latencies"], 95),
               "p99_ms": pct(r["latencies"], 99), "client": loader.describe(workers),
               "exact": created == len(bodies) == in_db == distinct_titles and numbers_ok}
        if loader.kind == "wrk":
            run["client_extras"] = r["extras"]  # tail fillers refused by gunicorn itself, not counted
        runs.append(run)
        log(f"  HTTP, {workers} workers ({describe_text(run['client'])}): {run['per_s']:,.0f} intakes/s, "
            f"p50 {run['p50_ms']:.1f} ms, "
            f"p95 {run['p95_ms']:.1f} ms; sent {run['sent']}, 201 {created}, in DB {in_db} (distinct "
            f"{distinct_titles}); exact={run['exact']}; statuses {run['status']}")
    results["http"] = runs


def step_http_ceiling(args, env, var, results) -> None:
    """The same stack doing no work: the same POST without a session is refused by ninja's auth
    (its CSRF check, 403) after the whole middleware chain, with no query. Its rate bounds what any intake code
    could reach on this machine with this server configuration."""
    from .events_load import Loader, describe_text

    loader = Loader(args.load, args.client_procs, args.client_threads, args.client_conns)
    body = json.dumps({"category": "SL01", "lon": 106.5, "lat": 29.5, "title": "x", "channel": "patrol"}).encode()
    headers = {"Content-Type": "application/json", "Host": "127.0.0.1"}
    runs = []
    for workers in [int(w) for w in args.workers.split(",")]:
        port = free_port()
        proc = start_gunicorn(env, workers, port, var)
        try:
            loader.run(port, [body] * (10 * workers), headers, workers, warm=True)
            r = loader.run(port, [body] * args.http, headers, workers)
        finally:
            stop_gunicorn(proc)
        # ninja's session auth refuses it at its CSRF check (403) before any query
        n401 = r["status"].get(401, 0) + r["status"].get(403, 0)
        runs.append({"workers": workers, "sent": args.http, "refused": n401, "per_s": n401 / r["wall"],
                     "p50_ms": pct(r["latencies"], 50), "p95_ms": pct(r["latencies"], 95),
                     "client": loader.describe(workers)})
        log(f"  HTTP ceiling (refused, no work), {workers} workers ({describe_text(runs[-1]['client'])}): "
            f"{n401 / r['wall']:,.0f}/s, "
            f"p50 {runs[-1]['p50_ms']:.1f} ms; statuses {r['status']}")
    results["http_ceiling"] = runs


# --- step 3/4: service vs raw ------------------------------------------------------------------

RAW_COLS = ["number", "status", "level", "version", "area_path", "lon", "lat", "address", "board_kind", "title",
            "description", "attributes", "urgency", "channel", "source", "reporter_name", "reporter_phone",
            "external_number", "reported_at", "is_overdue", "rework_count", "escalation_count", "satisfaction",
            "community_id", "grid_id", "reporter_id", "town_id", "category_id"]


def step_service(args, city, cat_objs, user, rng, var, results, db) -> list[int]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from jiewang.events.services.intake import event_report

    n = args.service
    gi, x, y = data.points_inside(city.polys, n + 600, rng)
    ci = rng.integers(0, len(cat_objs), n + 600).tolist()
    xs, ys = x.tolist(), y.tolist()
    tag = f"bench-svc-{secrets.token_hex(3)}"

    def one(i, title):
        return event_report(actor=user, channel="patrol", category=cat_objs[ci[i]], lon=xs[i], lat=ys[i],
                            title=title, description="巡查发现", source="proactive")[0]

    with CaptureQueriesContext(connection) as q:
        one(n, f"{tag}-q")
    results["queries_per_intake"] = len(q.captured_queries)
    results["intake_query_sample"] = [c["sql"][:140] for c in q.captured_queries]
    # Service and raw baseline alternate in blocks, so that both see the same machine load (other
    # processes share the 2 cores); the best block of each is the least disturbed measurement.
    g = rng.integers(0, len(city.grid_ids), n).tolist()
    now_db = connection.ops.adapt_datetimefield_value(timezone.now())
    cat = cat_objs[0]
    extra_cols, extra_vals = data.missing_defaults("events_event", RAW_COLS, db)
    cols = RAW_COLS + extra_cols
    sql = f"INSERT INTO events_event ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
    rtag = f"RAW-{secrets.token_hex(3)}"

    def raw_one(c, i, k, number):
        with transaction.atomic():
            c.execute(sql, [number, "reported", "grid", 1, city.grid_paths[k], xs[i], ys[i], "",
                            cat.board_kind, number, "巡查发现", "{}", "normal", "patrol",
                            "proactive", "", "", "", now_db, False, 0, 0, "", int(city.community_ids[k]),
                            int(city.grid_ids[k]), user.pk, int(city.town_ids[k]), cat.pk, *extra_vals])

    # Both sides warm up first (200 each: the process's caches, prepared statements) and start
    # from a flushed write-ahead log, so that neither pays for what came before.
    for i in range(n + 400, n + 600):
        one(i, f"{tag}-warm-{i}")
    with connection.cursor() as c:
        for i in range(n + 400, n + 600):
            raw_one(c, i, g[i - n - 400], f"{rtag}-w{i}")
    data.flush_writes(db)
    blocks = 5
    bounds = [n * b // blocks for b in range(blocks + 1)]
    ids, svc_rates, raw_rates = [], [], []
    svc_s = raw_s = 0.0
    for b in range(blocks):
        lo, hi = bounds[b], bounds[b + 1]
        t = time.perf_counter()
        for i in range(lo, hi):
            ids.append(one(i, f"{tag}-{i}").pk)
        dt_ = time.perf_counter() - t
        svc_s += dt_
        svc_rates.append((hi - lo) / dt_)
        t = time.perf_counter()
        with connection.cursor() as c:
            for i in range(lo, hi):
                raw_one(c, i, g[i], f"{rtag}-{i}")
        dt_ = time.perf_counter() - t
        raw_s += dt_
        raw_rates.append((hi - lo) / dt_)
    log(f"  service intake: {n / svc_s:,.0f}/s (blocks {[round(r) for r in svc_rates]}; "
        f"{results['queries_per_intake']} queries per intake)")
    log(f"  raw INSERT: {n / raw_s:,.0f}/s (blocks {[round(r) for r in raw_rates]})")
    results["service_blocks"] = {"intake": svc_rates, "raw": raw_rates,
                                 "best_ratio": max(svc_rates) / max(raw_rates)}
    results["service"] = {"n": n, "intake_per_s": n / svc_s, "raw_insert_per_s": n / raw_s,
                          "ratio": (n / svc_s) / (n / raw_s)}

    # raw UPDATE baseline for the transitions, on the raw rows
    with connection.cursor() as c:
        c.execute("SELECT id FROM events_event WHERE number LIKE %s", [rtag + "-%"])
        raw_ids = [r[0] for r in c.fetchall()]
        t = time.perf_counter()
        for pk in raw_ids:
            with transaction.atomic():
                c.execute("UPDATE events_event SET status = %s, accepted_at = %s, version = version + 1 "
                          "WHERE id = %s", ["accepted", now_db, pk])
        upd_s = time.perf_counter() - t
        c.execute("DELETE FROM events_event WHERE number LIKE %s", [rtag + "-%"])
    results["raw_update_per_s"] = len(raw_ids) / upd_s
    log(f"  raw UPDATE: {results['raw_update_per_s']:,.0f}/s")

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for i in range(n + 1, n + 400):
            one(i, f"{tag}-prof-{i}")
        prof.disable()
        write_profile(prof, Path(var) / "cprofile-intake.txt", "event_report × 399")
    return ids


def step_transitions(args, ids, user, var, results) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiewang.events.models import Event
    from jiewang.events.services.actions import event_accept, event_escalate

    events = list(Event.objects.filter(pk__in=ids).select_related("category"))
    with CaptureQueriesContext(connection) as q:
        event_escalate(event=events[0], actor=user, reason="网格无法处置，上报社区")
    results["queries_per_escalate"] = len(q.captured_queries)
    t = time.perf_counter()
    for ev in events[1:]:
        event_escalate(event=ev, actor=user, reason="网格无法处置，上报社区")
    esc_s = time.perf_counter() - t
    events = list(Event.objects.filter(pk__in=ids).select_related("category"))
    with CaptureQueriesContext(connection) as q:
        event_accept(event=events[0], actor=user)
    results["queries_per_accept"] = len(q.captured_queries)
    t = time.perf_counter()
    for ev in events[1:]:
        event_accept(event=ev, actor=user)
    acc_s = time.perf_counter() - t
    m = len(events) - 1
    results["transitions"] = {"n": m, "escalate_per_s": m / esc_s, "accept_per_s": m / acc_s}
    log(f"  escalate {m / esc_s:,.0f}/s ({results['queries_per_escalate']} queries), accept {m / acc_s:,.0f}/s "
        f"({results['queries_per_accept']} queries)")
    if args.profile:
        # Profiled apart from the timed loops: escalate some accepted events (community → town).
        events = list(Event.objects.filter(pk__in=ids[:300]).select_related("category"))
        prof = cProfile.Profile()
        prof.enable()
        for ev in events:
            event_escalate(event=ev, actor=user, reason="社区无法处置，上报镇街")
        prof.disable()
        write_profile(prof, Path(var) / "cprofile-escalate.txt", f"event_escalate × {len(events)} (accepted, "
                      "community → town)")


# --- step 5: sweep -------------------------------------------------------------------------------

def load_note(results, step):
    results.setdefault("loadavg", {})[step] = round(os.getloadavg()[0], 2)


def step_sweep(args, db, rng, var, results) -> None:
    from django.db import connection
    from django.utils import timezone

    from jiewang.events.services.sweep import deadline_sweep

    T = timezone.now().replace(microsecond=0)
    ins = data.insert_open_deadlines(db, args.deadlines, T, rng, args.warn_share, args.overdue_share)
    log(f"  open deadlines: {ins['open_deadlines']:,} on {ins['open_events_used']:,} open events, written in "
        f"{ins['seconds']:.1f} s; due at T: {ins['warn_due']:,} warn, {ins['overdue_due']:,} overdue")
    Tdb = connection.ops.adapt_datetimefield_value(T)
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM events_deadline WHERE state IN ('running', 'warned', 'overdue')")
        open_total = c.fetchone()[0]
        c.execute("SELECT id, state FROM events_deadline WHERE state IN ('running', 'warned') AND warn_at <= %s",
                  [Tdb])
        due_rows = c.fetchall()

    def count_query():
        with connection.cursor() as c:
            c.execute("SELECT count(*) FROM events_deadline WHERE state IN ('running', 'warned') AND due_at <= %s",
                      [Tdb])
            return c.fetchone()[0]

    data.flush_writes(db)  # the bulk insert's write-ahead log is not the sweep's
    base = []
    for _ in range(5):
        t = time.perf_counter()
        cnt = count_query()
        base.append(time.perf_counter() - t)
    t = time.perf_counter()
    res = deadline_sweep(T)
    sweep_s = time.perf_counter() - t
    log(f"  sweep: {sweep_s:.2f} s  ({res})")
    steady = []
    for _ in range(5):
        t = time.perf_counter()
        r2 = deadline_sweep(T)
        steady.append(time.perf_counter() - t)
        assert r2.total == 0, r2
    log(f"  steady sweep: median {statistics.median(steady) * 1000:.1f} ms; count(*) baseline "
        f"{min(base) * 1000:.1f} ms (count {cnt})")
    results["sweep"] = {
        "open_deadlines_total": open_total, "inserted": ins["open_deadlines"], "insert_s": ins["seconds"],
        "open_events_used": ins["open_events_used"], "warn_due": ins["warn_due"], "overdue_due": ins["overdue_due"],
        "sweep_s": sweep_s, "warned": res.warned, "overdue": res.overdue, "steps": res.steps,
        "steady_median_ms": statistics.median(steady) * 1000, "steady_best_ms": min(steady) * 1000,
        "count_baseline_ms": min(base) * 1000, "count_baseline_first_ms": base[0] * 1000, "count": cnt,
        "correct": res.warned == ins["warn_due"] and res.overdue == ins["overdue_due"],
    }
    if args.profile:
        # Put the due rows back as they were and sweep again under cProfile.
        with connection.cursor() as c:
            for state in ("running", "warned"):
                ids_ = [r[0] for r in due_rows if r[1] == state]
                for k in range(0, len(ids_), 900):
                    chunk = ids_[k:k + 900]
                    c.execute(f"UPDATE events_deadline SET state = %s, stage = 0, next_step_at = NULL, "
                              f"overdue_at = NULL, warned_at = {'warned_at' if state == 'warned' else 'NULL'} "
                              f"WHERE id IN ({', '.join(['%s'] * len(chunk))})", [state, *chunk])
        prof = cProfile.Profile()
        prof.enable()
        again = deadline_sweep(T)
        prof.disable()
        write_profile(prof, Path(var) / "cprofile-sweep.txt", f"deadline_sweep (repeat) {again}")


def write_profile(prof, path: Path, title: str) -> None:
    s = io.StringIO()
    st = pstats.Stats(prof, stream=s)
    st.sort_stats("cumulative").print_stats(45)
    st.sort_stats("tottime").print_stats(25)
    path.write_text(f"# {title}\n" + s.getvalue())
    log(f"  profile: {path}")


# --- the section ---------------------------------------------------------------------------------

def fmt(v, spec=",.0f"):
    return "–" if v is None else format(v, spec)


def render(all_results: dict) -> str:
    dbs = [d for d in ("sqlite", "postgres") if d in all_results]
    head = "| measure | " + " | ".join({"sqlite": "SQLite", "postgres": "PostgreSQL"}[d] for d in dbs) + \
        " | target |"
    sep = "|---|" + "---:|" * len(dbs) + "---|"

    def row(label, fn, target=""):
        vals = []
        for d in dbs:
            try:
                vals.append(fn(all_results[d]))
            except (KeyError, IndexError, TypeError, ZeroDivisionError):
                vals.append("–")
        return f"| {label} | " + " | ".join(vals) + f" | {target} |"

    def met(ok):
        return " ✅" if ok else " ❌"

    lines = [BEGIN, "## Closed loop", "",
             "Intake, a lifecycle transition and the deadline sweep on the seeded city (`seed_demo --scale city "
             "--seed 1`: 62,000 grids) plus generated past events, each beside a plain-SQL baseline from the same "
             "run on the same database: `python -m bench.events_bench --db sqlite|postgres`.", ""]
    for d in dbs:
        r = all_results[d]
        lines.append(f"- **{ {'sqlite': 'SQLite', 'postgres': 'PostgreSQL'}[d] }**: run {r['date']}, "
                     f"{r['machine']}; {r['db_version']}; options `{r['argv']}`; code {short_code(r.get('code', '?'))}.")
    lines += ["", head, sep]
    lines.append(row("past events generated (bulk) / activities / closed deadlines",
                     lambda r: f"{r['gen']['events']:,} / {r['gen']['activities']:,} / "
                               f"{r['gen']['closed_deadlines']:,}"))
    lines.append(row("generation time (s): events + activities + deadlines + sequences/analyze",
                     lambda r: f"{r['gen']['t_total']:.0f} ({r['gen']['t_events']:.0f} + "
                               f"{r['gen']['t_activities']:.0f} + {r['gen']['t_deadlines']:.0f} + "
                               f"{r['gen']['t_finish']:.0f})"))
    for i in range(max(len(all_results[d].get("http", [])) for d in dbs)):
        lines.append(row(f"**HTTP intakes/s**, run {i + 1}",
                         lambda r, i=i: f"{r['http'][i]['per_s']:,.0f} ({r['http'][i]['workers']} workers)"
                                        + met(r['http'][i]['per_s'] >= 1000), "≥ 1,000"))
        lines.append(row("  latency p50 / p95 / p99 (ms)",
                         lambda r, i=i: f"{r['http'][i]['p50_ms']:.0f} / {r['http'][i]['p95_ms']:.0f} / "
                                        f"{r['http'][i]['p99_ms']:.0f}"))
        lines.append(row("  sent / 201 / rows in DB (distinct)",
                         lambda r, i=i: f"{r['http'][i]['sent']:,} / {r['http'][i]['created_201']:,} / "
                                        f"{r['http'][i]['in_db']:,} ({r['http'][i]['distinct_in_db']:,})"
                                        + (" exact" if r['http'][i]['exact'] else " MISMATCH"), "no loss, no dups"))
    for i in range(max(len(all_results[d].get("http_ceiling", [])) for d in dbs)):
        lines.append(row(f"HTTP ceiling: same POST without session, refused by the auth/CSRF check (403, no query), req/s, run {i + 1}",
                         lambda r, i=i: f"{r['http_ceiling'][i]['per_s']:,.0f} ({r['http_ceiling'][i]['workers']} "
                                        f"workers, p50 {r['http_ceiling'][i]['p50_ms']:.0f} ms)"))
    lines.append(row("service intakes/s (`event_report` loop, one core)",
                     lambda r: fmt(r["service"]["intake_per_s"])))
    lines.append(row("raw INSERT/s (one row per transaction, one core)",
                     lambda r: fmt(r["service"]["raw_insert_per_s"])))
    lines.append(row("**intake / raw insert**", lambda r: f"{r['service']['ratio'] * 100:.1f} %"
                     + met(r["service"]["ratio"] >= 0.25), "≥ 25 %"))
    lines.append(row("  same, best block of each (5 alternating blocks)",
                     lambda r: f"{r['service_blocks']['best_ratio'] * 100:.1f} %"))
    lines.append(row("queries in the process's first intake (cold: locator, grants, calendar checks)",
                     lambda r: str(r["queries_per_intake"])))
    lines.append(row("`event_escalate`/s (grid → community)", lambda r: fmt(r["transitions"]["escalate_per_s"])))
    lines.append(row("`event_accept`/s (community level)", lambda r: fmt(r["transitions"]["accept_per_s"])))
    lines.append(row("raw UPDATE/s (one row per transaction)", lambda r: fmt(r["raw_update_per_s"])))
    lines.append(row("accept / raw update", lambda r: f"{r['transitions']['accept_per_s'] / r['raw_update_per_s'] * 100:.1f} %"))
    lines.append(row("queries per escalate / accept",
                     lambda r: f"{r['queries_per_escalate']} / {r['queries_per_accept']}"))
    lines.append(row("open deadlines in the table at the sweep (inserted in s)",
                     lambda r: f"{r['sweep']['open_deadlines_total']:,} ({r['sweep']['insert_s']:.0f} s)"))
    lines.append(row("  due at the sweep instant: warn / overdue",
                     lambda r: f"{r['sweep']['warn_due']:,} / {r['sweep']['overdue_due']:,}"))
    lines.append(row("**`deadline_sweep(now)` (s)**, with those due",
                     lambda r: f"{r['sweep']['sweep_s']:.2f}" + met(r["sweep"]["sweep_s"] <= 5), "≤ 5 s"))
    lines.append(row("  warned / overdue / ladder steps done",
                     lambda r: f"{r['sweep']['warned']:,} / {r['sweep']['overdue']:,} / "
                               f"{sum(r['sweep']['steps'].values()):,}" + (" ✓" if r["sweep"]["correct"] else " ✗")))
    lines.append(row("steady-state sweep, nothing due (ms, median of 5)",
                     lambda r: f"{r['sweep']['steady_median_ms']:.1f}"))
    lines.append(row("baseline `SELECT count(*) … state IN (…) AND due_at <= now` (ms, best of 5)",
                     lambda r: f"{r['sweep']['count_baseline_ms']:.1f} (count {r['sweep']['count']:,})"))
    lines.append(row("1-min load average after HTTP / service / transitions / sweep (2 cores)",
                     lambda r: " / ".join(str(r["loadavg"].get(k, "–")) for k in ("http", "service", "transitions",
                                                                                "sweep"))))
    def clients(r):
        """The load generators of a database's HTTP runs, e.g. ``wrk 4.1.0 (2 threads, 8 / 16
        connections for 2 / 4 workers)``; runs from before ``--load`` used the Python client."""
        from .events_load import describe_text

        out = []
        for key, what in (("http", "intake"), ("http_ceiling", "ceiling")):
            rs = r.get(key) or []
            cs = [x.get("client") for x in rs]
            if cs and all(c and c.get("kind") == "wrk" for c in cs) and \
                    len({(c["version"], c["threads"]) for c in cs}) == 1:
                conns = " / ".join(str(c["connections"]) for c in cs)
                ws = " / ".join(str(x["workers"]) for x in rs)
                text = f"wrk {cs[0]['version']} ({cs[0]['threads']} threads, {conns} connections" + \
                    (f" for {ws} workers)" if len(cs) > 1 else ")")
            elif cs:
                text = " / ".join(sorted({describe_text(c) for c in cs}))
            else:
                continue
            out.append((what, text))
        if len({t for _, t in out}) == 1:
            return out[0][1]
        return "; ".join(f"{w}: {t}" for w, t in out) or "–"

    names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    texts = {d: clients(all_results[d]) for d in dbs}
    if len(set(texts.values())) == 1:
        client_text = f"load generator: {next(iter(texts.values()))}"
    else:
        client_text = "load generator: " + "; ".join(f"{names[d]}: {texts[d]}" for d in dbs)
    any_wrk = any((x.get("client") or {}).get("kind") == "wrk" for d in dbs
                  for x in all_results[d].get("http", []) + all_results[d].get("http_ceiling", []))
    lines += ["", "Other work on the machine during a run shows in the 1-min load average row (2 cores): every "
              "figure, baselines included, moves with CPU contention and from run to run by ±10 %; the ratios "
              "(alternating blocks) and the query plans are the robust part.",
              "", NOTES.strip(), "",
              f"What is measured: HTTP = gunicorn sync workers on both cores, {client_text} on the same 2-core "
              "machine (a new connection per request since sync workers close it; every body sent exactly once"
              + (", wrk through a Lua script that hands them out" if any_wrk else "") + "), POST /api/events as "
              "a patrol grid worker signed in by session cookie (CSRF header), one random point inside a random "
              "grid per request, unique title per request; intakes/s = 201 "
              "responses / wall time. Service and raw figures: one process pinned to one core; the service "
              "loop is `event_report(...)` with category objects already loaded (what the API handler does "
              "around it is in the HTTP figure), both warmed up by 200 of their own first (not counted); a "
              "checkpoint (PostgreSQL `CHECKPOINT`, SQLite `wal_checkpoint(TRUNCATE)`) writes the setup's log "
              "out before the HTTP, service and sweep steps. Sweep: the open deadlines sit on the open past events, kind "
              "by status (accept/sign/handle/verify/rate), subject `assignment:<k>`; 1 % have passed `warn_at`, "
              "0.5 % `due_at` (half of them already warned); the sweep runs the notification listener (inbox "
              "rows) as in production. The closed deadlines of past events stay in the same table.",
              "", "<!-- events:data " + json.dumps(all_results, ensure_ascii=False) + " -->", END]
    return "\n".join(lines)


def write_section(db, results, merge=False) -> None:
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text()
    all_results = {}
    m = re.search(r"<!-- events:data (.*?) -->", text, flags=re.S)
    if m:
        try:
            all_results = json.loads(m.group(1))
        except ValueError:
            all_results = {}
    if merge:
        all_results.setdefault(db, {}).update(results)
    else:
        all_results[db] = results
    section = render(all_results)
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)
    log(f"updated {path}")


def code_state() -> str:
    """The commit measured, and the application files that differed from it at run time (other
    engineers edit the tree while benchmarks run)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "jiewang", "config"], cwd=ROOT,
                               capture_output=True, text=True).stdout.split("\n")
        dirty = sorted(ln[3:] for ln in dirty if ln.strip() and "/tests/" not in ln)
    except OSError:
        return "unknown"
    return head + (f" + uncommitted changes in {', '.join(dirty)}" if dirty else "")


RELEVANT = ("config/", "jiewang/events/", "jiewang/notifications/", "jiewang/accounts/", "jiewang/core/",
            "jiewang/areas/", "jiewang/dispatching/services/")


def short_code(code: str) -> str:
    """The code state with only the files on the measured paths named."""
    head, sep, rest = code.partition(" + uncommitted changes in ")
    if not sep:
        return code
    files = rest.split(", ")
    named = [f for f in files if f.startswith(RELEVANT) and (f.endswith(".py") or f.endswith("/"))]
    more = len(files) - len(named)
    return head + " + uncommitted changes" + (f" in {', '.join(named)}" if named else "") + \
        (f" (and {more} other files: web pages, templates, docs)" if more else "")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    ap.add_argument("--events", type=int, default=1_000_000, help="past events to generate")
    ap.add_argument("--deadlines", type=int, default=1_000_000, help="open deadlines for the sweep")
    ap.add_argument("--http", type=int, default=10_000, help="reports to POST per gunicorn configuration")
    ap.add_argument("--workers", default="2,4", help="gunicorn worker counts to try, e.g. 2,4")
    ap.add_argument("--load", choices=["auto", "wrk", "python"], default="auto",
                    help="HTTP load generator: wrk (auto: when installed) or the Python http.client one")
    ap.add_argument("--client-procs", type=int, default=2, help="Python load generator: processes")
    ap.add_argument("--client-threads", type=int, default=None,
                    help="threads: wrk threads (default 2) or per Python process (default 4)")
    ap.add_argument("--client-conns", type=int, default=None,
                    help="wrk connections (default 4 × workers, at least 8)")
    ap.add_argument("--service", type=int, default=3000, help="intakes in the service loop")
    ap.add_argument("--warn-share", type=float, default=0.01)
    ap.add_argument("--overdue-share", type=float, default=0.005)
    ap.add_argument("--quick", action="store_true", help="small sizes (50,000 events, 100,000 deadlines)")
    ap.add_argument("--profile", action="store_true", help="cProfile and py-spy listings in the var dir")
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument("--only-ceiling", action="store_true",
                    help="only the no-work HTTP ceiling, merged into this database's figures in BENCHMARKS.md")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    if args.quick:
        args.events, args.deadlines, args.http, args.service = 50_000, 100_000, 2000, 500
    env = data.env_for(args.db)
    os.environ.update(env)
    results = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
               "argv": " ".join(sys.argv[1:] if argv is None else argv)}
    if args.only_ceiling:
        os.environ.update(env)
        part = {}
        step_http_ceiling(args, env, env["JIEWANG_VAR_DIR"], part)
        if not args.no_write:
            write_section(args.db, part, merge=True)
        return 0
    results["code"] = code_state()
    results["timings"] = data.prepare_database(args.db, env, log)
    import django

    django.setup()
    from django.db import connection

    from jiewang.areas.locator import get_locator
    from jiewang.events.models import MatterCategory
    from jiewang.events.services.catalog import catalog_seed

    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), "?")
    results["machine"] = f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"
    with connection.cursor() as c:
        c.execute("SELECT version()" if args.db == "postgres" else "SELECT 'SQLite ' || sqlite_version()")
        results["db_version"] = c.fetchone()[0].split(" on ")[0]
    rng = np.random.default_rng(args.seed)
    var = env["JIEWANG_VAR_DIR"]
    data.wipe_events(args.db)
    catalog_seed()
    user = data.ensure_bench_user()
    t = time.perf_counter()
    city = data.load_city()
    log(f"city: {len(city.grid_ids):,} grids loaded in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    get_locator(refresh=True)
    results["timings"]["locator ready (build or load)"] = time.perf_counter() - t
    log(f"locator ready in {results['timings']['locator ready (build or load)']:.1f} s")
    # Categories whose report needs no extra field (a few require e.g. the number of workers).
    cat_objs = [c for c in MatterCategory.objects.filter(parent__isnull=False, is_active=True).order_by("code")
                if not any(a.get("required") for a in c.attributes or [])]
    cats = [c.code for c in cat_objs]

    log(f"1. generating {args.events:,} past events")
    results["gen"] = data.generate_past_events(args.db, args.events, city, dt.datetime.now(dt.UTC), rng,
                                               log, user.pk)
    log(f"   done in {results['gen']['t_total']:.0f} s; open events {results['gen']['open_events']:,}")
    if not args.skip_http:
        log("2. intake over HTTP")
        data.flush_writes(args.db)
        step_http(args, env, city, cats, user, rng, var, results)
        step_http_ceiling(args, env, var, results)
        load_note(results, "http")
    os.sched_setaffinity(0, {0})
    log("3. intake through the service vs raw INSERT (pinned to CPU 0)")
    ids = step_service(args, city, cat_objs, user, rng, var, results, args.db)
    load_note(results, "service")
    log("4. transitions vs raw UPDATE")
    from jiewang.accounts.models import User

    step_transitions(args, ids, User.objects.get(pk=user.pk), var, results)
    load_note(results, "transitions")
    log(f"5. sweep over {args.deadlines:,} open deadlines")
    step_sweep(args, args.db, rng, var, results)
    load_note(results, "sweep")
    results.pop("intake_query_sample", None) if not args.profile else None
    out = Path(var) / "events_bench_results.json"
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str))
    log(f"results: {out}")
    if not args.no_write:
        results.pop("intake_query_sample", None)
        write_section(args.db, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
