"""``python -m bench.city_bench warning``: can early warning keep up with 1,000 events/s on the
city? A backlog of ``--backlog`` events is reported through the intake service
(``events.services.intake.event_report``, as a patrol grid worker, random points of a few busy
towns, about one title in fifty carrying a listed keyword) with sensor readings through the
device ingestion service (``readings_ingest``); then the worker's ``warning.evaluate``
(``evaluate_events`` and ``evaluate_readings``) runs until its cursors reach the last row, with
``--rules`` enabled rules of every kind on the city (cluster, hot spot, repeat, keyword, sensor;
trend runs once after, as its own 10-minute job does). Measured: evaluated events/s over the
backlog, intake/s, and the raw INSERT baseline (the same event rows, one row per transaction,
into a copy of the table). A second pass over the same rows (cursors reset) must raise nothing
new.

Database: a fresh copy of the seeded city (``var/bench/warning-sqlite.sqlite3``: 62,000 grids, no
past events) or, with ``--city-events N``, of the generated city of N events (``city_bench gen``:
the backlog then lands on top of its history, which the windowed counts read), or the PostgreSQL
database ``jw_bench10m_warning`` (recreated at each run).

``--ab PATH``: another ``engine.py`` (e.g. ``/work/main/jiewang/warning/services/engine.py``)
evaluates the same backlog in the same run (alerts and cursors reset before each pass; this
code, the other, this code again), its CPU time and alerts beside this code's; the alerts must be
the same. ``--profile``: a cProfile listing of this code's evaluation (``warning-profile.txt``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import time

import numpy as np

from . import city_data as data
from .city_bench import header, loadavg, write_results
from .city_data import log


def _setup(args) -> dict:
    data.VAR.mkdir(parents=True, exist_ok=True)
    env = data.env_for(args.db, 0, 0, 0)
    if args.db == "sqlite":
        path = data.VAR / f"warning-sqlite-{data.SCALE}.sqlite3"
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)
        if args.city_events:
            src = data.cache_path("sqlite", args.city_events, args.years, args.seed)
            assert data.generation_info("sqlite", args.city_events, args.years, args.seed), f"generate {src} first"
            env = data.env_for(args.db, args.city_events, args.years, args.seed)
        else:
            src = data.seeded_city(env)
        shutil.copy(src, path)
        wal = src.with_name(src.name + "-wal")
        if wal.exists():  # committed pages not yet checkpointed into the file
            shutil.copy(wal, path.with_name(path.name + "-wal"))
        env["DATABASE_URL"] = f"sqlite:///{path}"
        data.run_manage(env, "migrate", "--noinput", "-v", "0")
    else:
        url = data.PG_URL.rsplit("/", 1)[0] + "/jw_bench10m_warning"
        env["DATABASE_URL"] = url
        data.ensure_pg_database(url, fresh=True)
        data.run_manage(env, "migrate", "--noinput", "-v", "0")
        data.run_manage(env, "seed_demo", "--scale", data.SCALE, "--seed", "1", "--history", "0", "-v", "0")
    os.environ.update(env)
    sys.path.insert(0, str(data.ROOT))
    import django

    django.setup()
    return env


def _rules(n: int, city, hot: list[str]):
    from jiewang.warning.services.rules import DEFAULT_KEYWORDS, rule_create

    for i in range(n):
        cat = hot[i % 3]
        rule_create(actor=None, area=city, kind="cluster", name=f"聚集{i}",
                    params={"category": cat, "count": 20 + i, "hours": 1})
        rule_create(actor=None, area=city, kind="hotspot", name=f"热点{i}",
                    params={"category": cat, "count": 40 + i, "hours": 1, "distance_m": 100})
        rule_create(actor=None, area=city, kind="repeat", name=f"重复{i}",
                    params={"category": cat, "count": 3, "radius_m": 30, "days": 1})
        rule_create(actor=None, area=city, kind="keyword", name=f"敏感词{i}", params={"words": DEFAULT_KEYWORDS})
        rule_create(actor=None, area=city, kind="sensor", name=f"水位{i}",
                    params={"reading": "water_level", "threshold": 5.0 + i, "category": cat})
        rule_create(actor=None, area=city, kind="trend", name=f"超期{i}", params={"points": 10 + i})


def _drain(fn) -> int:
    """Run an evaluation until it reads nothing new; alerts raised."""
    from jiewang.warning.models import WarningCursor

    raised = 0
    while True:
        before = list(WarningCursor.objects.order_by("name").values_list("name", "last_id"))
        raised += len(fn())
        if list(WarningCursor.objects.order_by("name").values_list("name", "last_id")) == before:
            return raised


def _engine(path: str | None):
    """``jiewang.warning.services.engine``, or the engine module at ``path`` loaded beside it (its
    relative imports resolve in the same package)."""
    import importlib
    import importlib.util

    if not path:
        return importlib.import_module("jiewang.warning.services.engine")
    spec = importlib.util.spec_from_file_location("jiewang.warning.services.engine_ab", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _signature() -> list[tuple]:
    from jiewang.warning.models import Alert

    return list(Alert.objects.exclude(kind="sensor").order_by("rule_id", "area_id", "window_key").values_list(
        "rule_id", "kind", "area_id", "window_key", "event_ids", "observed_at"))


MARK = {"events": 0, "readings": 0}


def _mark() -> None:
    """The evaluation marks where a running worker has them before the backlog arrives: past the
    city's history (the generated events; none on the seeded city) — set once, then restored."""
    from jiewang.events.models import Event
    from jiewang.warning.models import WarningCursor

    if not MARK.get("set"):
        MARK["events"] = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        MARK["set"] = True
    WarningCursor.objects.all().delete()
    WarningCursor.objects.create(name="events", last_id=MARK["events"])
    WarningCursor.objects.create(name="readings", last_id=MARK["readings"])


def _pass(engine, profile: str | None = None) -> dict:
    """The backlog evaluated from scratch (alerts and the events cursor reset) by ``engine``."""
    from jiewang.warning.models import Alert, WarningCursor

    Alert.objects.exclude(kind="sensor").delete()
    WarningCursor.objects.filter(name="events").update(last_id=MARK["events"], gaps=[])
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t, cpu = time.perf_counter(), time.process_time()
    alerts = _drain(engine.evaluate_events)
    out = {"seconds": time.perf_counter() - t, "cpu_s": time.process_time() - cpu, "alerts": alerts,
           "signature": _signature(), "load_after": loadavg()}
    if prof is not None:
        import io
        import pstats

        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(60)
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(40)
        (data.VAR / profile).write_text(buf.getvalue())
    return out


def run(args) -> int:
    results = header(args)
    _setup(args)
    from django.db import connection, transaction
    from django.db.models import Count

    from jiewang.areas.choices import AreaLevel
    from jiewang.areas.models import Area
    from jiewang.events.models import Event, MatterCategory
    from jiewang.events.services.catalog import catalog_seed
    from jiewang.events.services.intake import event_report
    from jiewang.warning.models import Alert
    from jiewang.warning.services.devices import device_create, readings_ingest
    from jiewang.warning.services import adjacency
    from jiewang.warning.services.engine import (evaluate_events, evaluate_readings, evaluate_trend, segment)
    from jiewang.warning.services.rules import DEFAULT_KEYWORDS

    from .city_bench import db_version
    from .events_data import ensure_bench_user

    results["db_version"] = db_version()
    catalog_seed()
    city = Area.objects.get(level=AreaLevel.CITY)
    cats = {c.code: c for c in MatterCategory.objects.filter(parent__isnull=False).order_by("code")
            if not c.attributes}  # no required extra fields
    codes = list(cats)[:10]  # the first three: the rules' categories, taking 60 % of the backlog
    _rules(args.rules, city, codes[:3])
    user = ensure_bench_user()
    rng = np.random.default_rng(args.seed)
    lk = data.lookups()
    # a few busy towns: their grids take the backlog (clusters and repeats need density)
    towns = np.unique(lk["town"])
    busy = rng.choice(towns, min(5, len(towns)), replace=False)
    grids = np.flatnonzero(np.isin(lk["town"], busy))
    # The hot-spot rules' grid adjacency (62,000 grids): computed once per worker process and
    # boundary revision; timed apart, as a long-running worker has it.
    t = time.perf_counter()
    adjacency.neighbours(int(lk["grid_ids"][0]), 100.0)
    results["adjacency_once_s"] = time.perf_counter() - t
    log(f"grid adjacency (once per process and boundary revision): {results['adjacency_once_s']:.1f} s")
    n = args.backlog
    gi = rng.choice(grids, n)
    cat_pick = rng.choice(len(codes), n, p=np.r_[[0.2, 0.2, 0.2], np.full(len(codes) - 3, 0.4 / (len(codes) - 3))])
    # planted: 4 % of the events in one hot grid and its neighbour (first category: clusters and
    # a hot spot), and one event in 40 within metres of an earlier one of its category (repeats)
    hot = int(grids[0])
    near = sorted(adjacency.neighbours(int(lk["grid_ids"][hot]), 100.0))
    pos = {int(g): k for k, g in enumerate(lk["grid_ids"])}
    hot2 = pos.get(near[0], hot) if near else hot
    planted = rng.random(n) < 0.04
    gi[planted] = np.where(rng.random(int(planted.sum())) < 0.5, hot, hot2)
    cat_pick[planted] = 0
    lon, lat = data._points_inside(lk["polys"], gi, rng)
    again = np.flatnonzero(rng.random(n) < 0.025)
    for i in again[again > 10].tolist():
        j = int(rng.integers(max(0, i - 200), i))
        gi[i], cat_pick[i] = gi[j], cat_pick[j]
        lon[i], lat[i] = lon[j] + 0.00003, lat[j]
    titles = ["路灯不亮", "占道经营", "噪音扰民", "垃圾未清运", "井盖缺失", "违章搭建", "污水外溢"]
    kw = rng.random(n) < 0.02
    segment("预热", DEFAULT_KEYWORDS)  # jieba's dictionary: loaded once per worker process
    _mark()
    # sensors: 20 devices in the busy towns, a reading a minute each over the last hour
    devices = []
    for k in range(20):
        g = int(grids[k % len(grids)])
        town = Area.objects.get(pk=int(lk["town"][g]))
        dev, _key = device_create(actor=None, area=town, name=f"水位计{k}", lon=float(lon[k]), lat=float(lat[k]))
        devices.append(dev)

    # 1. intake: the backlog through event_report (one transaction each, as a request makes)
    load0 = loadavg()
    t = time.perf_counter()
    first = None
    for i in range(n):
        title = "农民工讨薪" if kw[i] else titles[i % len(titles)]
        e, _ = event_report(actor=user, channel="patrol", category=cats[codes[cat_pick[i]]], lon=float(lon[i]),
                            lat=float(lat[i]), title=title, description="巡查发现")
        first = first or e.pk
    intake_s = time.perf_counter() - t
    now = dt.datetime.now(dt.UTC)
    t = time.perf_counter()
    n_read = 0
    for k, dev in enumerate(devices):
        vals = rng.uniform(1, 6.5 + k % 3, 60)
        n_read += readings_ingest(device=dev, readings=[
            {"kind": "water_level", "value": float(v), "time": now - dt.timedelta(minutes=60 - m)}
            for m, v in enumerate(vals)])
    readings_s = time.perf_counter() - t
    results["intake"] = {"events": n, "seconds": intake_s, "per_s": n / intake_s, "readings": n_read,
                         "readings_s": readings_s, "load_after": loadavg(), "load_before": load0}
    log(f"intake: {n:,} events in {intake_s:.1f} s ({n / intake_s:,.0f}/s); {n_read} readings; load {loadavg()}")

    # 2. evaluation of the backlog (the worker's warning.evaluate, run until caught up)
    t = time.perf_counter()
    cpu = time.process_time()
    ev_alerts = _drain(evaluate_events)
    ev_s = time.perf_counter() - t
    ev_cpu = time.process_time() - cpu
    t = time.perf_counter()
    rd_alerts = _drain(evaluate_readings)
    rd_s = time.perf_counter() - t
    t = time.perf_counter()
    tr_alerts = len(evaluate_trend())
    tr_s = time.perf_counter() - t
    by_kind = dict(Alert.objects.values_list("rule__kind").annotate(n=Count("id")).order_by())
    results["evaluate"] = {"events": n, "seconds": ev_s, "cpu_s": ev_cpu, "per_s": n / ev_s, "per_cpu_s": n / ev_cpu,
                           "alerts": ev_alerts, "readings": n_read, "readings_s": rd_s, "reading_alerts": rd_alerts,
                           "trend_s": tr_s, "trend_alerts": tr_alerts, "alerts_by_kind": by_kind,
                           "load_after": loadavg()}
    log(f"evaluate: {n:,} events in {ev_s:.1f} s ({n / ev_s:,.0f}/s, cpu {n / ev_cpu:,.0f}/s), {ev_alerts} alerts; "
        f"readings {n_read} in {rd_s:.2f} s ({rd_alerts} alerts); trend {tr_s:.2f} s ({tr_alerts}); {by_kind}; "
        f"load {loadavg()}")

    # 2b. A/B: the same backlog by another engine, in the same run (this, the other, this again)
    if args.ab:
        mine, other = _engine(None), _engine(args.ab)
        other.segment("预热", DEFAULT_KEYWORDS)  # its own jieba tokenizer, loaded before timing
        passes = [("this", _pass(mine, "warning-profile.txt" if args.profile else None)), ("other", _pass(other)),
                  ("this", _pass(mine)), ("other", _pass(other))]
        sigs = {p["signature"].__repr__() for _, p in passes}
        results["ab"] = {"other": args.ab, "same_alerts": len(sigs) == 1,
                         "passes": [{"code": c, **{k: v for k, v in p.items() if k != "signature"},
                                     "per_cpu_s": n / p["cpu_s"], "per_s": n / p["seconds"]} for c, p in passes]}
        for c, p in passes:
            log(f"A/B {c}: {n:,} events in {p['seconds']:.1f} s, cpu {p['cpu_s']:.2f} s ({n / p['cpu_s']:,.0f} "
                f"events per CPU-s), {p['alerts']} alerts; load {p['load_after']}")
        log(f"A/B: the same alerts: {len(sigs) == 1}")
        assert len(sigs) == 1, "the engines raised different alerts"
    elif args.profile:
        _pass(_engine(None), "warning-profile.txt")

    # 3. a second pass raises nothing new
    _mark()
    again = _drain(evaluate_events) + _drain(evaluate_readings)
    results["second_pass_new"] = again
    log(f"second pass: {again} new alerts")

    # 4. baseline: the same event rows by raw INSERT, one row per transaction, into a copy of the table
    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS jw_raw_event")
        c.execute("CREATE TABLE jw_raw_event AS SELECT * FROM events_event WHERE 1 = 0")
        cols = [f.column for f in Event._meta.concrete_fields if f.column != "id"]
        c.execute(f"SELECT {', '.join(cols)} FROM events_event WHERE id >= %s ORDER BY id", [first])
        rows = c.fetchall()
    sql = f"INSERT INTO jw_raw_event ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
    t = time.perf_counter()
    for r in rows:
        with transaction.atomic(), connection.cursor() as c:
            c.execute(sql, r)
    raw_s = time.perf_counter() - t
    with connection.cursor() as c:
        c.execute("DROP TABLE jw_raw_event")
    results["raw_insert"] = {"rows": len(rows), "seconds": raw_s, "per_s": len(rows) / raw_s, "load_after": loadavg()}
    results["evaluate_over_raw_insert"] = results["evaluate"]["per_s"] / results["raw_insert"]["per_s"]
    log(f"raw INSERT: {len(rows):,} rows in {raw_s:.1f} s ({len(rows) / raw_s:,.0f}/s); evaluate / raw insert "
        f"{results['evaluate_over_raw_insert']:.2f}")
    results["load_end"] = loadavg()
    args.events, args.years = args.backlog, 0  # names the results file
    write_results("warning", args, results)
    return 0 if again == 0 else 1
