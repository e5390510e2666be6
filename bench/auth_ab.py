"""A/B of the HTTP intake with two ways of reading each request's session, user and grants.

Run: ``.venv/bin/python -m bench.auth_ab --db sqlite|postgres [--rounds 4] [--http 2000]``

Each variant is a value of ``JIEWANG_AUTH_PARTS`` given to gunicorn (``config/settings.py``);
the variants run alternately, the order reversed every other round (A B, B A, …), on the same
database, the same data and the same load generator as ``bench.events_bench``'s HTTP step, so
that drift from other work on the machine falls on both. Each run: a fresh gunicorn, a warm-up,
then ``--http`` reports POSTed as a patrol grid worker signed in by session cookie. Prints each
run and the median intakes/s per variant, and writes the runs to ``auth_ab.json`` in the var
directory. Its own database and var directory (``/tmp/jw_ab_<db>``, PostgreSQL ``jw_ab``), so it
never touches the closed-loop bench's.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from . import events_data as data
from .events_bench import free_port, log, pct, report_bodies, start_gunicorn, stop_gunicorn

BACKENDS = {"custom": "jiewang.accounts.backends.ModelBackend", "django-session": "jiewang.accounts.backends.ModelBackend"}
DJANGO_BACKEND = "django.contrib.auth.backends.ModelBackend"


def signed_in_headers(user, backend: str) -> dict:
    """A session row as ``login()`` leaves it (the database row; a cached engine fills its cache
    on the first read), naming ``backend``, and a CSRF cookie/header pair."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = backend
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    token = secrets.token_hex(16)
    return {"Content-Type": "application/json", "Cookie": f"sessionid={s.session_key}; csrftoken={token}",
            "X-CSRFToken": token, "Host": "127.0.0.1"}


def cpu_seconds(pids) -> float:
    """User + system CPU seconds spent so far by these processes."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def worker_pids(master_pid: int) -> list[str]:
    """gunicorn's workers (the master's children) and, on PostgreSQL, the server processes of
    this database's other connections (the workers' own, kept open by CONN_MAX_AGE). Under
    contention from other work on the machine, wall-clock throughput swings widely; the CPU each
    intake costs these processes moves much less."""
    pids = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            pids += [str(r[0]) for r in c.fetchall()]
    return pids


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    ap.add_argument("--variants", default="custom,django", help="values of JIEWANG_AUTH_PARTS, comma separated")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--http", type=int, default=2000, help="reports per run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--events", type=int, default=50_000, help="past events generated first")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    env = data.env_for(args.db)
    var = f"/tmp/jw_ab_{args.db}"
    env["JIEWANG_VAR_DIR"] = var
    env["DATABASE_URL"] = (f"sqlite:///{var}/jiewang.sqlite3" if args.db == "sqlite"
                           else os.environ.get("JW_AB_PG_URL", data.PG_URL.rsplit("/", 1)[0] + "/jw_ab"))
    os.environ.update(env)
    data.prepare_database(args.db, env, log)
    import django

    django.setup()
    from jiewang.areas.locator import get_locator
    from jiewang.events.models import Event, MatterCategory
    from jiewang.events.services.catalog import catalog_seed

    from .events_load import Loader, describe_text

    rng = np.random.default_rng(args.seed)
    data.wipe_events(args.db)
    catalog_seed()
    user = data.ensure_bench_user()
    city = data.load_city()
    get_locator(refresh=True)
    cats = [c.code for c in MatterCategory.objects.filter(parent__isnull=False, is_active=True).order_by("code")
            if not any(a.get("required") for a in c.attributes or [])]
    if args.events:
        data.generate_past_events(args.db, args.events, city, data.dt.datetime.now(data.dt.timezone.utc), rng,
                                  log, user.pk)
    data.flush_writes(args.db)
    variants = args.variants.split(",")
    headers = {v: signed_in_headers(user, BACKENDS.get(v, DJANGO_BACKEND)) for v in variants}
    loader = Loader("auto")
    runs = []
    for rnd in range(args.rounds):
        for v in (variants if rnd % 2 == 0 else variants[::-1]):
            tag = f"ab-{secrets.token_hex(3)}-{v}"
            bodies = report_bodies(city, cats, args.http, rng, tag)
            warm = report_bodies(city, cats, 20 * args.workers, rng, tag + "-warm")
            port = free_port()
            proc = start_gunicorn({**env, "JIEWANG_AUTH_PARTS": v}, args.workers, port, var)
            try:
                w = loader.run(port, warm, headers[v], args.workers, warm=True)
                if w["status"].get(201, 0) != len(warm):
                    raise RuntimeError(f"{v}: warm-up failed: {w['status']}")
                pids = worker_pids(proc.pid)
                cpu0 = cpu_seconds(pids)
                r = loader.run(port, bodies, headers[v], args.workers)
                cpu = cpu_seconds(pids) - cpu0
            finally:
                stop_gunicorn(proc)
            created = r["status"].get(201, 0)
            in_db = Event.objects.filter(title__startswith=tag + "-").exclude(title__startswith=tag + "-warm").count()
            run = {"round": rnd, "variant": v, "sent": len(bodies), "created_201": created, "in_db": in_db,
                   "per_s": created / r["wall"], "p50_ms": pct(r["latencies"], 50),
                   "p95_ms": pct(r["latencies"], 95), "cpu_ms_per_intake": 1000 * cpu / max(created, 1),
                   "loadavg_1m": os.getloadavg()[0]}
            runs.append(run)
            log(f"round {rnd} {v:12s} {run['per_s']:7.0f} intakes/s  p50 {run['p50_ms']:.1f} ms  "
                f"p95 {run['p95_ms']:.1f} ms  worker CPU {run['cpu_ms_per_intake']:.2f} ms/intake  201 {created}/{len(bodies)} in DB {in_db}  "
                f"load {run['loadavg_1m']:.2f}")
            time.sleep(1)
    summary = {}
    for v in variants:
        rates = [r["per_s"] for r in runs if r["variant"] == v]
        mine = [r for r in runs if r["variant"] == v]
        summary[v] = {"median_per_s": statistics.median(rates), "runs": rates,
                      "median_p50_ms": statistics.median(r["p50_ms"] for r in mine),
                      "median_cpu_ms": statistics.median(r["cpu_ms_per_intake"] for r in mine),
                      "cpu_runs": [r["cpu_ms_per_intake"] for r in mine]}
    base = summary[variants[0]]["median_per_s"]
    for v in variants:
        s = summary[v]
        log(f"{v:12s} median {s['median_per_s']:.0f} intakes/s ({s['median_per_s'] / base - 1:+.1%} vs "
            f"{variants[0]}), median p50 {s['median_p50_ms']:.1f} ms; worker CPU {s['median_cpu_ms']:.2f} ms/intake "
            f"({s['median_cpu_ms'] / summary[variants[0]]['median_cpu_ms'] - 1:+.1%}); runs "
            f"{[round(x) for x in s['runs']]}, CPU {[round(x, 2) for x in s['cpu_runs']]}")
    out = Path(var) / "auth_ab.json"
    out.write_text(json.dumps({"argv": sys.argv[1:] if argv is None else argv, "client": describe_text(
        loader.describe(args.workers)), "runs": runs, "summary": summary}, indent=1))
    log(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
