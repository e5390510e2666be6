"""``manage.py screenshots [--out docs/screenshots] [--only NAME ...]``: PNGs of the main pages.

Builds a throw-away demo in a temporary directory (its own SQLite database, locator index and
uploads: ``migrate``, ``seed_demo --scale small``, then a few events walked into different states
through the services), serves it with ``runserver`` on a free local port, signs in as each demo
role in Debian's chromium (Playwright, as the browser tests) and saves each page at desktop
(1366×800) and phone (360×740) width as ``<page>-desktop.png`` / ``<page>-phone.png``. A page
that does not exist yet (an error status) is skipped with a note. Nothing touches the database
in ``DATABASE_URL``.

Run it as ``python3 dev.py manage screenshots`` (dev.py installs the front-end libraries first).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 360, "height": 740}}
DEMO_PASSWORD = "jiewang-demo-2026"

# (file name, who signs in (None: anonymous), path; "{event}"/"{grid_event}" are demo events)
PAGES = [
    ("login", None, "/login/"),
    ("resident", None, "/report/"),
    ("resident-mine", None, "/report/mine/"),
    ("command", "town_operator", "/command/"),
    ("command-district", "district_admin", "/command/"),
    ("grid", "grid_worker", "/grid/"),
    ("grid-report", "grid_worker", "/grid/report/"),
    ("department", "department_staff", "/dept/"),
    # every other demo role's workspace
    ("command-commander", "commander", "/command/"),
    ("command-town-leader", "town_leader", "/command/"),
    ("duty", "duty_leader", "/duty/"),
    ("grid-community", "community_staff", "/grid/"),
    ("department-post", "post_staff", "/dept/"),
    ("department-board", "board_leader", "/dept/"),
    ("resident-signed-in", "resident", "/report/"),
    ("events", "town_operator", "/events/"),
    ("event", "town_operator", "/events/{event}/"),
    ("event-department", "department_staff", "/events/{dept_event}/"),
    ("event-grid", "grid_worker", "/events/{grid_event}/"),
    ("manage-catalog", "district_admin", "/manage/catalog/"),
    ("manage-category", "district_admin", "/manage/catalog/SL01/"),
    ("manage-users", "town_leader", "/manage/users/"),
    ("inbox", "town_operator", "/inbox/"),
    ("screen", "town_operator", "/command/screen/"),
    ("duty-log", "duty_leader", "/duty/log/"),
    ("task-new", "town_operator", "/command/tasks/new/"),
    ("admission-held", "commander", "/admission/"),  # 职责事项准入: held tasks
    ("admission-lists", "district_admin", "/admission/lists/"),
    ("admission-burden", "town_leader", "/admission/burden/"),  # 减负
    ("manage-boards", "town_leader", "/manage/boards/"),
    ("assessment", "town_leader", "/assessment/"),
    ("staffing", "community_staff", "/grid/staffing/"),  # 网格力量 (1+3+N)
    ("staffing-town-unstaffed", "town_operator", "/grid/staffing/?unstaffed=1"),
    ("staffing-me", "grid_worker", "/grid/staffing/me/"),
    ("basedata", "grid_worker", "/basedata/"),
    ("basedata-town", "town_leader", "/basedata/?tab=key"),
    ("basedata-resident", "grid_worker", "/basedata/residents/{resident}/"),
    ("basedata-import", "community_staff", "/basedata/import/"),
    ("basedata-counts", "community_staff", "/basedata/counts/"),
    # patrols and visits (巡查走访)
    ("grid-patrol", "grid_worker", "/grid/patrol/"),
    ("grid-visits", "grid_worker", "/grid/visits/"),
    ("patrol-coverage-community", "community_staff", "/patrols/coverage/"),
    ("patrol-coverage-town", "town_leader", "/patrols/coverage/"),
    ("supervision", "commander", "/command/supervision/"),  # 督导台账
    ("bulletins", "town_leader", "/bulletins/"),
    # 态势地图, the big screen at the command hall's size, 预警规则
    ("situation-map", "town_leader", "/command/#h-situation-map"),
    ("screen-hall", "town_leader", "/command/screen/"),
    ("warning-rules", "town_leader", "/warnings/rules/"),
    ("warning-rule-keyword", "town_leader", "/warnings/rules/new/?kind=keyword"),
    # 党建: the street's party office, a community's committee, a member's phone page, the wish board
    ("party", "party_staff", "/party/"),
    ("party-community", "community_staff", "/party/"),
    ("party-me", "party_member", "/party/me/"),
    ("party-wishes", "resident", "/party/wishes/"),
    # the keepers' forms: found an organization (with the tree's parent rules), seat an officer
    ("party-org-new", "party_staff", "/party/orgs/new/"),
    ("party-officer-new", "party_staff", "/party/officers/new/"),
]
# Pages taken at other sizes than SIZES.
PAGE_SIZES = {"screen-hall": {"hall": {"width": 1920, "height": 1080}}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Command(BaseCommand):
    help = "Save PNG screenshots of the main pages (desktop and phone) from a temporary demo."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(settings.BASE_DIR / "docs" / "screenshots"))
        parser.add_argument("--only", nargs="*", help="page names to take (default: all)")
        parser.add_argument("--seed-events", action="store_true", help=Command.seed_events.__doc__)
        parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
        parser.add_argument("--full-page", action="store_true", help="the whole page, not only the first screen")

    def handle(self, *args, **opts):
        self.full_page = opts.get("full_page", False)
        if opts["seed_events"]:
            numbers = self.seed_events()
            self.stdout.write(" ".join(f"{k}={v}" for k, v in numbers.items()))
            return
        if not Path(CHROMIUM).exists():
            raise CommandError(f"{CHROMIUM} is missing: apt-get install -y chromium")
        out = Path(opts["out"])
        out.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="jiewang-shots-"))
        env = {**os.environ, "JIEWANG_VAR_DIR": str(tmp), "DATABASE_URL": f"sqlite:///{tmp / 'demo.sqlite3'}",
               "DEBUG": "0", "JIEWANG_DEV": "1", "LOG_LEVEL": "ERROR"}
        env.pop("TEST_DATABASE_NAME", None)
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]

        def run(*args):
            self.stdout.write("+ manage.py " + " ".join(args))
            done = subprocess.run([*manage, *args], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise CommandError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
            return done.stdout

        run("migrate", "--noinput", "-v", "0")
        run("seed_demo", "--scale", "small", "--seed", "1")  # with its year of history: queues have work
        line = run("screenshots", "--seed-events").strip().splitlines()[-1]
        # What the worker would do in a running demo: the rollups of the history, and last month's
        # assessment, published, and its bulletins.
        run("rollups_rebuild")
        last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
        run("assess", "--period", last_month, "--publish")
        run("bulletins", "--period", last_month)  # the worker's monthly bulletins (月度通报)
        events = dict(pair.split("=", 1) for pair in line.split())
        port = _free_port()
        server = subprocess.Popen([*manage, "runserver", "--noreload", "--skip-checks",
                                   f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/login/", timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise CommandError("the demo server did not start")
            taken, skipped = self.shoot(base, out, events, opts.get("only"))
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            if not opts["keep"]:
                import shutil

                shutil.rmtree(tmp, ignore_errors=True)
        self.stdout.write(self.style.SUCCESS(f"{len(taken)} screenshots in {out}"))
        for name, why in skipped:
            self.stdout.write(f"  skipped {name}: {why}")

    def shoot(self, base: str, out: Path, events: dict, only) -> tuple[list, list]:
        from playwright.sync_api import sync_playwright

        taken, skipped = [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            for name, who, path in PAGES:
                if only and name not in only:
                    continue
                try:
                    path = path.format(**events)
                except KeyError as exc:
                    skipped.append((name, f"no demo event {exc}"))
                    continue
                for size, viewport in PAGE_SIZES.get(name, SIZES).items():
                    ctx = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
                    page = ctx.new_page()
                    try:
                        if who:
                            page.goto(f"{base}/login/")
                            page.fill("#id_username", who)
                            page.fill("#id_password", DEMO_PASSWORD)
                            with page.expect_navigation():
                                page.click("form button[type=submit]")
                        response = page.goto(base + path, wait_until="networkidle")
                        status = response.status if response else 0
                        if status >= 400 or (who and "/login/" in page.url):
                            skipped.append((f"{name}-{size}", f"{path} answered {status} (not built yet?)"))
                            continue
                        page.wait_for_timeout(300)  # map tiles/animations settle
                        target = out / f"{name}-{size}.png"
                        page.screenshot(path=str(target), full_page=self.full_page)
                        taken.append(target)
                        self.stdout.write(f"  {target.name}  ({who or 'anonymous'} {path})")
                    finally:
                        ctx.close()
            browser.close()
        return taken, skipped

    def seed_events(self) -> dict:
        """(internal) add demo events in different states; prints their numbers"""
        from shapely.geometry import shape

        from jiewang.accounts.models import RoleGrant, User
        from jiewang.areas.models import Area
        from jiewang.dispatching.services import assignments as dsvc
        from jiewang.dispatching.services import whistles
        from jiewang.events.models import Event, MatterCategory
        from jiewang.events.services import actions
        from jiewang.events.services.intake import event_report

        admin = User.objects.get(username="admin")
        grid = Area.objects.get(pk=RoleGrant.objects.get(user__username="grid_worker", role="grid_worker").area_id)
        dept = RoleGrant.objects.get(user__username="department_staff").department
        resident = User.objects.get(username="resident")
        point = shape(grid.geometry).representative_point()
        get = lambda e: Event.objects.get(pk=e.pk)  # noqa: E731

        def report(code, title, dx=0.0, **kw):
            e, _ = event_report(actor=None, channel=kw.pop("channel", "resident_web"),
                                category=MatterCategory.objects.get(code=code),
                                lon=point.x + dx, lat=point.y + dx / 2, title=title, **kw)
            return e

        def to_town(e):
            actions.event_escalate(event=get(e), actor=admin, reason="超出网格处置能力，上报社区")
            actions.event_escalate(event=get(e), actor=admin, reason="需职能部门处置，上报镇街指挥中心")
            return get(e)

        grid_event = report("SL01", "菜市场门口流动摊点占道经营", address="解放路12号菜市场东门",
                            reporter_name="王女士", reporter_phone="13812345678",
                            description="早高峰有三个流动摊点占用人行道，行人只能走机动车道。")
        report("LS01", "小区路灯不亮", dx=0.0004, address="和平巷3号院", channel="patrol")
        dept_event = to_town(report("SL02", "临街商铺违规加建雨棚", dx=-0.0003, address="解放路40号",
                                    reporter_name="李先生", reporter_phone="13987654321", urgency="urgent",
                                    attributes={"structure": "shop"}))
        actions.event_accept(event=dept_event, actor=admin, comment="属实，立案")
        dsvc.event_dispatch(event=get(dept_event), actor=admin, lead=dept, assists=[],
                            instructions="请于两个工作日内现场核实并依法处置")
        event = to_town(report("SL02", "小区内违章搭建阳光房", dx=0.0002, address="幸福小区7栋",
                               reporter_name="张先生", reporter_phone="13700001111",
                               description="7栋一楼住户在公共绿地上搭建阳光房，邻居多次反映。",
                               attributes={"structure": "yard"}))
        actions.event_accept(event=event, actor=admin, comment="属实，立案")
        dsvc.event_dispatch(event=get(event), actor=admin, lead=dept, assists=[], instructions="请依法处置")
        dsvc.assignment_sign(assignment=get(event).assignments.get(), actor=admin)
        whistles.whistle_blow(event=get(event), actor=admin, departments=[dept], problem="需联合执法拆除",
                              urgent=False)
        closed = report("SL01", "人行道上堆放建筑垃圾", dx=-0.0005, address="解放路8号", channel="patrol")
        Event.objects.filter(pk=closed.pk).update(reporter=resident)
        actions.event_self_handle(event=get(closed), actor=admin, comment="网格员现场劝导")
        actions.event_close_on_spot(event=get(closed), actor=admin, comment="已清理完毕")
        from jiewang.basedata.models import KeyPerson  # a demo key person of the grid (jiewang/demo/basedata.py)

        key_person = KeyPerson.objects.filter(grid=grid).order_by("id").first()
        return {"event": event.number, "dept_event": dept_event.number, "grid_event": grid_event.number,
                "closed_event": closed.number, **({"resident": key_person.resident_id} if key_person else {})}
