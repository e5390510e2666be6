"""A city-scale history for the issue #10 benchmarks (:mod:`bench.city_bench`): the demo city at
city scale (``seed_demo --scale city --grid-workers``: 38 districts, 1,031 towns, 11,000
communities, 62,000 grids, a grid worker per grid, the towns' boards and posts, the districts'
departments) and ``N`` past events over the last ``--years`` years, bulk written, then the
situation rollups.

What is written, per event (the rows the situation and the assessment read):

- the event: grid, town, community and path; a category (Pareto-weighted: a few matters dominate)
  and its board; channel, source, urgency; status by age; every state's timestamp; ``is_overdue``
  when its handling clock ran out; ``rework_count`` (a few per cent), the return visit's
  ``contacted``/``resolved``/``satisfaction``; the grid's worker as reporter of patrol events;
- the lead assignment (主办) of every event that reached dispatch: a district department (the
  category's default department in the event's district) or a post of the town's board;
- the handling clock (``handle``) of every accepted event and the sign-for clock (``sign``, subject
  the assignment) of every dispatched one, met, missed or still running;
- the return visit of every rated event (an activity ``visit`` with its data).

Not written: the other activities of the timeline, whistles, extensions (the benches do not read
them; the assessment's whistle indicators therefore have no data).

When: days weighted by a slow growth (+20 % a year), a summer peak, weekends at 70 %; the hour
by a working-day profile (peaks 9–11 h and 14–17 h, nights at 10 %). Where: grids Pareto-weighted
(hot grids), a point inside the grid.

Writes: SQLite ``executemany`` of plain tuples with the secondary indexes dropped during the load
and rebuilt after (CREATE INDEX sorts once, instead of millions of random inserts); PostgreSQL
``COPY``. The result is cached (:func:`cache_path`): a file per parameter set under
``var/bench/`` for SQLite, a database holding a ``jw_bench_meta`` row naming its parameters for
PostgreSQL; a rerun with the same parameters reuses it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("JW_BENCH_VAR", ROOT / "var" / "bench"))
PG_URL = os.environ.get("JW_BENCH10M_PG_URL", "postgres://postgres@127.0.0.1:5432/jw_bench10m")
DATA_VERSION = 1
SCALE = "city"  # the seeded city's scale (``small`` for the smoke test: 60 grids); set by --scale
H = 3600.0
TZ = 8 * H  # Asia/Shanghai (no DST)

STATUSES = ["reported", "accepted", "voided", "dispatched", "handling", "shelved", "feedback", "closed", "rated"]
OLD_P = [0.0, 0.0, 0.10, 0.005, 0.015, 0.03, 0.0, 0.12, 0.73]  # reported > 30 days ago
NEW_P = [0.08, 0.08, 0.06, 0.14, 0.25, 0.02, 0.10, 0.15, 0.12]  # within the last 30 days
CHANNELS = ["patrol", "resident_web", "open311", "hotline", "sensor", "district"]
CHANNEL_P = [0.55, 0.15, 0.03, 0.20, 0.04, 0.03]
URGENCIES, URGENCY_P = ["normal", "urgent", "emergency"], [0.85, 0.12, 0.03]
HOURS_P = np.array([1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 10, 6, 7, 10, 11, 11, 9, 7, 6, 5, 4, 2, 1.5], float)
DISPATCHED_OR_LATER = {"dispatched", "handling", "feedback", "closed", "rated"}
ACCEPTED_OR_LATER = DISPATCHED_OR_LATER | {"accepted", "shelved"}
HANDLE_LIMIT_H = 72.0
SIGN_LIMIT_H = 2.0
CHUNK = 200_000


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {msg}", flush=True)


# --- places and environment (before django.setup()) ----------------------------------------------

def key_of(events: int, years: int, seed: int) -> str:
    scale = "" if SCALE == "city" else f"{SCALE}-"
    return f"{scale}e{events}-y{years}-s{seed}-v{DATA_VERSION}"


def cache_path(db: str, events: int, years: int, seed: int) -> Path | str:
    """The SQLite file or PostgreSQL URL holding the generated city for these parameters."""
    if db == "sqlite":
        return VAR / f"city-{key_of(events, years, seed)}.sqlite3"
    return PG_URL


def env_for(db: str, events: int, years: int, seed: int) -> dict[str, str]:
    var = VAR / f"var-{db}" if SCALE == "city" else VAR / f"var-{db}-{SCALE}"
    where = cache_path(db, events, years, seed)
    url = f"sqlite:///{where}" if db == "sqlite" else str(where)
    return {"JIEWANG_VAR_DIR": str(var), "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings",
            "JIEWANG_DEV": "1", "DEBUG": "0"}


def run_manage(env: dict, *args) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**os.environ, **env}, check=True)


def seeded_city(env: dict) -> Path:
    """A migrated SQLite file holding the seeded city and nothing else (made once, then copied)."""
    pristine = VAR / ("city-seeded.sqlite3" if SCALE == "city" else f"city-seeded-{SCALE}.sqlite3")
    if not pristine.exists():
        work = VAR / f"city-seeding-{SCALE}.sqlite3"
        work.unlink(missing_ok=True)
        e = {**env, "DATABASE_URL": f"sqlite:///{work}"}
        log(f"seeding the city (seed_demo --scale {SCALE} --seed 1 --history 0 --grid-workers)")
        run_manage(e, "migrate", "--noinput", "-v", "0")
        run_manage(e, "seed_demo", "--scale", SCALE, "--seed", "1", "--history", "0", "--grid-workers", "-v", "0")
        work.rename(pristine)
    return pristine


def ensure_pg_database(url: str, fresh: bool) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def pg_meta(url: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT key FROM jw_bench_meta").fetchone()
            return row[0] if row else None
    except psycopg.Error:
        return None


def prepare(db: str, events: int, years: int, seed: int, *, fresh: bool = False) -> tuple[dict, bool]:
    """Before django.setup(): the environment of the cached database for these parameters and
    whether it must be generated (False: it is there, complete)."""
    VAR.mkdir(parents=True, exist_ok=True)
    env = env_for(db, events, years, seed)
    Path(env["JIEWANG_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    key = key_of(events, years, seed)
    if db == "sqlite":
        path = Path(cache_path(db, events, years, seed))
        done = Path(str(path) + ".json")
        if fresh:
            for p in (path, done, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
                p.unlink(missing_ok=True)
        if path.exists() and done.exists():
            run_manage(env, "migrate", "--noinput", "-v", "0")
            return env, False
        for p in (path, done, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
            p.unlink(missing_ok=True)
        shutil.copy(seeded_city(env), path)
        run_manage(env, "migrate", "--noinput", "-v", "0")
        return env, True
    url = env["DATABASE_URL"]
    if not fresh and pg_meta(url) == key:
        run_manage(env, "migrate", "--noinput", "-v", "0")
        return env, False
    ensure_pg_database(url, fresh=True)
    run_manage(env, "migrate", "--noinput", "-v", "0")
    run_manage(env, "seed_demo", "--scale", SCALE, "--seed", "1", "--history", "0", "--grid-workers", "-v", "0")
    return env, True


def mark_done(db: str, events: int, years: int, seed: int, info: dict) -> None:
    from django.db import connection

    key = key_of(events, years, seed)
    if db == "sqlite":
        path = Path(cache_path(db, events, years, seed))
        Path(str(path) + ".json").write_text(json.dumps({"key": key, **info}, indent=1, default=str))
        return
    with connection.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS jw_bench_meta (key text, info text)")
        c.execute("DELETE FROM jw_bench_meta")
        c.execute("INSERT INTO jw_bench_meta VALUES (%s, %s)", [key, json.dumps(info, default=str)])


def generation_info(db: str, events: int, years: int, seed: int) -> dict:
    from django.db import connection

    if db == "sqlite":
        p = Path(str(cache_path(db, events, years, seed)) + ".json")
        return json.loads(p.read_text()) if p.exists() else {}
    with connection.cursor() as c:
        c.execute("SELECT info FROM jw_bench_meta")
        row = c.fetchone()
    return json.loads(row[0]) if row else {}


# --- after django.setup() -----------------------------------------------------------------------

def ts_strings(seconds: np.ndarray, db: str) -> np.ndarray:
    """UTC epoch seconds → the text each backend stores/parses (SQLite compares it as text)."""
    us = (seconds * 1e6).astype("int64").astype("datetime64[us]")
    s = np.datetime_as_string(us, unit="us")
    return np.char.replace(s, "T", " ") if db == "sqlite" else np.char.add(s, "+00:00")


def missing_defaults(table: str, columns: list[str], db: str) -> tuple[list[str], tuple]:
    """NOT NULL columns of ``table`` that ``columns`` leaves out, with their model defaults."""
    from django.apps import apps

    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    cols, vals = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.column in columns or f.null:
            continue
        v = f.get_default()
        if isinstance(v, (dict, list)):
            v = json.dumps(v)
        elif isinstance(v, bool) and db == "sqlite":
            v = int(v)
        elif isinstance(v, dt.datetime):
            v = v.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") if db == "sqlite" else v
        cols.append(f.column)
        vals.append(v)
    return cols, tuple(vals)


class SecondaryIndexes:
    """SQLite: drop a table's secondary indexes for a bulk load and create them again after (one
    sort per index instead of a random insert per row). Indexes of UNIQUE column constraints
    (``sqlite_autoindex_*``) cannot be dropped and stay."""

    def __init__(self, db: str, tables: list[str]):
        self.db, self.tables, self.sql = db, tables, []

    def __enter__(self):
        from django.db import connection

        if self.db != "sqlite":
            return self
        with connection.cursor() as c:
            c.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({})"
                      .format(", ".join(f"'{t}'" for t in self.tables)))
            rows = c.fetchall()
            for name, _sql in rows:
                c.execute(f'DROP INDEX "{name}"')
            self.sql = [sql for _n, sql in rows]
        return self

    def __exit__(self, *exc):
        from django.db import connection

        with connection.cursor() as c:
            for sql in self.sql:
                c.execute(sql)
        return False


def bulk_write(db: str, table: str, columns: list[str], rows, chunk: int = 100_000) -> int:
    """Write ``rows`` (tuples): executemany in one transaction (SQLite) or COPY (PostgreSQL)."""
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
    buf = []
    with transaction.atomic():
        connection.ensure_connection()
        raw = connection.connection
        raw.execute("PRAGMA cache_size = -2000000")
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


def _points_inside(polys, gi: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """A random point inside grid ``gi[k]`` for each k (rejection sampling in the bounding box)."""
    import shapely

    bounds = shapely.bounds(polys)
    n = len(gi)
    x, y = np.empty(n), np.empty(n)
    todo = np.arange(n)
    while len(todo):
        g = gi[todo]
        px = rng.uniform(bounds[g, 0], bounds[g, 2])
        py = rng.uniform(bounds[g, 1], bounds[g, 3])
        ok = shapely.intersects_xy(polys[g], px, py)
        x[todo[ok]], y[todo[ok]] = px[ok], py[ok]
        todo = todo[~ok]
    return np.round(x, 7), np.round(y, 7)


def report_times(n: int, years: int, now: float, rng) -> np.ndarray:
    """``n`` report moments (UTC epoch seconds, sorted) over the last ``years`` years."""
    days = int(365.25 * years)
    local_now = now + TZ
    today0 = np.floor(local_now / 86400) * 86400  # local midnight of today, as local epoch
    starts = today0 - np.arange(days)[::-1] * 86400.0  # local midnights, oldest first
    t_years = (starts - starts[0]) / (365.25 * 86400)
    weekday = ((starts // 86400).astype(int) + 3) % 7  # 1970-01-01 was a Thursday (3)
    doy = ((starts - starts[0]) / 86400) % 365.25
    w = (1 + 0.2 * t_years) * np.where(weekday >= 5, 0.7, 1.0) * (1 + 0.15 * np.sin(2 * np.pi * (doy - 100) / 365.25))
    w[-1] *= (local_now - today0) / 86400  # today so far
    day = rng.choice(days, n, p=w / w.sum())
    hour = rng.choice(24, n, p=HOURS_P / HOURS_P.sum())
    local = starts[day] + hour * H + rng.uniform(0, H, n)
    t = np.minimum(local - TZ, now - 600)
    return np.sort(t)


def lookups() -> dict:
    """What the generator needs from the seeded city: grids (path, community, town, polygon, grid
    worker), categories, departments per district and code, posts per town and board."""
    import shapely

    from jiewang.accounts.models import Department, Post, RoleGrant
    from jiewang.areas.choices import AreaLevel
    from jiewang.areas.models import Area
    from jiewang.events.models import MatterCategory

    rows = list(Area.objects.filter(level=AreaLevel.GRID, valid_to__isnull=True).order_by("id")
                .values_list("id", "path", "geometry"))
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    paths = [r[1] for r in rows]
    parts = [[int(x) for x in p.strip("/").split("/")] for p in paths]
    polys = shapely.from_geojson([json.dumps(r[2]) for r in rows])
    towns = dict(Area.objects.filter(level=AreaLevel.TOWN).values_list("id", "code"))
    workers = dict(RoleGrant.objects.filter(role="grid_worker", area__level=AreaLevel.GRID,
                                            user__username__startswith="gw").values_list("area_id", "user_id"))
    cats = list(MatterCategory.objects.filter(parent__isnull=False, is_active=True).order_by("id")
                .values_list("id", "board_kind", "name", "default_department_codes", "default_post_name"))
    depts: dict[tuple[int, str], int] = {}
    first_dept: dict[int, int] = {}
    for pk, area_id, code in Department.objects.filter(is_active=True).order_by("id").values_list("id", "area_id", "code"):
        depts[(area_id, code)] = pk
        first_dept.setdefault(area_id, pk)
    posts: dict[tuple[int, str, str], int] = {}
    first_post: dict[tuple[int, str], int] = {}
    for pk, town, kind, name in Post.objects.order_by("id").values_list("id", "board__town_id", "board__kind", "name"):
        posts[(town, kind, name)] = pk
        first_post.setdefault((town, kind), pk)
    return {"grid_ids": ids, "paths": paths, "district": np.array([p[1] for p in parts]),
            "town": np.array([p[2] for p in parts]), "community": np.array([p[3] for p in parts]),
            "polys": polys, "town_codes": towns, "workers": np.array([workers.get(int(g), 0) for g in ids]),
            "cats": cats, "depts": depts, "first_dept": first_dept, "posts": posts, "first_post": first_post}


def generate(db: str, n: int, years: int, seed: int, now: float | None = None) -> dict:
    """Write ``n`` events with their assignments, clocks and return visits; the counts and timings."""
    from django.db import connection

    t0 = time.perf_counter()
    now = now or time.time()
    rng = np.random.default_rng([seed, n, years])
    lk = lookups()
    cats = lk["cats"]
    log(f"lookups: {len(lk['grid_ids']):,} grids, {len(cats)} categories, {len(lk['depts'])} departments, "
        f"{len(lk['posts'])} posts ({time.perf_counter() - t0:.1f} s)")
    reported = report_times(n, years, now, rng)
    gw = rng.pareto(1.2, len(lk["grid_ids"])) + 0.3
    gi = rng.choice(len(gw), n, p=gw / gw.sum())
    lon, lat = _points_inside(lk["polys"], gi, rng)
    cw = rng.pareto(1.5, len(cats)) + 0.2
    ci = rng.choice(len(cats), n, p=cw / cw.sum())
    age = now - reported
    st = np.where(age > 30 * 86400, rng.choice(len(STATUSES), n, p=OLD_P), rng.choice(len(STATUSES), n, p=NEW_P))
    ch = rng.choice(len(CHANNELS), n, p=CHANNEL_P)
    ur = rng.choice(len(URGENCIES), n, p=URGENCY_P)
    # the chain of moments (a step cannot be in the future: a recent event's chain is squeezed)
    s = {"reported_at": reported}
    s["accepted_at"] = reported + rng.gamma(1.5, 0.8, n) * H
    s["voided_at"] = reported + rng.uniform(0.05, 4, n) * H
    s["dispatched_at"] = s["accepted_at"] + rng.gamma(1.5, 1.0, n) * H
    s["handling_at"] = s["dispatched_at"] + rng.exponential(0.7, n) * H  # signed for
    s["shelved_at"] = s["accepted_at"] + rng.uniform(1, 72, n) * H
    s["feedback_at"] = s["handling_at"] + rng.lognormal(np.log(18), 0.9, n) * H
    s["closed_at"] = s["feedback_at"] + rng.gamma(2, 4, n) * H
    s["rated_at"] = s["closed_at"] + rng.gamma(2, 12, n) * H
    last = reported.copy()
    for col in ("accepted_at", "dispatched_at", "handling_at", "feedback_at", "closed_at", "rated_at",
                "voided_at", "shelved_at"):
        s[col] = np.minimum(s[col], now - 60)
    for col in ("accepted_at", "dispatched_at", "handling_at", "feedback_at", "closed_at", "rated_at"):
        s[col] = np.maximum(s[col], last)
        last = s[col]
    handle_due = s["accepted_at"] + HANDLE_LIMIT_H * H
    sign_due = s["dispatched_at"] + SIGN_LIMIT_H * H
    status = np.array(STATUSES)[st]
    reached_feedback = np.isin(status, ["feedback", "closed", "rated"])
    accepted = np.isin(status, list(ACCEPTED_OR_LATER))
    dispatched = np.isin(status, list(DISPATCHED_OR_LATER))
    working = np.isin(status, ["accepted", "dispatched", "handling"])
    handle_late = accepted & (status != "shelved") & np.where(reached_feedback, s["feedback_at"] > handle_due,
                                                               working & (now > handle_due))
    signed = dispatched & (status != "dispatched")
    sign_late = dispatched & np.where(signed, s["handling_at"] > sign_due, now > sign_due)
    rework = np.isin(status, ["closed", "rated"]) & (rng.random(n) < 0.04)
    rated = status == "rated"
    hotline = np.array(CHANNELS)[ch] == "hotline"
    contacted = rated & (rng.random(n) < np.where(hotline, 0.93, 0.97))
    resolved = contacted & (rng.random(n) < 0.85)
    sat = np.where(contacted, rng.choice(["satisfied", "basically", "dissatisfied"], n, p=[0.80, 0.15, 0.05]), "")
    unit_is_dept = rng.random(n) < 0.6
    stamps = {**s, "handle_due": handle_due, "sign_due": sign_due}
    # numbers: per town and local year in report order (EventNumberSequence continues them)
    town = lk["town"][gi]
    year = ((reported + TZ).astype("int64").astype("datetime64[s]").astype("datetime64[Y]").astype(int) + 1970)
    key = town * 10000 + year
    order = np.argsort(key, kind="stable")
    ks = key[order]
    start = np.r_[0, np.flatnonzero(ks[1:] != ks[:-1]) + 1]
    run_len = np.diff(np.r_[start, n])
    seq = np.empty(n, dtype=np.int64)
    seq[order] = np.arange(n) - np.repeat(start, run_len) + 1
    seq_rows = [(int(ks[a] // 10000), int(ks[a] % 10000), int(c)) for a, c in zip(start, run_len, strict=True)]
    log(f"arrays in {time.perf_counter() - t0:.1f} s")

    with connection.cursor() as c:
        c.execute("SELECT COALESCE(MAX(id), 0) FROM events_event")
        first_id = c.fetchone()[0] + 1
        c.execute("SELECT COALESCE(MAX(id), 0) FROM dispatching_assignment")
        first_asg = c.fetchone()[0] + 1
    bt, bf = (True, False) if db == "postgres" else (1, 0)
    # per event: the lead unit (department or post) of dispatched events
    dist = lk["district"][gi]
    unit_dept = np.zeros(n, dtype=np.int64)
    unit_post = np.zeros(n, dtype=np.int64)
    cat_dept = [(c[3] or [""])[0] for c in cats]
    for k in np.flatnonzero(dispatched).tolist():
        cat = cats[ci[k]]
        if unit_is_dept[k]:
            unit_dept[k] = lk["depts"].get((int(dist[k]), cat_dept[ci[k]])) or lk["first_dept"][int(dist[k])]
        else:
            unit_post[k] = lk["posts"].get((int(town[k]), cat[1], cat[4])) or lk["first_post"][(int(town[k]), cat[1])]
    asg_id = np.zeros(n, dtype=np.int64)
    asg_id[dispatched] = first_asg + np.arange(int(dispatched.sum()))
    out = {"events": n, "years": years, "seed": seed, "now": dt.datetime.fromtimestamp(now, dt.UTC).isoformat()}

    levels_start = {"patrol": "grid", "resident_web": "grid", "open311": "grid", "hotline": "town", "sensor": "town",
                    "district": "town"}
    col_of = {"accepted_at": ACCEPTED_OR_LATER, "voided_at": {"voided"},
              "dispatched_at": DISPATCHED_OR_LATER, "handling_at": DISPATCHED_OR_LATER - {"dispatched"},
              "shelved_at": {"shelved"}, "feedback_at": {"feedback", "closed", "rated"},
              "closed_at": {"closed", "rated"}, "rated_at": {"rated"}}
    stamp_cols = list(col_of)
    grid_ids, paths, comm, workers = lk["grid_ids"], lk["paths"].copy(), lk["community"], lk["workers"]
    ev_cols = ["id", "number", "status", "level", "version", "area_path", "lon", "lat", "address", "board_kind",
               "title", "description", "attributes", "urgency", "channel", "source", "reporter_name",
               "reporter_phone", "external_number", "reported_at", *stamp_cols, "is_overdue", "rework_count",
               "escalation_count", "contacted", "resolved", "satisfaction", "community_id", "grid_id", "reporter_id",
               "town_id", "category_id"]
    arrays = {"st": st, "ch": ch, "ur": ur, "gi": gi, "ci": ci, "lon": lon, "lat": lat, "town": town, "seq": seq,
              "year": year, "late": handle_late, "sign_late": sign_late, "rework": rework, "contacted": contacted,
              "resolved": resolved, "sat": sat, "dept": unit_dept, "post": unit_post, "asg": asg_id}
    tcode = lk["town_codes"]

    def chunks(mask=None):
        """(index, L, T) per row, a chunk at a time: plain Python values and timestamp texts made
        for CHUNK rows at once (all of them at once would not fit in memory at 10 M)."""
        for a in range(0, n, CHUNK):
            b = min(n, a + CHUNK)
            L = {k: v[a:b].tolist() for k, v in arrays.items()}
            T = {k: ts_strings(v[a:b], db).tolist() for k, v in stamps.items()}
            rows = range(b - a) if mask is None else np.flatnonzero(mask[a:b]).tolist()
            for j in rows:
                yield a + j, j, L, T

    def event_rows():
        for i, j, L, T in chunks():
            stt = STATUSES[L["st"][j]]
            chan = CHANNELS[L["ch"][j]]
            g = L["gi"][j]
            cat = cats[L["ci"][j]]
            if stt in ("reported", "voided"):
                level = levels_start[chan]
            elif stt in DISPATCHED_OR_LATER and stt not in ("closed", "rated"):
                level = "department" if L["dept"][j] else "town"
            else:
                level = "town"
            r = stt == "rated"
            yield (first_id + i, f"{tcode[L['town'][j]]}-{L['year'][j]}-{L['seq'][j]:06d}", stt, level, 1,
                   paths[g], L["lon"][j], L["lat"][j], "", cat[1], f"{cat[2]}（{chan}）", "", "{}",
                   URGENCIES[L["ur"][j]], chan, "proactive" if chan == "patrol" else "complaint", "", "", "",
                   T["reported_at"][j], *(T[c][j] if stt in col_of[c] else None for c in stamp_cols),
                   bt if L["late"][j] else bf, int(L["rework"][j]), 0,
                   (bt if L["contacted"][j] else bf) if r else None, (bt if L["resolved"][j] else bf) if r else None,
                   L["sat"][j] if r else "", int(comm[g]), int(grid_ids[g]),
                   (int(workers[g]) or None) if chan == "patrol" else None, L["town"][j], cat[0])

    def assignment_rows():
        for i, j, L, T in chunks(dispatched):
            stt = STATUSES[L["st"][j]]
            a_status = {"dispatched": "dispatched", "handling": "signed", "feedback": "feedback"}.get(stt, "closed")
            yield (L["asg"][j], first_id + i, L["dept"][j] or None, L["post"][j] or None, "lead", a_status, "",
                   T["dispatched_at"][j], T["handling_at"][j] if stt != "dispatched" else None,
                   T["feedback_at"][j] if stt in ("feedback", "closed", "rated") else None,
                   T["closed_at"][j] if stt in ("closed", "rated") else None)

    def deadline_rows():
        for i, j, L, T in chunks(accepted):
            stt = STATUSES[L["st"][j]]
            eid = first_id + i
            late = L["late"][j]
            if stt in ("feedback", "closed", "rated"):
                state, closed = "met", T["feedback_at"][j]
            elif stt == "shelved":
                state, closed = "cancelled", T["shelved_at"][j]
            else:
                state, closed = ("overdue" if late else "running"), None
            yield ("handle", "", None, "calendar_hours", T["accepted_at"][j], T["handle_due"][j],
                   T["accepted_at"][j], state, 0, None, None, T["handle_due"][j] if late else None, closed, eid)
            if stt in DISPATCHED_OR_LATER:
                lt = L["sign_late"][j]
                if stt != "dispatched":
                    state, closed = "met", T["handling_at"][j]
                else:
                    state, closed = ("overdue" if lt else "running"), None
                yield ("sign", "assignment", L["asg"][j], "calendar_hours", T["dispatched_at"][j], T["sign_due"][j],
                       T["dispatched_at"][j], state, 0, None, None, T["sign_due"][j] if lt else None, closed, eid)

    def visit_rows():
        for i, j, L, T in chunks(rated):
            data = {"contacted": bool(L["contacted"][j]), "resolved": bool(L["resolved"][j]),
                    "satisfaction": L["sat"][j]}
            yield ("visit", "closed", "rated", "town_operator", "", json.dumps(data), T["rated_at"][j], None,
                   first_id + i)

    tables = ["events_event", "dispatching_assignment", "events_deadline", "events_eventactivity"]
    t = time.perf_counter()
    with SecondaryIndexes(db, tables):
        log(f"secondary indexes dropped ({time.perf_counter() - t:.1f} s)")
        for name, table, cols, rows in (
                ("events", "events_event", ev_cols, event_rows()),
                ("assignments", "dispatching_assignment",
                 ["id", "event_id", "department_id", "post_id", "role", "status", "instructions", "dispatched_at",
                  "signed_at", "feedback_at", "closed_at"], assignment_rows()),
                ("clocks", "events_deadline",
                 ["kind", "subject_type", "subject_id", "unit", "started_at", "due_at", "warn_at", "state", "stage",
                  "next_step_at", "warned_at", "overdue_at", "closed_at", "event_id"], deadline_rows()),
                ("visits", "events_eventactivity",
                 ["action", "from_status", "to_status", "actor_role", "comment", "data", "at", "actor_id",
                  "event_id"], visit_rows())):
            t1 = time.perf_counter()
            out[name] = bulk_write(db, table, cols, rows)
            out[f"t_{name}"] = time.perf_counter() - t1
            log(f"{name}: {out[name]:,} rows in {out[f't_{name}']:.1f} s")
        t1 = time.perf_counter()
    out["t_indexes"] = time.perf_counter() - t1
    log(f"indexes rebuilt in {out['t_indexes']:.1f} s")
    bulk_write(db, "events_eventnumbersequence", ["town_id", "year", "last"], seq_rows)
    t1 = time.perf_counter()
    with connection.cursor() as c:
        if db == "postgres":
            for table in ("events_event", "events_eventactivity", "events_deadline", "dispatching_assignment",
                          "events_eventnumbersequence"):
                c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
            c.execute("ANALYZE")
        else:
            c.execute("ANALYZE")
    out["t_analyze"] = time.perf_counter() - t1
    out["status_counts"] = {STATUSES[k]: int(v) for k, v in zip(*np.unique(st, return_counts=True), strict=True)}
    out["overdue"] = int(handle_late.sum())
    out["t_total"] = time.perf_counter() - t0
    return out


# --- the rollups, in bulk -------------------------------------------------------------------------

def rollups_bulk(db: str) -> dict:
    """The rollups of every event, as ``rollups_rebuild`` would leave them, by INSERT … SELECT
    (GROUP BY in the database, the area nodes of each grid path joined in): Rollup, RollupMonth,
    RollupDay, RollupStock, RollupGridMonth, RollupOverdueUnit, RollupEventState and the mark.
    Equal to ``rollups_rebuild`` (checked by ``tests/test_bench_city.py`` on a small city)."""
    from django.db import connection, transaction

    from jiewang.areas.models import Area
    from jiewang.events.models import EventActivity
    from jiewang.stats.models import RollupMark
    from jiewang.areas.choices import AreaLevel
    from jiewang.dispatching.models import OPEN_ASSIGNMENT
    from jiewang.stats.services.rollups import COUNTS, GRACE, TABLES, UNFINISHED, units_of

    t0 = time.perf_counter()
    unf = ", ".join(f"'{s}'" for s in UNFINISHED)
    if db == "sqlite":
        day = "date({col}, '+8 hours')"
        month = "date({col}, '+8 hours', 'start of month')"
        true = "1"
    else:
        day = "(({col}) AT TIME ZONE 'Asia/Shanghai')::date"
        month = "date_trunc('month', ({col}) AT TIME ZONE 'Asia/Shanghai')::date"
        true = "true"
    closed = "e.status IN ('closed', 'rated') AND e.closed_at IS NOT NULL"
    ov = f"e.is_overdue = {true}"
    dims = "board_kind, category_id, channel, source, status"
    counts = ", ".join(COUNTS)
    out: dict = {}
    with transaction.atomic(), connection.cursor() as c:
        if db == "sqlite":
            c.execute("PRAGMA cache_size = -2000000")
            c.execute("PRAGMA temp_store = FILE")
        for model in TABLES:
            c.execute(f"DELETE FROM {model._meta.db_table}")
        # the area nodes of each event path: (path, node, level, node path)
        c.execute("SELECT DISTINCT area_path FROM events_event")
        event_paths = [r[0] for r in c.fetchall()]
        ids = {int(x) for p in event_paths for x in p.strip("/").split("/") if x}
        nodes = {a: (lv, p) for a, lv, p in Area.objects.values_list("id", "level", "path") if a in ids}
        c.execute("DROP TABLE IF EXISTS jw_pn")
        c.execute("CREATE TEMP TABLE jw_pn (path varchar(255), node bigint, level smallint, node_path varchar(255))")
        pn = [(p, int(x), *nodes[int(x)]) for p in event_paths for x in p.strip("/").split("/") if x]
        c.executemany("INSERT INTO jw_pn VALUES (%s, %s, %s, %s)", pn)
        c.execute("CREATE INDEX jw_pn_path ON jw_pn (path)")
        # one row per (path, day, dims): what the events add on their report day and close day
        c.execute("DROP TABLE IF EXISTS jw_rb")
        t = time.perf_counter()
        c.execute(f"""CREATE TEMP TABLE jw_rb AS
            SELECT area_path, day, {dims}, {', '.join(f'SUM({x}) AS {x}' for x in COUNTS)} FROM (
              SELECT e.area_path, {day.format(col='e.reported_at')} AS day, e.board_kind, e.category_id, e.channel,
                     e.source, e.status, 1 AS new,
                     CASE WHEN e.status = 'voided' THEN 1 ELSE 0 END AS voided,
                     CASE WHEN e.status IN ({unf}) THEN 1 ELSE 0 END AS open,
                     CASE WHEN {ov} AND e.status <> 'voided' THEN 1 ELSE 0 END AS overdue,
                     CASE WHEN {ov} AND e.status IN ({unf}) THEN 1 ELSE 0 END AS open_overdue,
                     0 AS closed, 0 AS closed_on_time, 0 AS rated, 0 AS satisfied, 0 AS basically
              FROM events_event e
              UNION ALL
              SELECT e.area_path, {day.format(col='e.closed_at')}, e.board_kind, e.category_id, e.channel,
                     e.source, e.status, 0, 0, 0, 0, 0, 1,
                     CASE WHEN {ov} THEN 0 ELSE 1 END,
                     CASE WHEN e.satisfaction <> '' THEN 1 ELSE 0 END,
                     CASE WHEN e.satisfaction = 'satisfied' THEN 1 ELSE 0 END,
                     CASE WHEN e.satisfaction = 'basically' THEN 1 ELSE 0 END
              FROM events_event e WHERE {closed}
            ) x GROUP BY area_path, day, {dims}""")
        out["t_grid_rows"] = time.perf_counter() - t
        c.execute("SELECT COUNT(*) FROM jw_rb")
        out["path_day_rows"] = c.fetchone()[0]
        log(f"rollups: {out['path_day_rows']:,} (path, day, dims) rows in {out['t_grid_rows']:.1f} s")
        t = time.perf_counter()
        c.execute(f"""INSERT INTO stats_rollup (area_id, day, {dims}, level, area_path, {counts})
            SELECT pn.node, rb.day, rb.board_kind, rb.category_id, rb.channel, rb.source, rb.status,
                   MIN(pn.level), MIN(pn.node_path), {', '.join(f'SUM(rb.{x})' for x in COUNTS)}
            FROM jw_rb rb JOIN jw_pn pn ON pn.path = rb.area_path
            GROUP BY pn.node, rb.day, rb.board_kind, rb.category_id, rb.channel, rb.source, rb.status""")
        out["t_rollup"] = time.perf_counter() - t
        log(f"rollups: stats_rollup in {out['t_rollup']:.1f} s")
        t = time.perf_counter()
        c.execute(f"""INSERT INTO stats_rollupmonth (area_id, month, board_kind, category_id, level, area_path, {counts})
            SELECT pn.node, {month.format(col='rb.day')}, rb.board_kind, rb.category_id, MIN(pn.level),
                   MIN(pn.node_path), {', '.join(f'SUM(rb.{x})' for x in COUNTS)}
            FROM jw_rb rb JOIN jw_pn pn ON pn.path = rb.area_path
            GROUP BY pn.node, {month.format(col='rb.day')}, rb.board_kind, rb.category_id""")
        c.execute(f"""INSERT INTO stats_rollupday (area_id, day, {counts})
            SELECT pn.node, rb.day, {', '.join(f'SUM(rb.{x})' for x in COUNTS)}
            FROM jw_rb rb JOIN jw_pn pn ON pn.path = rb.area_path GROUP BY pn.node, rb.day""")
        out["t_month_day"] = time.perf_counter() - t
        t = time.perf_counter()
        # the situation's tables: the stocks, each grid's month under every node at or above it
        c.execute("""INSERT INTO stats_rollupstock (area_id, open, open_overdue)
            SELECT area_id, SUM(open), SUM(open_overdue) FROM stats_rollupday GROUP BY area_id
            HAVING SUM(open) <> 0 OR SUM(open_overdue) <> 0""")
        c.execute(f"""INSERT INTO stats_rollupgridmonth (area_id, month, grid_id, new, overdue)
            SELECT pn.node, {month.format(col='rb.day')}, g.node, SUM(rb.new - rb.voided), SUM(rb.overdue)
            FROM jw_rb rb JOIN jw_pn g ON g.path = rb.area_path AND g.level = {int(AreaLevel.GRID)}
            JOIN jw_pn pn ON pn.path = rb.area_path AND substr(g.node_path, 1, length(pn.node_path)) = pn.node_path
            GROUP BY pn.node, {month.format(col='rb.day')}, g.node
            HAVING SUM(rb.new - rb.voided) <> 0 OR SUM(rb.overdue) <> 0""")
        out["t_situation"] = time.perf_counter() - t
        t = time.perf_counter()
        c.execute(f"""INSERT INTO stats_rollupeventstate (event_id, area_path, {dims}, reported_day, closed_day,
                                                          is_overdue, satisfaction, units)
            SELECT e.id, e.area_path, e.board_kind, e.category_id, e.channel, e.source, e.status,
                   {day.format(col='e.reported_at')},
                   CASE WHEN {closed} THEN {day.format(col='e.closed_at')} ELSE NULL END,
                   e.is_overdue, COALESCE(e.satisfaction, ''), ''
            FROM events_event e""")
        # the handlers (open assignments) of unfinished overdue events: their units and RollupOverdueUnit
        opn = ", ".join(f"'{s}'" for s in OPEN_ASSIGNMENT)
        c.execute(f"""SELECT e.id, e.area_path, a.department_id, a.post_id FROM events_event e
            JOIN dispatching_assignment a ON a.event_id = e.id
            WHERE {ov} AND e.status IN ({unf}) AND a.status IN ({opn})""")
        pairs: dict = {}
        for event_id, path, d, p in c.fetchall():
            pairs.setdefault((event_id, path), []).append((d, p))
        units = {k: units_of(v) for k, v in pairs.items()}
        c.executemany("UPDATE stats_rollupeventstate SET units = %s WHERE event_id = %s",
                      [(u, k[0]) for k, u in units.items()])
        per_unit: dict = {}
        for (_e, path), u in units.items():
            for unit in u.split(","):
                d, p = (int(x) for x in unit.split(":"))
                for node in path.strip("/").split("/"):
                    if node:
                        per_unit[(int(node), d, p)] = per_unit.get((int(node), d, p), 0) + 1
        c.executemany("INSERT INTO stats_rollupoverdueunit (area_id, department_id, post_id, overdue) "
                      "VALUES (%s, %s, %s, %s)", [(*k, n) for k, n in per_unit.items()])
        out["overdue_events"] = len(units)
        out["t_state"] = time.perf_counter() - t
        c.execute("DROP TABLE jw_rb")
        c.execute("DROP TABLE jw_pn")
        now = dt.datetime.now(dt.UTC)
        recent = EventActivity.objects.filter(at__gt=now - GRACE).order_by("id").values_list("id", flat=True).first()
        mark = recent - 1 if recent is not None else (
            EventActivity.objects.order_by("-id").values_list("id", flat=True).first() or 0)
        RollupMark.objects.update_or_create(pk=1, defaults={"activity_id": mark, "updated_at": now})
    with connection.cursor() as c:
        c.execute("ANALYZE" if db == "sqlite" else "ANALYZE stats_rollup")
        for t in ("stats_rollup", "stats_rollupmonth", "stats_rollupday", "stats_rollupstock",
                  "stats_rollupgridmonth", "stats_rollupoverdueunit"):
            c.execute(f"SELECT COUNT(*) FROM {t}")
            out[t] = c.fetchone()[0]
    out["t_total"] = time.perf_counter() - t0
    log(f"rollups (bulk) in {out['t_total']:.1f} s: {out['stats_rollup']:,} / {out['stats_rollupmonth']:,} / "
        f"{out['stats_rollupday']:,} rows; situation: {out['stats_rollupstock']:,} / "
        f"{out['stats_rollupgridmonth']:,} / {out['stats_rollupoverdueunit']:,} rows")
    return out


def rollup_snapshot() -> dict[str, list]:
    """Every row of the rollup tables, keyed and sorted (to compare two ways of building them)."""
    from jiewang.stats.models import (Rollup, RollupDay, RollupEventState, RollupGridMonth, RollupMonth,
                                      RollupOverdueUnit, RollupStock)
    from jiewang.stats.services.rollups import COUNTS, DIMS, STATE_FIELDS

    return {
        "rollup": sorted(Rollup.objects.values_list("area_id", "day", *DIMS, "level", "area_path", *COUNTS)),
        "month": sorted(RollupMonth.objects.values_list("area_id", "month", "board_kind", "category_id", "level",
                                                        "area_path", *COUNTS)),
        "day": sorted(RollupDay.objects.values_list("area_id", "day", *COUNTS)),
        "stock": sorted(RollupStock.objects.values_list("area_id", "open", "open_overdue")),
        "grid_month": sorted(RollupGridMonth.objects.values_list("area_id", "month", "grid_id", "new", "overdue")),
        "overdue_unit": sorted(RollupOverdueUnit.objects.values_list("area_id", "department_id", "post_id",
                                                                     "overdue")),
        "state": sorted(RollupEventState.objects.values_list("event_id", *STATE_FIELDS)),
    }


def build(db: str, events: int, years: int, seed: int, *, fresh: bool = False, rebuild_check: bool = False) -> dict:
    """The whole thing, for a bench's ``main``: prepare (before django.setup), generate when
    missing, bulk rollups; returns the generation info (cached with the data)."""
    env, todo = prepare(db, events, years, seed, fresh=fresh)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if not todo:
        info = generation_info(db, events, years, seed)
        log(f"reusing the generated city ({key_of(events, years, seed)}, {db})")
        return info
    from jiewang.events.services.catalog import catalog_seed

    catalog_seed()
    info = {"generated": generate(db, events, years, seed)}
    if rebuild_check:
        from jiewang.stats.services.rollups import rollups_rebuild

        t = time.perf_counter()
        rollups_rebuild()
        info["rollups_rebuild_s"] = time.perf_counter() - t
        log(f"rollups_rebuild (the project's path) in {info['rollups_rebuild_s']:.1f} s")
        before = rollup_snapshot()
    info["rollups_bulk"] = rollups_bulk(db)
    if rebuild_check:
        after = rollup_snapshot()
        info["rollups_equal"] = {k: before[k] == after[k] for k in before}
        log(f"bulk rollups equal to rollups_rebuild: {info['rollups_equal']}")
        if not all(info["rollups_equal"].values()):
            raise SystemExit("bulk rollups differ from rollups_rebuild")
    mark_done(db, events, years, seed, info)
    return info
