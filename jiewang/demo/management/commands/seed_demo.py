"""``manage.py seed_demo [--scale small|city] [--seed N] [--history MONTHS] [--force]``: generate
the demo city and write it, then its past months of events (:mod:`jiewang.demo.history`), with a
progress bar per stage, then print the stage times, the counts and the demo logins. Does nothing
when the demo city exists, unless ``--force`` (which refuses unless the database holds only demo
data, its history untouched; see :mod:`jiewang.demo.seeding`)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jiewang.core.errors import ApplicationError
from jiewang.demo.citygen import SCALES
from jiewang.demo.history import DEFAULT_MONTHS, DEFAULT_RATE
from jiewang.demo.seeding import seed_demo

STAGE_LABELS = {
    "geometry:district": "边界 Boundaries · districts",
    "geometry:town": "边界 Boundaries · towns/streets",
    "geometry:community": "边界 Boundaries · villages/communities",
    "geometry:grid": "边界 Boundaries · grids",
    "areas:city": "写入 Write · city",
    "areas:district": "写入 Write · districts",
    "areas:town": "写入 Write · towns/streets",
    "areas:community": "写入 Write · villages/communities",
    "areas:grid": "写入 Write · grids",
    "boards": "写入 Write · boards",
    "posts": "写入 Write · posts",
    "delete old demo": "删除 Delete old demo city",
    "grid workers": "写入 Write · grid workers",
    "history": "历史 History · events through the services",
}


class Command(BaseCommand):
    help = ("Generate a fictional Chongqing-style city (渝州市) with its area tree, boundaries, "
            "boards, posts, departments and one demo login per role.")

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small",
                            help="small (tests: 2 districts, 60 grids) or city (38 districts, "
                                 "1,031 towns, 11,000 communities, 62,000 grids)")
        parser.add_argument("--seed", type=int, default=1,
                            help="random seed (same seed, same city)")
        parser.add_argument("--grid-workers", action="store_true",
                            help="also create one grid worker per grid (username gw<grid code>, "
                                 "unusable password; 62,000 at city scale)")
        parser.add_argument("--history", type=int, default=DEFAULT_MONTHS, metavar="MONTHS",
                            help="months of past events to generate through the services (default "
                                 f"{DEFAULT_MONTHS}; 0 for none; at city scale in the demo town only)")
        parser.add_argument("--history-rate", type=float, default=None, metavar="N",
                            help="events per grid and week, on average (default "
                                 f"{DEFAULT_RATE['small']}: the real services take ~5 ms a step)")
        parser.add_argument("--force", action="store_true",
                            help="replace an existing demo city (refused unless the database "
                                 "holds only demo data)")

    def handle(self, *args, **opts):
        console = Console(file=self.stdout._out, highlight=False)
        if not console.is_terminal:  # piped or captured: do not squeeze the tables into 80 columns
            console = Console(file=self.stdout._out, highlight=False, width=160)
        quiet = opts.get("verbosity", 1) < 1
        started = time.perf_counter()
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, disable=quiet,
                      transient=False) as bar:
            tasks: dict[str, int] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage.startswith("boundaries:") or stage == "geometry:done":
                    return
                if stage not in tasks:
                    tasks[stage] = bar.add_task(STAGE_LABELS.get(stage, stage), total=total)
                bar.update(tasks[stage], completed=done, total=total)

            try:
                result = seed_demo(scale=opts["scale"], seed=opts["seed"], force=opts["force"],
                                   grid_workers=opts["grid_workers"], progress=progress,
                                   history=opts["history"], history_rate=opts["history_rate"])
            except ApplicationError as exc:
                raise CommandError(f"[{exc.code}] {exc.message}") from exc
        if quiet:
            return
        console.print(result.message)
        if result.created:
            times = Table(title=f"渝州市 scale={result.scale} seed={result.seed}")
            times.add_column("Stage")
            times.add_column("Seconds", justify="right")
            for stage, secs in result.timings.items():
                times.add_row(stage, f"{secs:.1f}")
            times.add_row("total", f"{time.perf_counter() - started:.1f}")
            console.print(times)
            counts = Table(title="Rows written")
            counts.add_column("What")
            counts.add_column("Count", justify="right")
            for what, n in result.counts.items():
                counts.add_row(what, f"{n:,}")
            console.print(counts)
            if result.history is not None:
                h = result.history
                hist = Table(title=f"历史 History: {h.months} months, {h.rate:g} events/grid/week, "
                                   f"{h.grids} grids, {h.events:,} events, {h.steps:,} steps, "
                                   f"{h.sweeps:,} sweeps, {h.seconds:.1f} s")
                hist.add_column("Path")
                hist.add_column("Stories", justify="right")
                for name, n in sorted(h.stories.items()):
                    hist.add_row(name, f"{n:,}")
                hist.add_row("[b]events by status today[/b]", ", ".join(
                    f"{k} {v}" for k, v in sorted(h.statuses.items())))
                for what, n in sorted(h.interrupted.items()):
                    hist.add_row(f"interrupted: {what}", f"{n:,}")
                console.print(hist)
            if result.repaired_geometries:
                console.print(f"{result.repaired_geometries} geometries repaired after rounding.")
        logins = Table(title="演示账号 Demo logins")
        for col in ("Username", "Password", "Role", "Area", "Department"):
            logins.add_column(col)
        for row in result.logins:
            logins.add_row(row.username, row.password, row.role_label,
                           f"{row.area_name} ({row.area_code})", row.department)
        console.print(logins)
