"""Benchmark of early-warning rule evaluation: can the worker keep up with 1,000 events/s?

Run: ``.venv/bin/python -m bench.warning_bench [--events 20000] [--rules 3] [--quick]``

A fresh SQLite database under /tmp/jw_bench_warning (migrated, the test tree of
``jiewang.core.testing`` and the seeded catalog), then ``--rules`` enabled rules of every event
kind (cluster, hot spot, repeat, keyword with the default list) over the city, then ``--events``
events bulk written over the last 24 hours at random points of the grids in random categories,
with about one title in fifty carrying a listed keyword. Measured: ``evaluate_events`` in
batches until the cursor reaches the last event (events/s, alerts raised), beside the baseline
of reading the same rows in the same batches (the floor of any evaluation). A second pass over
the same rows (cursor reset) checks that nothing new is raised. Prints a table; ``--quick`` is a
smoke run (2,000 events). It does not write BENCHMARKS.md: on the shared machine only smoke runs
have been made so far.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/jw_bench_warning")


def setup(fresh: bool = True):
    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / "warning.sqlite3"
    if fresh and db.exists():
        db.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.LOCATOR_INDEX_DIR = WORK / "locator"
    call_command("migrate", verbosity=0)


def world(n_rules: int):
    from jiewang.core.testing import build_tree
    from jiewang.events.services.catalog import catalog_seed
    from jiewang.warning.services.rules import DEFAULT_KEYWORDS, rule_create

    tree = build_tree()
    catalog_seed()
    for i in range(n_rules):
        cat = ["LS01", "SL01", "LS02"][i % 3]
        rule_create(actor=None, area=tree.city, kind="cluster", name=f"聚集{i}",
                    params={"category": cat, "count": 30 + i, "hours": 1})
        rule_create(actor=None, area=tree.city, kind="hotspot", name=f"热点{i}",
                    params={"category": cat, "count": 60 + i, "hours": 1, "distance_m": 100})
        rule_create(actor=None, area=tree.city, kind="repeat", name=f"重复{i}",
                    params={"category": cat, "count": 3, "radius_m": 30, "days": 1})
        rule_create(actor=None, area=tree.city, kind="keyword", name=f"敏感词{i}", params={"words": DEFAULT_KEYWORDS})
    return tree


def events(tree, n: int, seed: int = 1):
    from django.utils import timezone

    from jiewang.events.models import Event, MatterCategory

    rng = random.Random(seed)
    cats = list(MatterCategory.objects.filter(parent__isnull=False).values_list("id", "code", "board_kind"))
    grids = [(g, g.parent) for g in (tree.g1, tree.g2, tree.g3, tree.g4)]
    titles = ["路灯不亮", "占道经营", "噪音扰民", "垃圾未清运", "井盖缺失", "违章搭建", "农民工讨薪", "污水外溢"]
    now = timezone.now()
    rows = []
    for i in range(n):
        grid, community = rng.choice(grids)
        x0, y0, x1, y1 = grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat
        cat_id, code, board = rng.choice(cats)
        title = titles[6] if rng.random() < 0.02 else rng.choice(titles[:6] + titles[7:])
        town = tree.t1 if grid.path.startswith(tree.t1.path) else tree.t3
        rows.append(Event(number=f"B-{i:08d}", status="reported", level="grid", town=town, community=community,
                          grid=grid, area_path=grid.path, lon=rng.uniform(x0, x1), lat=rng.uniform(y0, y1),
                          category_id=cat_id, board_kind=board, title=title, description="居民反映，请尽快处理",
                          channel="resident_web", reported_at=now - dt.timedelta(seconds=(n - i) * 86_400 / n)))
    t = time.perf_counter()
    Event.objects.bulk_create(rows, batch_size=2000)
    return time.perf_counter() - t


def measure(n: int):
    from jiewang.events.models import Event
    from jiewang.warning.models import Alert, WarningCursor
    from jiewang.warning.services.engine import BATCH, EVENT_FIELDS, evaluate_events

    from jiewang.warning.services.engine import segment
    from jiewang.warning.services.rules import DEFAULT_KEYWORDS

    segment("预热", DEFAULT_KEYWORDS)  # jieba's dictionary loads once per worker process, before any batch
    WarningCursor.objects.all().delete()
    t = time.perf_counter()
    last = 0
    while True:
        batch = list(Event.objects.filter(id__gt=last).order_by("id").only(*EVENT_FIELDS)[:BATCH])
        if not batch:
            break
        last = batch[-1].id
    baseline = time.perf_counter() - t

    t = time.perf_counter()
    raised = 0
    while True:
        before = WarningCursor.objects.filter(name="events").values_list("last_id", flat=True).first()
        raised += len(evaluate_events())
        if WarningCursor.objects.filter(name="events").values_list("last_id", flat=True).first() == before:
            break
    took = time.perf_counter() - t
    WarningCursor.objects.all().delete()
    again = 0
    while True:
        before = WarningCursor.objects.filter(name="events").values_list("last_id", flat=True).first()
        again += len(evaluate_events())
        if WarningCursor.objects.filter(name="events").values_list("last_id", flat=True).first() == before:
            break
    return {"events": n, "seconds": took, "events_per_s": n / took, "alerts": raised, "alerts_total": Alert.objects.count(),
            "second_pass_new": again, "baseline_s": baseline, "baseline_per_s": n / baseline}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=20_000)
    p.add_argument("--rules", type=int, default=3, help="rules of each event kind")
    p.add_argument("--quick", action="store_true", help="a smoke run: 2,000 events")
    args = p.parse_args(argv)
    n = 2_000 if args.quick else args.events
    setup()
    tree = world(args.rules)
    write_s = events(tree, n)
    r = measure(n)
    print("| events | rules | evaluate (s) | events/s | alerts | 2nd pass new | read only (s) | read events/s |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {n:,} | {args.rules * 4} | {r['seconds']:.2f} | {r['events_per_s']:,.0f} | {r['alerts']} | "
          f"{r['second_pass_new']} | {r['baseline_s']:.2f} | {r['baseline_per_s']:,.0f} |")
    print(f"(bulk write of the events: {write_s:.2f} s; goal: ≥ 1,000 events/s)")
    return 0 if r["second_pass_new"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
