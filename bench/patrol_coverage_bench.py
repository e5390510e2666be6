"""Benchmark of the monthly coverage report (巡查走访覆盖) for the whole demo city: goal ≤ 5 s.

Run: ``.venv/bin/python -m bench.patrol_coverage_bench [--households 200] [--scale small] [--write]``

A fresh SQLite database under /tmp/jw_bench_coverage: the demo city (``seed_demo``, no history),
then, bulk written, for every grid: ``--households`` houses in residential use (and one vacant in
ten more), 5 key persons, visits to about 60 % of the households this month (and as many last
month), a patrol on about 80 % of this month's days, and the three default rules. Measured: the
city's report (``coverage_report`` at the city: its figures, its districts', every grid computed
once) and a community's (with its workers), each the best of three; beside the baseline of
counting the same rows (``COUNT(*)`` of the houses, visits, patrols and key persons of the city),
the floor of any report over them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/jw_bench_coverage")
BEGIN, END = "<!-- patrol-coverage:begin -->", "<!-- patrol-coverage:end -->"


def setup():
    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / "coverage.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(db) + suffix)
        if p.exists():
            p.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.LOCATOR_INDEX_DIR = WORK / "locator"
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def fill(households: int, scale: str, rng: random.Random) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant
    from jiewang.areas.models import Area
    from jiewang.basedata.models import Address, Building, House, KeyGroup, KeyPerson, Resident
    from jiewang.demo.seeding import seed_demo
    from jiewang.patrols.models import Patrol, PatrolRule, Visit

    seed_demo(scale=scale, seed=1, history=0, grid_workers=True)
    grids = list(Area.objects.grids().filter(valid_to__isnull=True))
    workers = dict(RoleGrant.objects.active().filter(role=Role.GRID_WORKER).values_list("area_id", "user_id"))
    group = KeyGroup.objects.order_by("order").first()
    today = timezone.localdate()
    first = today.replace(day=1)
    prev = (first - dt.timedelta(days=1)).replace(day=1)
    tz = timezone.get_current_timezone()
    counts = {"grids": len(grids), "houses": 0, "visits": 0, "patrols": 0, "key persons": 0}
    PatrolRule.objects.all().delete()
    with transaction.atomic():
        for g in grids:
            n = households + households // 10
            b = Building.objects.create(grid=g, area_path=g.path, road="测试路", number=f"{g.pk}号")
            addrs = Address.objects.bulk_create([
                Address(grid=g, area_path=g.path, building=b, road="测试路", number=f"{g.pk}号", room=str(i),
                        text=f"测试路{g.pk}号{i}室") for i in range(n)], batch_size=1000)
            houses = House.objects.bulk_create([
                House(grid=g, area_path=g.path, address=a, use="vacant" if i >= households else
                      ("rented" if i % 3 == 0 else "self_occupied")) for i, a in enumerate(addrs)], batch_size=1000)
            counts["houses"] += len(houses)
            residents = Resident.objects.bulk_create([
                Resident(grid=g, area_path=g.path, name=f"居民{i}", gender="male", house=houses[i])
                for i in range(5)])
            KeyPerson.objects.bulk_create([
                KeyPerson(grid=g, area_path=g.path, resident=r, group=group, visit_days=30,
                          since=today - dt.timedelta(days=90)) for r in residents])
            counts["key persons"] += len(residents)
            worker = workers.get(g.pk)
            if worker is None:
                continue
            visits = []
            for month_start in (prev, first):
                span = max(((today if month_start == first else first - dt.timedelta(days=1)) - month_start).days, 1)
                for h in houses[:households]:
                    if rng.random() < 0.6:
                        at = dt.datetime.combine(month_start + dt.timedelta(days=rng.randrange(span)), dt.time(10), tz)
                        visits.append(Visit(worker_id=worker, grid=g, area_path=g.path, subject="household", house=h,
                                            visited_at=at))
            Visit.objects.bulk_create(visits, batch_size=1000)
            counts["visits"] += len(visits)
            patrols = [Patrol(worker_id=worker, grid=g, area_path=g.path, status="ended", day=d,
                              started_at=dt.datetime.combine(d, dt.time(9), tz),
                              ended_at=dt.datetime.combine(d, dt.time(10), tz))
                       for d in (first + dt.timedelta(days=i) for i in range((today - first).days + 1))
                       if rng.random() < 0.8]
            Patrol.objects.bulk_create(patrols)
            counts["patrols"] += len(patrols)
            PatrolRule.objects.bulk_create([
                PatrolRule(grid=g, area_path=g.path, kind=k, every=1, unit=u)
                for k, u in (("patrol", "working_day"), ("building", "week"), ("household", "month"))])
    return counts


def best_of(fn, n=3) -> float:
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=200)
    ap.add_argument("--scale", default="small")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    setup()
    from jiewang.accounts.models import User
    from jiewang.areas.models import Area
    from jiewang.basedata.models import House, KeyPerson
    from jiewang.patrols.coverage import coverage_report
    from jiewang.patrols.models import Patrol, Visit

    rng = random.Random(1)
    t = time.perf_counter()
    counts = fill(args.households, args.scale, rng)
    fill_s = time.perf_counter() - t
    admin = User.objects.get(username="admin")
    city = Area.objects.get(parent__isnull=True)
    community = Area.objects.filter(level=4).order_by("path").first()
    city_s = best_of(lambda: coverage_report(user=admin, area=city))
    comm_s = best_of(lambda: coverage_report(user=admin, area=community))
    report = coverage_report(user=admin, area=city)

    def baseline():
        for model in (House, Visit, Patrol, KeyPerson):
            model.objects.filter(area_path__startswith=city.path).count()

    base_s = best_of(baseline)
    f = report["area"]
    rows = [
        BEGIN, "## Patrol and visit coverage (monthly report)", "",
        f"`python -m bench.patrol_coverage_bench --households {args.households} --scale {args.scale}` "
        f"(`bench/patrol_coverage_bench.py`). Date {dt.date.today()}; {os.cpu_count()} cores (shared, load "
        f"average {os.getloadavg()[0]:.1f}); SQLite (WAL) on /tmp. Data: the demo city ({counts['grids']:,} grids) "
        f"with {counts['houses']:,} houses, {counts['visits']:,} visits over two months, {counts['patrols']:,} "
        f"patrols, {counts['key persons']:,} key persons (bulk written in {fill_s:.0f} s). Baseline: `COUNT(*)` "
        "of the houses, visits, patrols and key persons under the city, in the same run.", "",
        "| measure | coverage report | baseline (counts) | ratio | target |",
        "|---|---:|---:|---:|---:|",
        f"| the whole city, this month (s, best of 3) | {city_s:.3f} | {base_s:.3f} | {city_s / base_s:.1f}× | ≤ 5 |",
        f"| one community with its grid workers (s) | {comm_s:.3f} | | | |",
        "",
        f"City figures: {f.visited:,} / {f.households:,} households visited ({(f.visit_rate or 0) * 100:.1f} %), "
        f"{f.patrol_days:,} patrol days of {f.patrol_days_due:,.0f} due, {f.overdue:,} of {f.key_persons:,} key "
        "persons overdue.",
        END,
    ]
    section = "\n".join(rows)
    print(section)
    if args.write:
        path = ROOT / "BENCHMARKS.md"
        text = path.read_text()
        if BEGIN in text:
            text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: section, text, flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        path.write_text(text)
    return 0 if city_s <= 5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
