"""``python -m bench.city_bench assessment``: the full monthly assessment of the city — every
town's run (its departments, boards, posts, communities, grids and grid workers) and every
district's run (its towns and departments) — by the project's engine
(:func:`jiewang.assessment.services.engine.compute`, what ``run_compute`` writes), beside DuckDB
computing the same numbers over the same rows in the same run.

DuckDB gets the raw rows the engine reads (every event's columns, the handling and sign-for
clocks, the lead assignments, the return visits, the approved extensions), fetched through the
driver into in-memory tables (timed apart: "load"), then computes every (run area, population,
formula, member) → (numerator, denominator) with one SQL statement per formula family ("compute").
Every number of the engine with a non-zero denominator is compared with DuckDB's (assert); the
whistle formulas are left out (the generated city has no whistles: both sides have no data).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict

import numpy as np

from . import city_data as data
from .city_bench import db_version, header, loadavg, write_results
from .city_data import log

WHISTLE_FORMULAS = {"report_in_rate", "report_in_on_time", "summons_rating"}
# The formulas written in DuckDB's SQL below (compared number by number); any other formula of the
# registry (the whistles', formulas added since) is computed by the engine and listed as not compared.
DUCK_FORMULAS = {"closed_on_time", "closure_rate", "rework_rate", "overdue_rate", "extension_rate",
                 "public_report_rate", "valid_report_rate", "satisfaction", "hotline_response",
                 "hotline_resolution", "hotline_satisfaction", "sign_on_time"}
WORKING = ("accepted", "dispatched", "handling", "feedback")
PUBLIC = ("resident_web", "open311", "hotline")


def _epoch(col: str, db: str) -> str:
    if db == "sqlite":
        return f"(julianday({col}) - 2440587.5) * 86400.0"
    return f"extract(epoch from {col})::float8"


def _fetch(sql: str, names: list[str], kinds: dict[str, str], chunk: int = 500_000) -> dict[str, np.ndarray]:
    """The rows of ``sql`` as one numpy array per column, read a chunk at a time."""
    from django.db import connection

    parts: dict[str, list] = {n: [] for n in names}
    with connection.cursor() as c:
        c.execute(sql)
        while True:
            rows = c.fetchmany(chunk)
            if not rows:
                break
            for name, col in zip(names, zip(*rows, strict=True), strict=True):
                k = kinds.get(name, "i")
                if k == "f":  # a moment: NULL → NaN (turned back into NULL in DuckDB)
                    parts[name].append(np.array([np.nan if v is None else v for v in col], dtype=np.float64))
                elif k == "s":
                    parts[name].append(np.array(["" if v is None else str(v) for v in col], dtype=object))
                else:
                    parts[name].append(np.array([-1 if v is None else int(v) for v in col], dtype=np.int64))
    empty = {"f": np.float64, "s": object, "i": np.int64}
    return {n: (np.concatenate(p) if p else np.array([], dtype=empty[kinds.get(n, "i")])) for n, p in parts.items()}


def duck_load(con, db: str) -> dict:
    """The raw rows into DuckDB tables; counts."""
    e = lambda c: _epoch(c, db)  # noqa: E731
    tables = {
        "ev": (f"SELECT e.id, t.parent_id, e.town_id, e.community_id, e.grid_id, e.reporter_id, e.status, e.channel, "
               f"e.source, e.rework_count, {e('e.reported_at')}, {e('e.accepted_at')}, {e('e.closed_at')} "
               f"FROM events_event e JOIN areas_area t ON t.id = e.town_id WHERE e.duplicate_of_id IS NULL",
               ["id", "district", "town", "community", "grid", "reporter", "status", "channel", "source",
                "rework", "reported", "accepted", "closed"],
               {"status": "s", "channel": "s", "source": "s", "reported": "f", "accepted": "f", "closed": "f"}),
        "dl": (f"SELECT id, event_id, kind, subject_type, subject_id, state, {e('started_at')}, {e('due_at')}, "
               f"{e('closed_at')}, {e('overdue_at')} FROM events_deadline WHERE kind IN ('handle', 'sign')",
               ["id", "event_id", "kind", "subject_type", "subject_id", "state", "started", "due", "closed",
                "overdue_at"],
               {"kind": "s", "subject_type": "s", "state": "s", "started": "f", "due": "f", "closed": "f",
                "overdue_at": "f"}),
        "asg": ("SELECT a.id, a.event_id, a.department_id, a.post_id, p.board_id, a.role, a.status "
                "FROM dispatching_assignment a LEFT JOIN accounts_post p ON p.id = a.post_id",
                ["id", "event_id", "dept", "post", "board", "role", "status"], {"role": "s", "status": "s"}),
        "vis": (f"SELECT id, event_id, {e('at')}, data FROM events_eventactivity WHERE action IN ('visit', 'rate')",
                ["id", "event_id", "visited", "data"], {"visited": "f", "data": "s"}),
        "ext": ("SELECT event_id FROM dispatching_extensionrequest WHERE status = 'approved'", ["event_id"], {}),
    }
    counts = {}
    for name, (sql, names, kinds) in tables.items():
        cols = _fetch(sql, names, kinds)
        frame = cols  # noqa: F841 - DuckDB reads the local dict by its name
        fixed = ", ".join(f'CASE WHEN isnan("{n}") THEN NULL ELSE "{n}" END AS "{n}"' if kinds.get(n) == "f" else
                          (f'NULLIF("{n}", -1) AS "{n}"' if kinds.get(n, "i") == "i" and n != "id" else f'"{n}"')
                          for n in names)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {fixed} FROM frame")
        counts[name] = con.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
    con.execute("""CREATE OR REPLACE TABLE vis AS SELECT id, event_id, visited,
        coalesce(json_extract_string(data, '$.satisfaction'), '') AS sat,
        coalesce(json_extract(data, '$.contacted')::boolean, false) AS contacted,
        coalesce(json_extract(data, '$.resolved')::boolean, false) AS resolved FROM vis""")
    return counts


def duck_compute(con, start: float, end: float, pairs: set[tuple[str, str]]) -> dict:
    """{(run area, population, formula, member): (num, den)} for the (population, formula) pairs."""
    w = ", ".join(f"'{s}'" for s in WORKING)
    pub = ", ".join(f"'{s}'" for s in PUBLIC)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE late AS SELECT DISTINCT event_id FROM dl WHERE kind = 'handle' AND (
        (overdue_at IS NOT NULL AND overdue_at < {end}) OR (state = 'met' AND closed > due)
        OR (state IN ('running', 'warned', 'overdue') AND due < {end}))""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE ef AS SELECT ev.*,
        (closed >= {start} AND closed < {end} AND status <> 'voided') AS in_c,
        (accepted < {end} AND status IN ({w}) AND (closed IS NULL OR closed >= {end})) AS in_o,
        (late.event_id IS NOT NULL) AS is_late, (ext.event_id IS NOT NULL) AS has_ext
        FROM ev LEFT JOIN late ON late.event_id = ev.id
        LEFT JOIN (SELECT DISTINCT event_id FROM ext) ext ON ext.event_id = ev.id
        WHERE (closed >= {start} AND closed < {end} AND status <> 'voided')
           OR (accepted < {end} AND status IN ({w}) AND (closed IS NULL OR closed >= {end}))""")
    # one row per (event, formula) counted in a denominator, with its numerator weight
    rows = {
        "closed_on_time": "SELECT id, town, district, CASE WHEN NOT is_late THEN 1.0 ELSE 0 END FROM ef WHERE in_c",
        "closure_rate": "SELECT id, town, district, CASE WHEN in_c THEN 1.0 ELSE 0 END FROM ef "
                        "WHERE in_c OR (in_o AND is_late)",
        "rework_rate": "SELECT id, town, district, CASE WHEN rework > 0 THEN 1.0 ELSE 0 END FROM ef WHERE in_c",
        "overdue_rate": "SELECT id, town, district, CASE WHEN is_late THEN 1.0 ELSE 0 END FROM ef WHERE in_c OR in_o",
        "extension_rate": "SELECT id, town, district, CASE WHEN has_ext THEN 1.0 ELSE 0 END FROM ef WHERE in_c",
        "public_report_rate": f"SELECT id, town, district, CASE WHEN channel IN ({pub}) AND source = 'complaint' "
                              f"THEN 1.0 ELSE 0 END FROM ev WHERE accepted >= {start} AND accepted < {end}",
        "valid_report_rate": f"SELECT id, town, district, CASE WHEN status <> 'voided' THEN 1.0 ELSE 0 END FROM ev "
                             f"WHERE channel = 'patrol' AND reported >= {start} AND reported < {end}",
        "satisfaction": f"SELECT ev.id, town, district, CASE WHEN sat IN ('satisfied', 'basically') THEN 1.0 ELSE 0 END "
                        f"FROM vis JOIN ev ON ev.id = vis.event_id WHERE visited >= {start} AND visited < {end} AND sat <> ''",
        "hotline_response": f"SELECT ev.id, town, district, CASE WHEN contacted THEN 1.0 ELSE 0 END FROM vis "
                            f"JOIN ev ON ev.id = vis.event_id WHERE visited >= {start} AND visited < {end} "
                            f"AND channel = 'hotline'",
        "hotline_resolution": f"SELECT ev.id, town, district, CASE WHEN resolved THEN 1.0 ELSE 0 END FROM vis "
                              f"JOIN ev ON ev.id = vis.event_id WHERE visited >= {start} AND visited < {end} "
                              f"AND channel = 'hotline'",
        "hotline_satisfaction": f"SELECT ev.id, town, district, CASE sat WHEN 'satisfied' THEN 1.0 WHEN 'basically' "
                                f"THEN 0.9 ELSE 0 END FROM vis JOIN ev ON ev.id = vis.event_id "
                                f"WHERE visited >= {start} AND visited < {end} AND channel = 'hotline'",
    }
    con.execute("""CREATE OR REPLACE TEMP TABLE lead AS SELECT DISTINCT event_id, dept, post, board FROM asg
        WHERE role = 'lead' AND status NOT IN ('withdrawn', 'returned')""")
    member = {"town": "r.town", "community": "e.community", "grid": "e.grid", "grid_worker": "e.reporter"}
    unit = {"department": "dept", "post": "post", "board": "board"}
    # a run's area: the event's town for a town's populations, its district for a district's
    run_of = {"town": "district", "department": None, "community": "town", "grid": "town", "grid_worker": "town",
              "post": "town", "board": "town"}
    out: dict = {}
    for population, formula in sorted(pairs):
        if formula not in DUCK_FORMULAS:
            continue
        runs = ["town", "district"] if population == "department" else [run_of[population]]
        for run in runs:
            if formula == "sign_on_time":
                col = unit[population]
                sql = f"""SELECT e.{run}, a.{col}, SUM(CASE WHEN late THEN 0 ELSE 1 END), COUNT(*) FROM (
                    SELECT d.subject_id, d.event_id, ((d.overdue_at IS NOT NULL AND d.overdue_at < {end})
                      OR (d.state = 'met' AND d.closed > d.due) OR (d.state IN ('running', 'warned', 'overdue')
                      AND d.due < {end})) AS late, d.state FROM dl d WHERE d.kind = 'sign'
                      AND d.subject_type = 'assignment' AND d.started >= {start} AND d.started < {end}) k
                    JOIN ev e ON e.id = k.event_id JOIN asg a ON a.id = k.subject_id
                    WHERE (k.state = 'met' OR k.late) AND a.{col} IS NOT NULL GROUP BY 1, 2"""
            elif population in unit:
                sql = f"""SELECT r.{run}, l.{unit[population]}, SUM(r.w), COUNT(*) FROM ({rows[formula]}) r(id, town,
                    district, w) JOIN (SELECT DISTINCT event_id, {unit[population]} FROM lead
                    WHERE {unit[population]} IS NOT NULL) l ON l.event_id = r.id GROUP BY 1, 2"""
            else:
                sql = f"""SELECT r.{run}, {member[population]}, SUM(r.w), COUNT(*) FROM ({rows[formula]}) r(id, town,
                    district, w) JOIN ev e ON e.id = r.id WHERE {member[population]} IS NOT NULL GROUP BY 1, 2"""
            for area, m, num, den in con.execute(sql).fetchall():
                out[(int(area), population, formula, int(m))] = (round(float(num), 6), float(den))
    return out


def engine_numbers(area, results) -> dict:
    return {(area.id, r["population"], r["indicator"].formula, r["member_id"]): (r["numerator"], r["denominator"])
            for r in results if r["denominator"]}


def run(args) -> int:
    results = header(args)
    info = data.build(args.db, args.events, args.years, args.seed, fresh=args.fresh)
    import duckdb
    from django.db import connection

    from jiewang.areas.choices import AreaLevel
    from jiewang.areas.models import Area
    from jiewang.assessment.models import Exclusion
    from jiewang.assessment.services.engine import compute, frame_for, indicators_for, populations_of
    from jiewang.assessment.services.periods import last_month, parse_period

    results["data"] = info
    results["db_version"] = db_version()
    results["duckdb"] = duckdb.__version__
    assert not Exclusion.objects.exists(), "the bench compares without exclusions"
    period = args.period or last_month(dt.date.today())
    kind, start, end = parse_period(period)
    results["period"] = period
    towns = list(Area.objects.filter(level=AreaLevel.TOWN, valid_to__isnull=True).order_by("path"))
    districts = list(Area.objects.filter(level=AreaLevel.DISTRICT, valid_to__isnull=True).order_by("path"))
    if args.towns:
        towns = towns[:args.towns]
        keep = {t.path.split("/")[2] for t in towns}
        districts = [d for d in districts if d.path.split("/")[2] in keep]
    areas = towns + districts
    pairs = {(i.population, i.formula) for a in (towns[:1] + districts[:1]) for i in indicators_for(kind, populations_of(a))}
    with connection.cursor() as c:
        c.execute("SELECT COUNT(*) FROM events_event")
        n_events = c.fetchone()[0]
    log(f"assessment {period}: {len(towns)} towns, {len(districts)} districts, {n_events:,} events")

    # the engine, run after run (what the worker's monthly job does, without writing the rows):
    # the period's rows read once for the city (engine.frame_for), then every area's formulas
    engine: dict = {}
    frames: dict = {}
    t = time.perf_counter()
    cpu = time.process_time()
    load0 = loadavg()
    frame_for(areas[0], start, end, frames)
    frame_s = time.perf_counter() - t
    frame_cpu = time.process_time() - cpu
    per_area = []
    n_results = 0
    outside, outside_cpu = 0.0, 0.0  # the bench's own bookkeeping, not timed
    for area in areas:
        t1 = time.perf_counter()
        res, _scores = compute(area, kind, start, end, frame_for(area, start, end, frames))
        per_area.append(time.perf_counter() - t1)
        n_results += len(res)
        t2, c2 = time.perf_counter(), time.process_time()
        engine.update(engine_numbers(area, res))
        outside += time.perf_counter() - t2
        outside_cpu += time.process_time() - c2
    results["engine"] = {"seconds": time.perf_counter() - t - outside, "cpu_s": time.process_time() - cpu - outside_cpu,
                         "areas": len(areas), "frame_read_cpu_s": frame_cpu,
                         "frame_read_s": frame_s, "results": n_results, "numbers": len(engine),
                         "load_before": load0, "load_after": loadavg(),
                         "per_area_ms": {"p50": float(np.percentile(per_area, 50)) * 1000,
                                         "max": float(max(per_area)) * 1000}}
    log(f"engine: {results['engine']['seconds']:.1f} s (cpu {results['engine']['cpu_s']:.1f} s; reading the "
        f"month's rows {frame_s:.1f} s), {n_results:,} results, {len(engine):,} with data; load {loadavg()}")
    # the same engine without the shared read (a query per area and formula), on the first towns
    t = time.perf_counter()
    sample = towns[:args.per_area]
    for area in sample:
        res, _scores = compute(area, kind, start, end)
        mine = engine_numbers(area, res)
        assert mine == {k: v for k, v in engine.items() if k[0] == area.id}, area
    if sample:
        per = (time.perf_counter() - t) / len(sample)
        results["engine_per_area_queries"] = {"towns": len(sample), "seconds_per_town": per,
                                              "extrapolated_s": per * len(areas), "load_after": loadavg()}
        log(f"engine without the shared read: {per * 1000:.0f} ms per town over {len(sample)} towns (same numbers); "
            f"× {len(areas)} areas ≈ {per * len(areas):.0f} s")

    # DuckDB over the same rows
    con = duckdb.connect()
    con.execute("SET threads = 2")
    t = time.perf_counter()
    counts = duck_load(con, args.db)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    cpu = time.process_time()
    duck = duck_compute(con, start.timestamp(), end.timestamp(), pairs)
    compute_s = time.perf_counter() - t
    results["duckdb_run"] = {"load_s": load_s, "compute_s": compute_s, "compute_cpu_s": time.process_time() - cpu,
                             "rows": counts, "numbers": len(duck), "load_after": loadavg()}
    log(f"duckdb: load {load_s:.1f} s ({counts}), compute {compute_s:.2f} s, {len(duck):,} numbers")

    # the same numbers
    in_scope = {a.id for a in areas}
    duck = {k: v for k, v in duck.items() if k[0] in in_scope}
    eng = {k: v for k, v in engine.items() if k[2] in DUCK_FORMULAS}
    results["not_compared"] = sorted({f for _p, f in pairs} - DUCK_FORMULAS)
    diff = [(k, eng.get(k), duck.get(k)) for k in set(eng) | set(duck)
            if eng.get(k) is None or duck.get(k) is None or abs(eng[k][0] - duck[k][0]) > 1e-6
            or eng[k][1] != duck[k][1]]
    results["compared"] = len(eng)
    results["differences"] = len(diff)
    by_pop = defaultdict(int)
    for k in eng:
        by_pop[k[1]] += 1
    results["compared_by_population"] = dict(by_pop)
    log(f"compared {len(eng):,} numbers ({dict(by_pop)}): {len(diff)} differences")
    for d in sorted(diff, key=str)[:10]:
        log(f"  differs: {d}")
    results["ratio_to_compute"] = results["engine"]["seconds"] / compute_s
    results["ratio_to_load_compute"] = results["engine"]["seconds"] / (load_s + compute_s)
    log(f"engine / DuckDB compute: {results['ratio_to_compute']:.1f}×; engine / (DuckDB load + compute): "
        f"{results['ratio_to_load_compute']:.2f}×")
    results["load_end"] = loadavg()
    write_results("assessment", args, results)
    assert not diff, f"{len(diff)} numbers differ between the engine and DuckDB"
    return 0
