"""``python -m bench.city_bench situation``: ``GET /api/situation`` through Django's test client
(the whole stack but the HTTP server: middleware, session and user, ninja, the selector, JSON) for
town, district and city users, beside the same numbers by a plain GROUP BY over the raw events
(:func:`bench.situation_bench.baseline`) in the same run, interleaved with the requests.

Users: town leaders (镇街领导) of random towns, district administrators of random districts and of
the city, each signed in once (``force_login``: a session row, read by every request as in
production). A request: a random user of the level, a random trend length (30/90/365 days), the
user's own area. The baseline runs for the first ``--baseline`` requests of each level, on the
same area and trend length, and its numbers are held equal to the answer's (month and today's
new/closed/overdue, the stocks, the per-child-area month figures, the trend's sums).
"""

from __future__ import annotations

import time

import numpy as np

from . import city_data as data
from .city_bench import db_version, header, loadavg, pct, write_results
from .city_data import log

LEVELS = {"town": 3, "district": 2, "city": 1}
USERS = {"town": 40, "district": 15, "city": 2}


def _users(rng):
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User
    from jiewang.areas.models import Area

    out = {}
    for name, level in LEVELS.items():
        areas = list(Area.objects.current().filter(level=level).order_by("id").values_list("id", flat=True))
        picks = rng.choice(areas, min(USERS[name], len(areas)), replace=False)
        role = Role.TOWN_LEADER if name == "town" else Role.DISTRICT_ADMIN
        users = []
        for k, area_id in enumerate(picks.tolist()):
            u, _ = User.objects.get_or_create(username=f"bench_sit_{name}_{k}_{area_id}",
                                              defaults={"display_name": f"压测{name}{k}"})
            RoleGrant.objects.get_or_create(user=u, role=role, area_id=area_id)
            users.append((u, area_id))
        out[name] = users
    return out


def _check(ans: dict, b: dict, level: int) -> None:
    """The answer's numbers equal the GROUP BY's."""
    def three(row):
        return tuple(int(x or 0) for x in row)

    m, t = ans["periods"]["month"], ans["periods"]["today"]
    assert (m["new"], m["closed"], m["overdue"]) == three(b["month"][0]), (m, b["month"])
    assert (t["new"], t["closed"], t["overdue"]) == three(b["today"][0]), (t, b["today"])
    assert (ans["now"]["open"], ans["now"]["overdue"]) == three(b["stock"][0]), (ans["now"], b["stock"])
    kids = {r[0]: three(r[1:]) for r in b["by_child"]}
    if level != 1:  # the baseline groups the city by town, not by district
        for row in ans["by_area"]:
            got = (row["month"]["new"], row["month"]["closed"], row["month"]["overdue"])
            assert got == kids.get(row["area_id"], (0, 0, 0)), (row, kids.get(row["area_id"]))
    new = sum(r["new"] for r in ans["trend"]["series"])
    closed = sum(r["closed"] for r in ans["trend"]["series"])
    assert new == sum(int(r[1]) for r in b["trend_new"]), (new, b["trend_new"][:3])
    assert closed == sum(int(r[1]) for r in b["trend_closed"]), (closed, b["trend_closed"][:3])


def run(args) -> int:
    results = header(args)
    info = data.build(args.db, args.events, args.years, args.seed, fresh=args.fresh)
    from django.test import Client

    from jiewang.areas.models import Area
    from jiewang.stats import selectors

    from .situation_bench import baseline

    results["data"] = info
    results["db_version"] = db_version()
    db = args.db
    rng = np.random.default_rng(args.seed + 7)
    users = _users(rng)
    clients = {}
    for us in users.values():
        for u, area_id in us:
            c = Client()
            c.force_login(u)
            clients[u.pk] = (c, area_id)
    today = selectors._local_today()
    areas = {a.id: a for a in Area.objects.filter(id__in=[a for us in users.values() for _u, a in us])}
    results["levels"] = {}
    for name, level in LEVELS.items():
        us = users[name]
        for u, _a in us[:3]:  # warm-up: first request of a process/user (not counted)
            clients[u.pk][0].get("/api/situation", {"days": 30})
        api_t, raw_t, sizes, api_cpu, raw_cpu = [], [], [], [], []
        checked = 0
        load_before = loadavg()
        t_level = time.perf_counter()
        for i in range(args.requests):
            u, area_id = us[int(rng.integers(len(us)))]
            days = int(rng.choice([30, 90, 365]))
            c = clients[u.pk][0]
            t, cpu = time.perf_counter(), time.process_time()
            r = c.get("/api/situation", {"days": days})
            api_t.append(time.perf_counter() - t)
            api_cpu.append(time.process_time() - cpu)
            assert r.status_code == 200, (r.status_code, r.content[:300])
            sizes.append(len(r.content))
            if i < args.baseline:
                t, cpu = time.perf_counter(), time.process_time()
                b = baseline(db, areas[area_id], days, today)
                raw_t.append(time.perf_counter() - t)
                raw_cpu.append(time.process_time() - cpu)
                ans = r.json()
                assert ans["area"]["id"] == area_id
                _check(ans, b, level)
                checked += 1
        res = {"api_ms": pct(api_t), "groupby_ms": pct(raw_t) if raw_t else None, "checked": checked,
               "api_cpu_ms": pct(api_cpu), "groupby_cpu_ms": pct(raw_cpu) if raw_cpu else None,
               "users": len(us), "bytes_mean": int(np.mean(sizes)), "load_before": load_before,
               "load_after": loadavg(), "wall_s": time.perf_counter() - t_level}
        if raw_t:
            res["speedup_p50"] = res["groupby_ms"]["p50"] / res["api_ms"]["p50"]
            res["speedup_p95"] = res["groupby_ms"]["p95"] / res["api_ms"]["p95"]
            # the same requests only (the baseline ran for the first ones)
            res["api_ms_paired"] = pct(api_t[:len(raw_t)])
            res["cpu_speedup_p50"] = res["groupby_cpu_ms"]["p50"] / res["api_cpu_ms"]["p50"]
        results["levels"][name] = res
        log(f"{name:<9} API p50 {res['api_ms']['p50']:.1f} / p95 {res['api_ms']['p95']:.1f} ms (n={len(api_t)}), "
            f"GROUP BY p50 {res['groupby_ms']['p50'] if raw_t else 0:.0f} / p95 "
            f"{res['groupby_ms']['p95'] if raw_t else 0:.0f} ms (n={len(raw_t)}), "
            f"×{res.get('speedup_p95', 0):.0f} at p95; CPU p50 {res['api_cpu_ms']['p50']:.1f} vs "
            f"{res['groupby_cpu_ms']['p50'] if raw_cpu else 0:.0f} ms; checked {checked}; load {res['load_after']}")
    results["load_end"] = loadavg()
    write_results("situation", args, results)
    return 0
