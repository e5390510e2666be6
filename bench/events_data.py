"""Data for the closed-loop benchmark (:mod:`bench.events_bench`): the database to run on, the
bench users, one million past events written with bulk inserts, and the open deadlines the
sweep runs over.

Bulk writes bypass the services on purpose (a million ``event_report`` calls would take hours):
SQLite gets ``executemany`` of plain tuples in one transaction per table chunk, PostgreSQL gets
``COPY … FROM STDIN``. Ids, numbers and sequences are assigned here exactly as the services
would leave them: numbers ``<town code>-<year>-<seq:06d>`` unique per town and year in order of
report time, and ``EventNumberSequence.last`` set to the count so later intakes continue the
sequence.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED_SQLITE = Path("/tmp/jw_city/jiewang.sqlite3")
PG_URL = "postgres://postgres@127.0.0.1:5432/jw_bench"
BENCH_USER = "bench_patrol"
TZ_OFFSET = dt.timedelta(hours=8)  # Asia/Shanghai: event numbers use the local year

# The tables the bench empties before writing its own events (bench database only), besides every
# table that refers to an event, directly or through another such table (see event_tables()).
EVENT_TABLES = ["events_deadline", "events_eventactivity", "events_eventphoto", "events_event",
                "events_eventnumbersequence", "notifications_notification", "notifications_outboundmessage"]


def env_for(db: str) -> dict[str, str]:
    """Environment of the bench process and of gunicorn for ``db``."""
    if db == "sqlite":
        var = "/tmp/jw_bench_sqlite"
        url = f"sqlite:///{var}/jiewang.sqlite3"
    else:
        var = "/tmp/jw_bench_pg"
        url = os.environ.get("JW_BENCH_PG_URL", PG_URL)
    return {"JIEWANG_VAR_DIR": var, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings",
            "JIEWANG_DEV": "1", "DEBUG": "0"}


def run_manage(env: dict, *args) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**os.environ, **env}, check=True)


def prepare_database(db: str, env: dict, log) -> dict:
    """Before django.setup(): a migrated database holding the seeded city (scale city, seed 1)
    and no events. SQLite: a copy of a pristine seeded file (made once, from /tmp/jw_city when it
    is there, else seeded here). PostgreSQL: the jw_bench database, seeded once, event tables
    truncated at each run."""
    timings = {}
    var = Path(env["JIEWANG_VAR_DIR"])
    var.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    if db == "sqlite":
        pristine = var / "city-pristine.sqlite3"
        work = var / "jiewang.sqlite3"
        if not pristine.exists():
            for p in (work, Path(str(work) + "-wal"), Path(str(work) + "-shm")):
                p.unlink(missing_ok=True)
            if SHARED_SQLITE.exists():
                log(f"copying the seeded city from {SHARED_SQLITE}")
                shutil.copy(SHARED_SQLITE, work)
            run_manage(env, "migrate", "--noinput", "-v", "0")
            run_manage(env, "seed_demo", "--scale", "city", "--seed", "1", "--history", "0")
            shutil.copy(work, pristine)
        for p in (Path(str(work) + "-wal"), Path(str(work) + "-shm")):
            p.unlink(missing_ok=True)
        shutil.copy(pristine, work)
        run_manage(env, "migrate", "--noinput", "-v", "0")
    else:
        ensure_pg_database(env["DATABASE_URL"], log)
        run_manage(env, "migrate", "--noinput", "-v", "0")
        run_manage(env, "seed_demo", "--scale", "city", "--seed", "1", "--history", "0")  # no-op once seeded
    timings["database ready (copy/migrate/seed check)"] = time.perf_counter() - t
    return timings


def ensure_pg_database(url: str, log) -> None:
    """Create the bench database on the server of ``url`` when it is not there yet."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


# --- after django.setup() -----------------------------------------------------------------------

@dataclass
class City:
    grid_ids: np.ndarray
    grid_paths: list[str]
    community_ids: np.ndarray
    town_ids: np.ndarray
    town_codes: dict[int, str]
    polys: np.ndarray  # shapely polygons, aligned with grid_ids
    root_id: int


def load_city() -> City:
    import shapely

    from jiewang.areas.choices import AreaLevel
    from jiewang.areas.models import Area

    rows = list(Area.objects.filter(level=AreaLevel.GRID).order_by("id").values_list("id", "path", "geometry"))
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    paths = [r[1] for r in rows]
    parts = [p.strip("/").split("/") for p in paths]
    polys = shapely.from_geojson([json.dumps(r[2]) for r in rows])
    towns = dict(Area.objects.filter(level=AreaLevel.TOWN).values_list("id", "code"))
    root = Area.objects.get(level=AreaLevel.CITY).id
    return City(ids, paths, np.array([int(p[3]) for p in parts]), np.array([int(p[2]) for p in parts]),
                towns, polys, root)


def points_inside(polys, n, rng):
    """``n`` points, each inside a random grid; returns (grid index, x, y)."""
    import shapely

    out_g, out_x, out_y = [], [], []
    bounds = shapely.bounds(polys)
    got = 0
    while got < n:
        g = rng.integers(0, len(polys), 2 * (n - got) + 16)
        x = rng.uniform(bounds[g, 0], bounds[g, 2])
        y = rng.uniform(bounds[g, 1], bounds[g, 3])
        ok = shapely.intersects_xy(polys[g], x, y)
        out_g.append(g[ok])
        out_x.append(x[ok])
        out_y.append(y[ok])
        got += int(ok.sum())
    return (np.concatenate(out_g)[:n], np.round(np.concatenate(out_x)[:n], 7),
            np.round(np.concatenate(out_y)[:n], 7))


def ensure_bench_user():
    """One patrol user: grid worker and community staff on the city root, so it may report
    into every grid (channel ``patrol``) and escalate / accept at grid and community level. In
    production a grid worker holds one grid; the rights check is the same prefix test."""
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User
    from jiewang.areas.choices import AreaLevel
    from jiewang.areas.models import Area

    root = Area.objects.get(level=AreaLevel.CITY)
    user, _ = User.objects.get_or_create(username=BENCH_USER, defaults={"display_name": "压测网格员"})
    for role in (Role.GRID_WORKER, Role.COMMUNITY_STAFF):
        RoleGrant.objects.get_or_create(user=user, role=role, area=root)
    return User.objects.get(pk=user.pk)


def event_tables() -> list[str]:
    """:data:`EVENT_TABLES` and every table holding a foreign key to an event or to a row of such
    a table (assignments, whistles and their summonses, extension requests, Open311 submissions…),
    referring tables first."""
    from django.apps import apps

    from jiewang.events.models import Event

    found: list = [Event]
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in found:
                continue
            if any(f.many_to_one or f.one_to_one for f in model._meta.concrete_fields
                   if f.is_relation and f.related_model in found):
                found.append(model)
                changed = True
    referring = [m._meta.db_table for m in reversed(found[1:])]
    return referring + [t for t in EVENT_TABLES if t not in referring]


def wipe_events(db: str) -> None:
    """Empty the event tables and every table referring to them (bench databases only)."""
    from django.db import connection, transaction

    tables = event_tables()
    with transaction.atomic(), connection.cursor() as c:
        if db == "postgres":
            c.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")
        else:
            for t in tables:
                c.execute(f"DELETE FROM {t}")


def ts_strings(seconds: np.ndarray, db: str) -> np.ndarray:
    """UTC epoch seconds → the text each backend stores/parses (SQLite compares it as text)."""
    us = (seconds * 1e6).astype("int64").astype("datetime64[us]")
    s = np.datetime_as_string(us, unit="us")
    if db == "sqlite":
        return np.char.replace(s, "T", " ")
    return np.char.add(s, "+00:00")


def missing_defaults(table: str, columns: list[str], db: str) -> tuple[list[str], tuple]:
    """NOT NULL columns of ``table`` that ``columns`` leaves out (fields added to the model after
    this bench was written), with their model defaults, so that the bulk rows stay valid."""
    from django.apps import apps

    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    extra_cols, extra_vals = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.column in columns or f.null:
            continue
        v = f.get_default()
        if isinstance(v, (dict, list)):
            v = json.dumps(v)
        elif isinstance(v, bool) and db == "sqlite":
            v = int(v)
        extra_cols.append(f.column)
        extra_vals.append(v)
    return extra_cols, tuple(extra_vals)


def bulk_write(db: str, table: str, columns: list[str], rows, chunk: int = 200_000) -> int:
    """Write ``rows`` (an iterable of tuples) fast: executemany (SQLite) or COPY (PostgreSQL)."""
    from django.db import connection, transaction

    n = 0
    extra_cols, extra_vals = missing_defaults(table, columns, db)
    if extra_cols:
        columns = columns + extra_cols
        rows = (r + extra_vals for r in rows)
    if db == "postgres":
        with transaction.atomic(), connection.cursor() as c:
            with c.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
                    n += 1
        return n
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    raw = None
    buf = []
    with transaction.atomic():
        connection.ensure_connection()
        raw = connection.connection
        # A big page cache for the load (default 2 MB): index pages of a million-row table stay in
        # memory instead of being re-read for every random insert into the number index.
        raw.execute("PRAGMA cache_size = -1000000")
        for r in rows:
            buf.append(r)
            if len(buf) >= chunk:
                raw.executemany(sql, buf)
                n += len(buf)
                buf.clear()
        if buf:
            raw.executemany(sql, buf)
            n += len(buf)
    return n


# status → the activities that led there (action, from, to, timestamp column) and closed clocks
PATHS = {
    "reported": [("report", "", "reported", "reported_at")],
    "accepted": [("report", "", "reported", "reported_at"), ("accept", "reported", "accepted", "accepted_at")],
    "voided": [("report", "", "reported", "reported_at"), ("void", "reported", "voided", "voided_at")],
    "dispatched": [("report", "", "reported", "reported_at"), ("accept", "reported", "accepted", "accepted_at"),
                   ("dispatch", "accepted", "dispatched", "dispatched_at")],
    "handling": [("report", "", "reported", "reported_at"), ("accept", "reported", "accepted", "accepted_at"),
                 ("dispatch", "accepted", "dispatched", "dispatched_at"),
                 ("sign", "dispatched", "handling", "handling_at")],
    "shelved": [("report", "", "reported", "reported_at"), ("accept", "reported", "accepted", "accepted_at"),
                ("shelve", "accepted", "shelved", "shelved_at")],
}
PATHS["feedback"] = PATHS["handling"] + [("feedback", "handling", "feedback", "feedback_at")]
PATHS["closed"] = PATHS["feedback"] + [("verify_pass", "feedback", "closed", "closed_at")]
PATHS["rated"] = PATHS["closed"] + [("visit", "closed", "rated", "rated_at")]
# (kind, state, started column, closed column) of the clocks each step closed
CLOCKS = {
    "accepted_at": ("accept", "met", "reported_at", "accepted_at"),
    "voided_at": ("accept", "cancelled", "reported_at", "voided_at"),
    "feedback_at": ("handle", "met", "accepted_at", "feedback_at"),
    "shelved_at": ("handle", "cancelled", "accepted_at", "shelved_at"),
    "closed_at": ("verify", "met", "feedback_at", "closed_at"),
    "rated_at": ("rate", "met", "closed_at", "rated_at"),
}
STATUSES = ["reported", "accepted", "voided", "dispatched", "handling", "shelved", "feedback", "closed", "rated"]
OLD_P = [0.0, 0.0, 0.10, 0.005, 0.015, 0.03, 0.0, 0.12, 0.73]  # reported > 30 days ago
NEW_P = [0.08, 0.08, 0.06, 0.14, 0.25, 0.02, 0.10, 0.15, 0.12]  # within the last 30 days
CHANNELS = ["patrol", "resident_web", "open311", "hotline", "sensor", "district"]
CHANNEL_P = [0.55, 0.15, 0.03, 0.20, 0.04, 0.03]
URGENCIES, URGENCY_P = ["normal", "urgent", "emergency"], [0.85, 0.12, 0.03]


def generate_past_events(db: str, n: int, city: City, now: dt.datetime, rng, log, reporter_id: int) -> dict:
    """Write ``n`` past events spread over the last year, with their activities and closed
    deadlines. Returns counts and timings."""
    from django.db import connection

    from jiewang.events.models import MatterCategory

    t0 = time.perf_counter()
    cats = list(MatterCategory.objects.filter(parent__isnull=False, is_active=True).values_list("id", "board_kind",
                                                                                                   "name"))
    cat_w = rng.pareto(1.5, len(cats)) + 0.2
    cat_w /= cat_w.sum()
    T = now.timestamp()
    age = rng.uniform(600, 365 * 86400, n)
    reported = np.sort(T - age)  # ids grow with time
    age = T - reported
    gi, lon, lat = points_inside(city.polys, n, rng)
    ci = rng.choice(len(cats), n, p=cat_w)
    old = age > 30 * 86400
    st = np.where(old, rng.choice(len(STATUSES), n, p=OLD_P), rng.choice(len(STATUSES), n, p=NEW_P))
    ch = rng.choice(len(CHANNELS), n, p=CHANNEL_P)
    ur = rng.choice(len(URGENCIES), n, p=URGENCY_P)
    H = 3600.0
    stamps = {"reported_at": reported}
    stamps["accepted_at"] = reported + rng.uniform(0.05, 4, n) * H
    stamps["voided_at"] = reported + rng.uniform(0.05, 4, n) * H
    stamps["dispatched_at"] = stamps["accepted_at"] + rng.uniform(0.05, 8, n) * H
    stamps["handling_at"] = stamps["dispatched_at"] + rng.uniform(0.2, 24, n) * H
    stamps["shelved_at"] = stamps["accepted_at"] + rng.uniform(1, 72, n) * H
    stamps["feedback_at"] = stamps["handling_at"] + rng.uniform(1, 120, n) * H
    stamps["closed_at"] = stamps["feedback_at"] + rng.uniform(1, 48, n) * H
    stamps["rated_at"] = stamps["closed_at"] + rng.uniform(1, 120, n) * H
    # A step cannot be in the future: squeeze the chain of a recent event into its age.
    last = reported.copy()
    for col in ("accepted_at", "dispatched_at", "handling_at", "feedback_at", "closed_at", "rated_at",
                "voided_at", "shelved_at"):
        stamps[col] = np.minimum(stamps[col], T - 60)
    for col in ("accepted_at", "dispatched_at", "handling_at", "feedback_at", "closed_at", "rated_at"):
        stamps[col] = np.maximum(stamps[col], last)
        last = stamps[col]
    text = {k: ts_strings(v, db).tolist() for k, v in stamps.items()}
    # numbers: per town and local year, in order of report time, continuing EventNumberSequence
    town = city.town_ids[gi]
    year = (reported + TZ_OFFSET.total_seconds()).astype("int64").astype("datetime64[s]").astype("datetime64[Y]") \
        .astype(int) + 1970
    key = town * 10000 + year
    order = np.argsort(key, kind="stable")
    ks = key[order]
    start = np.r_[0, np.flatnonzero(ks[1:] != ks[:-1]) + 1]
    seq = np.empty(n, dtype=np.int64)
    run_len = np.diff(np.r_[start, n])
    seq[order] = np.arange(n) - np.repeat(start, run_len) + 1
    seq_rows = [(int(ks[s] // 10000), int(ks[s] % 10000), int(c)) for s, c in zip(start, run_len, strict=True)]
    log(f"  generated arrays in {time.perf_counter() - t0:.1f} s")

    with connection.cursor() as c:
        c.execute("SELECT COALESCE(MAX(id), 0) FROM events_event")
        first_id = c.fetchone()[0] + 1
    levels_start = {"patrol": "grid", "resident_web": "grid", "open311": "grid", "hotline": "town", "sensor": "town",
                    "district": "town"}
    grid_paths, comm_ids, grid_ids = city.grid_paths, city.community_ids, city.grid_ids
    st_l, ch_l, ur_l, gi_l, ci_l = st.tolist(), ch.tolist(), ur.tolist(), gi.tolist(), ci.tolist()
    lon_l, lat_l, town_l, seq_l, year_l = lon.tolist(), lat.tolist(), town.tolist(), seq.tolist(), year.tolist()
    lvl_rand = rng.random(n).tolist()
    sat = rng.choice(["satisfied", "basically", "dissatisfied"], n, p=[0.82, 0.14, 0.04]).tolist()
    tcode = city.town_codes
    bool_t, bool_f = (True, False) if db == "postgres" else (1, 0)
    ev_cols = ["id", "number", "status", "level", "version", "area_path", "lon", "lat", "address", "board_kind",
               "title", "description", "attributes", "urgency", "channel", "source", "reporter_name",
               "reporter_phone", "external_number", "reported_at", "accepted_at", "voided_at", "dispatched_at",
               "handling_at", "shelved_at", "feedback_at", "closed_at", "rated_at", "is_overdue", "rework_count",
               "escalation_count", "contacted", "resolved", "satisfaction", "community_id", "grid_id", "reporter_id",
               "town_id", "category_id"]

    def event_rows():
        for i in range(n):
            s = STATUSES[st_l[i]]
            chan = CHANNELS[ch_l[i]]
            path = PATHS[s]
            done = {p[3] for p in path}
            if s in ("reported", "voided"):
                level = levels_start[chan]
            elif s == "dispatched" or (s in ("handling", "feedback") and lvl_rand[i] < 0.7):
                level = "department"
            else:
                level = "community" if lvl_rand[i] < 0.4 else "town"
            cat = cats[ci_l[i]]
            rated = s == "rated"
            yield (first_id + i, f"{tcode[town_l[i]]}-{year_l[i]}-{seq_l[i]:06d}", s, level, len(path),
                   grid_paths[gi_l[i]], lon_l[i], lat_l[i], "", cat[1], f"{cat[2]}（巡查发现）", "", "{}",
                   URGENCIES[ur_l[i]], chan, "proactive" if chan == "patrol" else "complaint", "", "", "",
                   text["reported_at"][i],
                   *(text[c][i] if c in done else None for c in ("accepted_at", "voided_at", "dispatched_at",
                                                                  "handling_at", "shelved_at", "feedback_at",
                                                                  "closed_at", "rated_at")),
                   bool_f, 0, 0, (bool_t if rated else None), (bool_t if rated else None),
                   sat[i] if rated else "", int(comm_ids[gi_l[i]]), int(grid_ids[gi_l[i]]),
                   reporter_id if chan == "patrol" else None, town_l[i], cat[0])

    out = {}
    t = time.perf_counter()
    out["events"] = bulk_write(db, "events_event", ev_cols, event_rows())
    out["t_events"] = time.perf_counter() - t
    log(f"  events: {out['events']:,} in {out['t_events']:.1f} s")

    def activity_rows():
        for i in range(n):
            eid = first_id + i
            for action, frm, to, col in PATHS[STATUSES[st_l[i]]]:
                yield (action, frm, to, "system" if action == "report" else "town_operator", "", "{}",
                       text[col][i], None, eid)

    t = time.perf_counter()
    out["activities"] = bulk_write(db, "events_eventactivity",
                                   ["action", "from_status", "to_status", "actor_role", "comment", "data", "at",
                                    "actor_id", "event_id"], activity_rows())
    out["t_activities"] = time.perf_counter() - t
    log(f"  activities: {out['activities']:,} in {out['t_activities']:.1f} s")

    def deadline_rows():
        for i in range(n):
            eid = first_id + i
            for _a, _f, _t, col in PATHS[STATUSES[st_l[i]]]:
                clock = CLOCKS.get(col)
                if clock is None:
                    continue
                kind, state, start_col, end_col = clock
                started, ended = text[start_col][i], text[end_col][i]
                yield (kind, "", None, "working_hours", started, ended, started, state, 0, None, None, None, ended,
                       eid)

    t = time.perf_counter()
    out["closed_deadlines"] = bulk_write(db, "events_deadline", DEADLINE_COLS, deadline_rows())
    out["t_deadlines"] = time.perf_counter() - t
    log(f"  closed deadlines: {out['closed_deadlines']:,} in {out['t_deadlines']:.1f} s")

    t = time.perf_counter()
    bulk_write(db, "events_eventnumbersequence", ["town_id", "year", "last"], seq_rows)
    if db == "postgres":
        with connection.cursor() as c:
            for table in ("events_event", "events_eventactivity", "events_deadline", "events_eventnumbersequence"):
                c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
            c.execute("VACUUM ANALYZE events_event")
            c.execute("VACUUM ANALYZE events_eventactivity")
            c.execute("VACUUM ANALYZE events_deadline")
    else:
        with connection.cursor() as c:
            c.execute("ANALYZE")
    out["t_finish"] = time.perf_counter() - t
    out["sequences"] = len(seq_rows)
    out["open_events"] = int(np.isin(st, [STATUSES.index(s) for s in OPEN_STATUSES]).sum())
    out["status_counts"] = {STATUSES[k]: int(v) for k, v in zip(*np.unique(st, return_counts=True), strict=True)}
    out["t_total"] = time.perf_counter() - t0
    return out


DEADLINE_COLS = ["kind", "subject_type", "subject_id", "unit", "started_at", "due_at", "warn_at", "state", "stage", "next_step_at",
                 "warned_at", "overdue_at", "closed_at", "event_id"]
OPEN_STATUSES = ["reported", "accepted", "dispatched", "handling", "feedback", "closed"]
KIND_OF = {"reported": "accept", "accepted": "handle", "dispatched": "sign", "handling": "handle",
           "feedback": "verify", "closed": "rate"}


def flush_writes(db: str) -> None:
    """Write the bulk setup's log out before a timed step: PostgreSQL ``CHECKPOINT``, SQLite a
    WAL checkpoint that truncates the log. (A checkpoint still running from the setup made the
    PostgreSQL sweep vary from 3.2 to 5.2 s between runs.)"""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("CHECKPOINT" if db == "postgres" else "PRAGMA wal_checkpoint(TRUNCATE)")
        if db != "postgres":
            c.fetchall()


def insert_open_deadlines(db: str, m: int, now: dt.datetime, rng, warn_share: float, overdue_share: float) -> dict:
    """``m`` open (running/warned) deadline rows on the open events, the kind following the
    event's status, about assignment ``k`` (several clocks per event, as with
    co-handling departments). ``warn_share`` of them have passed ``warn_at`` but not ``due_at``
    at ``now``; ``overdue_share`` have passed ``due_at`` (half of these were already warned);
    the rest run into the future."""
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as c:
        c.execute("SELECT id, status FROM events_event WHERE status IN ({})".format(", ".join(
            f"'{s}'" for s in OPEN_STATUSES)))
        rows = c.fetchall()
    ev = np.array([r[0] for r in rows])
    kinds = np.array([KIND_OF[r[1]] for r in rows])
    pick = rng.integers(0, len(ev), m)
    T = now.timestamp()
    H = 3600.0
    u = rng.random(m)
    n_warn, n_over = int(round(m * warn_share)), int(round(m * overdue_share))
    cls = np.zeros(m, dtype=np.int8)  # 0 future, 1 warn due, 2 overdue
    perm = rng.permutation(m)
    cls[perm[:n_warn]] = 1
    cls[perm[n_warn:n_warn + n_over]] = 2
    started = T - rng.uniform(0.1, 72, m) * H
    due = T + rng.uniform(1, 240, m) * H
    warn = T + (due - T) * rng.uniform(0.05, 0.8, m)
    w = cls == 1
    due[w] = T + rng.uniform(0.2, 4, int(w.sum())) * H
    warn[w] = T - rng.uniform(0.01, 2, int(w.sum())) * H
    o = cls == 2
    due[o] = T - rng.uniform(0.02, 2, int(o.sum())) * H
    warn[o] = due[o] - H
    started = np.minimum(started, warn - 60)
    warned_already = o & (u < 0.5)
    s_started, s_due, s_warn = (ts_strings(a, db).tolist() for a in (started, due, warn))
    ev_l, kind_l = ev[pick].tolist(), kinds[pick].tolist()
    wa = warned_already.tolist()

    def gen():
        for j in range(m):
            yield (kind_l[j], "assignment", j + 1, "working_hours", s_started[j], s_due[j], s_warn[j],
                   "warned" if wa[j] else "running", 0, None, s_warn[j] if wa[j] else None, None, None, ev_l[j])

    n = bulk_write(db, "events_deadline", DEADLINE_COLS, gen())
    with connection.cursor() as c:
        c.execute("ANALYZE events_deadline" if db == "postgres" else "ANALYZE")
    return {"open_deadlines": n, "warn_due": n_warn, "overdue_due": n_over, "open_events_used": len(np.unique(ev[pick])),
            "seconds": time.perf_counter() - t0}
