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
    from jiewang.assessment.rounding import HALF

    # the engine's rounding (assessment.rounding.round_half_up): a half, through float noise, away from zero
    con.execute(f"""CREATE OR REPLACE MACRO rhu(x, d) AS sign(x) * (floor(abs(x) * pow(10, d))
        + CASE WHEN abs(x) * pow(10, d) - floor(abs(x) * pow(10, d)) >= {HALF!r} THEN 1 ELSE 0 END) / pow(10, d)""")
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
    con.execute("CREATE OR REPLACE TEMP TABLE nums (area BIGINT, population VARCHAR, formula VARCHAR, member BIGINT, "
                "num DOUBLE, den DOUBLE)")
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
            con.execute(f"INSERT INTO nums SELECT area, '{population}', '{formula}', member, rhu(num, 6), den "
                        f"FROM ({sql}) q(area, member, num, den)")


def _table(con, name: str, cols: dict) -> None:
    """A DuckDB table from numpy columns."""
    frame = cols  # noqa: F841 - DuckDB reads the local dict by its name
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM frame")


def _nan(v):
    return np.nan if v is None else float(v)


def duck_members(con, towns, districts, indicators, rules) -> dict:
    """What a run lists (not timed, like the rows): the members of every population of every run
    (engine.member_rows: the same query the engine's frame reads), the indicators compared, the
    list rules."""
    from jiewang.assessment.choices import DISTRICT_POPULATIONS, TOWN_POPULATIONS
    from jiewang.assessment.formulas import _nodes
    from jiewang.assessment.services.engine import member_rows

    runs = {a.id: TOWN_POPULATIONS for a in towns} | {a.id: DISTRICT_POPULATIONS for a in districts}
    root = "/" + towns[0].path.strip("/").split("/")[0] + "/"
    rows = []
    for population in {p for pops in runs.values() for p in pops}:
        for pk, _name, path in member_rows(root, population):
            for node in _nodes(path):
                if population in runs.get(node, ()) and not (population == "department" and node not in
                                                             {d.id for d in districts}):
                    rows.append((node, population, pk))
    _table(con, "mem", {"area": np.array([r[0] for r in rows], dtype=np.int64),
                        "population": np.array([str(r[1]) for r in rows]),
                        "member": np.array([r[2] for r in rows], dtype=np.int64)})
    con.execute("CREATE OR REPLACE TABLE mem AS SELECT DISTINCT area, population::VARCHAR AS population, member FROM mem")
    run_pops = [(a, p) for a, pops in runs.items() for p in pops]
    _table(con, "runpop", {"area": np.array([r[0] for r in run_pops], dtype=np.int64),
                           "population": np.array([str(r[1]) for r in run_pops])})
    _table(con, "ind", {"code": np.array([i.code for i in indicators]),
                        "population": np.array([str(i.population) for i in indicators]),
                        "formula": np.array([i.formula for i in indicators]),
                        "scheme": np.array([i.scheme for i in indicators]),
                        "weight": np.array([i.weight for i in indicators], dtype=np.float64),
                        "target": np.array([i.target for i in indicators], dtype=np.float64),
                        "higher": np.array([i.direction == "higher" for i in indicators])})
    pops = sorted({str(i.population) for i in indicators})
    _table(con, "rules", {"population": np.array(pops),
                          "red_n": np.array([rules[p].red_top_n if p in rules else 3 for p in pops], dtype=np.int64),
                          "black_n": np.array([rules[p].black_bottom_n if p in rules else 3 for p in pops],
                                              dtype=np.int64),
                          "red_min": np.array([_nan(rules[p].red_min_score if p in rules else None) for p in pops]),
                          "black_max": np.array([_nan(rules[p].black_max_score if p in rules else None)
                                                 for p in pops])})
    con.execute("CREATE OR REPLACE TABLE rules AS SELECT population, red_n, black_n, "
                "CASE WHEN isnan(red_min) THEN NULL ELSE red_min END AS red_min, "
                "CASE WHEN isnan(black_max) THEN NULL ELSE black_max END AS black_max FROM rules")
    return {"members": len(rows), "indicators": len(indicators)}


def duck_assess(con) -> None:
    """The rest of the assessment in DuckDB, from ``nums``: every member's result row (those without
    data too) with its value, score and target met; the composite per scheme; ranks, grades and
    red and black lists — what ``engine.compute`` returns."""
    con.execute("""CREATE OR REPLACE TEMP TABLE mem_all AS
        SELECT area, population, member FROM mem
        UNION SELECT n.area, n.population, n.member FROM nums n JOIN runpop r USING (area, population)
        WHERE n.population = 'department'""")
    con.execute("""CREATE OR REPLACE TEMP TABLE res AS
        SELECT m.area, m.population, i.code, i.scheme, i.weight, m.member, coalesce(n.num, 0) AS num,
               coalesce(n.den, 0) AS den, v.value,
               CASE WHEN v.value IS NOT NULL THEN rhu(100 * CASE WHEN i.higher THEN greatest(0, least(1, v.value))
                                ELSE 1 - greatest(0, least(1, v.value)) END, 4) END AS score,
               CASE WHEN i.higher THEN v.value >= i.target ELSE v.value <= i.target END AS target_met
        FROM mem_all m JOIN ind i ON i.population = m.population
        LEFT JOIN nums n ON n.area = m.area AND n.population = m.population AND n.formula = i.formula
                         AND n.member = m.member
        CROSS JOIN LATERAL (SELECT CASE WHEN n.den > 0 THEN rhu(n.num / n.den, 6) END AS value) v""")
    con.execute("""CREATE OR REPLACE TEMP TABLE comp AS
        WITH c AS (SELECT area, population, scheme, member,
                          sum(CASE WHEN score IS NOT NULL AND weight > 0 THEN weight END) AS w,
                          sum(CASE WHEN score IS NOT NULL AND weight > 0 THEN weight * score END) AS ws
                   FROM res GROUP BY ALL),
        s AS (SELECT area, population, scheme, member, CASE WHEN w > 0 THEN rhu(ws / w, 2) END AS score FROM c),
        r AS (SELECT s.*, CASE WHEN score IS NOT NULL THEN
                 rank() OVER (PARTITION BY area, population, scheme ORDER BY score DESC NULLS LAST) END AS rnk,
                 rank() OVER (PARTITION BY area, population, scheme ORDER BY score ASC NULLS LAST) AS from_bottom,
                 count(score) OVER (PARTITION BY area, population, scheme) AS n FROM s)
        SELECT r.area, r.population, r.scheme, r.member, r.score, r.rnk,
               CASE WHEN r.score IS NULL THEN '' WHEN r.score >= 90 THEN 'A' WHEN r.score >= 75 THEN 'B'
                    WHEN r.score >= 60 THEN 'C' WHEN r.score >= 40 THEN 'D' ELSE 'E' END AS grade,
               CASE WHEN r.score IS NULL THEN ''
                    WHEN r.rnk <= least(coalesce(l.red_n, 3), r.n // 2)
                         AND (l.red_min IS NULL OR r.score >= l.red_min) THEN 'red'
                    WHEN r.from_bottom <= least(coalesce(l.black_n, 3), r.n // 2)
                         OR (l.black_max IS NOT NULL AND r.score < l.black_max) THEN 'black'
                    ELSE '' END AS list_kind
        FROM r LEFT JOIN rules l USING (population)""")


def run(args) -> int:
    results = header(args)
    info = data.build(args.db, args.events, args.years, args.seed, fresh=args.fresh)
    import duckdb
    from django.db import connection

    from jiewang.areas.choices import AreaLevel
    from jiewang.areas.models import Area
    from django.db import transaction

    from jiewang.assessment.formulas import FORMULAS
    from jiewang.assessment.models import Exclusion, Indicator
    from jiewang.assessment.services.engine import _list_rules, compute, indicators_for, populations_of
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
    with connection.cursor() as c:
        c.execute("SELECT COUNT(*) FROM events_event")
        n_events = c.fetchone()[0]
    log(f"assessment {period}: {len(towns)} towns, {len(districts)} districts, {n_events:,} events")

    # The engine, run after run (what the worker's monthly job does, without writing the rows):
    # the period's rows read once for the city (engine.frame_for), then every area's formulas.
    # Timed twice: on the indicators whose formulas DuckDB computes below (the compared figure:
    # the same numbers on both sides; the others made inactive inside a transaction rolled back),
    # and on every active indicator (the whole month, other apps' formulas included).
    all_indicators = indicators_for(kind, set(populations_of(towns[0])) | set(populations_of(districts[0])))
    compared = [i for i in all_indicators if i.formula in DUCK_FORMULAS
                and i.population in FORMULAS[i.formula].populations]
    with transaction.atomic():
        Indicator.objects.exclude(pk__in=[i.pk for i in compared]).update(is_active=False)
        runs = []
        for _ in range(args.repeat):
            timing, engine, engine_scores = engine_run(areas, kind, start, end)
            runs.append(timing)
            log(f"  engine run: {timing['seconds']:.2f} s (cpu {timing['cpu_s']:.2f} s), load {loadavg()}")
        transaction.set_rollback(True)
    results["engine_runs"] = runs
    results["engine"] = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]  # the median run
    log(f"engine (compared indicators: {len(compared)}): {results['engine']['seconds']:.1f} s "
        f"(cpu {results['engine']['cpu_s']:.1f} s; reading the month's rows {results['engine']['frame_read_s']:.1f} s), "
        f"{results['engine']['results']:,} results; load {loadavg()}")
    if not args.compared_only:
        results["engine_all"], _e, _s = engine_run(areas, kind, start, end)
        results["engine_all"]["indicators"] = len(all_indicators)
        log(f"engine (every indicator: {len(all_indicators)}): {results['engine_all']['seconds']:.1f} s "
            f"(cpu {results['engine_all']['cpu_s']:.1f} s), {results['engine_all']['results']:,} results")

    # the same engine without the shared read (a query per area and formula), on the first towns
    t = time.perf_counter()
    sample = towns[:args.per_area]
    for area in sample:
        res, _scores = compute(area, kind, start, end)
        codes = {i.code for i in compared}
        mine = {(area.id, r["population"], r["indicator"].code, r["member_id"]): (
            r["numerator"], r["denominator"], r["value"], r["score"], r["target_met"])
            for r in res if r["indicator"].code in codes}
        assert mine == {k: v for k, v in engine.items() if k[0] == area.id}, area
    if sample:
        per = (time.perf_counter() - t) / len(sample)
        results["engine_per_area_queries"] = {"towns": len(sample), "seconds_per_town": per,
                                              "extrapolated_s": per * len(areas), "load_after": loadavg()}
        log(f"engine without the shared read: {per * 1000:.0f} ms per town over {len(sample)} towns (same numbers); "
            f"× {len(areas)} areas ≈ {per * len(areas):.0f} s")

    # DuckDB over the same rows: loaded (not timed), then the whole assessment computed (timed)
    con = duckdb.connect()
    con.execute("SET threads = 2")
    t = time.perf_counter()
    counts = duck_load(con, args.db)
    counts.update(duck_members(con, towns, districts, compared, _list_rules()))
    load_s = time.perf_counter() - t
    pairs = {(i.population, i.formula) for i in compared}
    duck_runs = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        cpu = time.process_time()
        duck_compute(con, start.timestamp(), end.timestamp(), pairs)
        nums_s, nums_cpu = time.perf_counter() - t, time.process_time() - cpu
        duck_assess(con)
        duck_runs.append({"compute_s": time.perf_counter() - t, "compute_cpu_s": time.process_time() - cpu,
                          "numbers_s": nums_s, "numbers_cpu_s": nums_cpu, "load_after": loadavg()})
        log(f"  duckdb run: {duck_runs[-1]['compute_s']:.2f} s (cpu {duck_runs[-1]['compute_cpu_s']:.2f} s), "
            f"load {loadavg()}")
    median = sorted(duck_runs, key=lambda r: r["compute_s"])[len(duck_runs) // 2]
    compute_s, compute_cpu, nums_s = median["compute_s"], median["compute_cpu_s"], median["numbers_s"]
    n_res = con.execute("SELECT count(*) FROM res").fetchone()[0]
    results["duckdb_runs"] = duck_runs
    results["duckdb_run"] = {"load_s": load_s, **median, "rows": counts, "results": n_res}
    log(f"duckdb: load {load_s:.1f} s ({counts}), compute {compute_s:.2f} s (cpu {compute_cpu:.2f}; the numbers "
        f"alone {nums_s:.2f} s), {n_res:,} results")

    # the same numbers: every result row (with data or not) and every composite, rank, grade, list
    in_scope = {a.id for a in areas}
    duck_res = {(a, p, c, m): (num, den, v, sc, tm) for a, p, c, m, num, den, v, sc, tm in con.execute(
        "SELECT area, population, code, member, num, den, value, score, target_met FROM res").fetchall()
        if a in in_scope}
    code_formula = {i.code: i.formula for i in compared}
    eng_res = {k: v for k, v in engine.items()}
    diff = [(k, eng_res.get(k), duck_res.get(k)) for k in set(eng_res) | set(duck_res)
            if not _same_result(eng_res.get(k), duck_res.get(k))]
    duck_sc = {(a, p, s_, m): (sc, g, r, lk) for a, p, s_, m, sc, r, g, lk in con.execute(
        "SELECT area, population, scheme, member, score, rnk, grade, list_kind FROM comp").fetchall() if a in in_scope}
    diff_sc = [(k, engine_scores.get(k), duck_sc.get(k)) for k in set(engine_scores) | set(duck_sc)
               if not _same_score(engine_scores.get(k), duck_sc.get(k))]
    with_data = sum(1 for v in eng_res.values() if v[1])
    results["compared"] = len(eng_res)
    results["compared_with_data"] = with_data
    results["compared_scores"] = len(engine_scores)
    results["differences"] = len(diff) + len(diff_sc)
    results["not_compared"] = sorted({i.formula for i in all_indicators} - DUCK_FORMULAS)
    by_pop = defaultdict(int)
    for k in eng_res:
        by_pop[k[1]] += 1
    results["compared_by_population"] = dict(by_pop)
    results["compared_by_formula"] = dict(sorted(defaultdict(int, {f: sum(1 for k in eng_res if code_formula[k[2]] == f)
                                                                  for f in set(code_formula.values())}).items()))
    log(f"compared {len(eng_res):,} result rows ({with_data:,} with data; {dict(by_pop)}) and "
        f"{len(engine_scores):,} composites: {len(diff)} + {len(diff_sc)} differences")
    for d in sorted(diff + diff_sc, key=str)[:10]:
        log(f"  differs: {d}")
    results["ratio_to_compute"] = results["engine"]["seconds"] / compute_s
    results["ratio_to_compute_cpu"] = results["engine"]["cpu_s"] / compute_cpu
    results["ratio_to_load_compute"] = results["engine"]["seconds"] / (load_s + compute_s)
    log(f"engine / DuckDB compute: {results['ratio_to_compute']:.2f}× wall, {results['ratio_to_compute_cpu']:.2f}× "
        f"CPU; engine / (DuckDB load + compute): {results['ratio_to_load_compute']:.2f}×")
    results["load_end"] = loadavg()
    write_results("assessment", args, results)
    assert not diff and not diff_sc, f"{len(diff) + len(diff_sc)} numbers differ between the engine and DuckDB"
    return 0


def engine_run(areas, kind, start, end) -> tuple[dict, dict, dict]:
    """The engine over every area with one shared frame: timings, its result rows by (area,
    population, indicator code, member) and its composites by (area, population, scheme, member)."""
    from jiewang.assessment.services.engine import compute, frame_for
    from jiewang.core.memory import cyclic_gc_paused

    res_out: dict = {}
    scores_out: dict = {}
    frames: dict = {}
    # the cyclic collector paused around the month, as the job pauses it (engine.compute_last_month)
    with cyclic_gc_paused():
        t = time.perf_counter()
        cpu = time.process_time()
        load0 = loadavg()
        frame_for(areas[0], start, end, frames)
        frame_s, frame_cpu = time.perf_counter() - t, time.process_time() - cpu
        per_area = []
        n_results = 0
        outside, outside_cpu = 0.0, 0.0  # the bench's own bookkeeping, not timed
        for area in areas:
            t1 = time.perf_counter()
            res, scores = compute(area, kind, start, end, frame_for(area, start, end, frames))
            per_area.append(time.perf_counter() - t1)
            n_results += len(res)
            t2, c2 = time.perf_counter(), time.process_time()
            for r in res:
                res_out[(area.id, r["population"], r["indicator"].code, r["member_id"])] = (
                    r["numerator"], r["denominator"], r["value"], r["score"], r["target_met"])
            for r in scores:
                scores_out[(area.id, r["population"], r["scheme"], r["member_id"])] = (
                    r["score"], r["grade"], r["rank"], r["list_kind"])
            outside += time.perf_counter() - t2
            outside_cpu += time.process_time() - c2
    timing = {"seconds": time.perf_counter() - t - outside, "cpu_s": time.process_time() - cpu - outside_cpu,
              "areas": len(areas), "frame_read_cpu_s": frame_cpu, "frame_read_s": frame_s, "results": n_results,
              "composites": len(scores_out), "load_before": load0, "load_after": loadavg(),
              "per_area_ms": {"p50": float(np.percentile(per_area, 50)) * 1000, "max": float(max(per_area)) * 1000}}
    return timing, res_out, scores_out


def _close(a, b, tol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol


def _same_result(e, d) -> bool:
    """An engine result row (num, den, value, score, target met) and DuckDB's."""
    if e is None or d is None:
        return False
    return (_close(e[0], d[0], 1e-6) and e[1] == d[1] and _close(e[2], d[2], 1e-6) and _close(e[3], d[3], 1e-4)
            and (e[4] is None) == (d[4] is None) and (e[4] is None or bool(e[4]) == bool(d[4])))


def _same_score(e, d) -> bool:
    """A composite (score, grade, rank, list) and DuckDB's."""
    if e is None or d is None:
        return False
    return _close(e[0], d[0], 1e-9) and e[1] == d[1] and e[2] == d[2] and e[3] == d[3]
