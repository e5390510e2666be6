"""Instructions per HTTP intake, in process: the same ``POST /api/events`` through Django's WSGI
handler (session, user and grants, CSRF, NUL check, ninja, the intake service, the answer) on the
small demo city, so that two commits can be compared exactly whatever else the machine is doing.

    JIEWANG_VAR_DIR=/tmp/ab python -m bench.intake_callgrind setup
    JIEWANG_VAR_DIR=/tmp/ab python -m bench.intake_callgrind run 300   # CPU and wall per request
    JIEWANG_VAR_DIR=/tmp/ab valgrind --tool=callgrind python -m bench.intake_callgrind run 50
    JIEWANG_VAR_DIR=/tmp/ab valgrind --tool=callgrind python -m bench.intake_callgrind run 350

Instructions per intake = (Collected of the 350 run − Collected of the 50 run) / 300 (both runs do
100 warm-up requests first). ``AB_SQL=1`` prints the statements of one request; ``--profile FILE``
writes a cProfile listing. Used for BENCHMARKS.md's issue #8 comparison.
"""

import io
import json
import os
import secrets
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def setup() -> None:
    from django.core.management import call_command

    from jiewang.demo.seeding import seed_demo

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    seed_demo(scale="small", seed=1, force=True)


def run(n: int, profile: str | None = None) -> None:
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.client import RequestFactory
    from shapely.geometry import shape

    from bench.events_bench import http_session
    from bench.events_data import ensure_bench_user
    from jiewang.areas.models import Area, AreaBoundary
    from jiewang.events.models import MatterCategory

    headers, _ = http_session(ensure_bench_user())
    points = []
    for grid in Area.objects.filter(level=5)[:50]:
        b = AreaBoundary.objects.filter(area=grid).order_by("-id").first()
        p = shape(b.geometry).representative_point()
        points.append((p.x, p.y))
    cats = [c.code for c in MatterCategory.objects.filter(is_active=True, parent__isnull=False)
            if not c.attributes][:30]
    app, rf = WSGIHandler(), RequestFactory()

    def one(i: int) -> None:
        x, y = points[i % len(points)]
        body = json.dumps({"category": cats[i % len(cats)], "lon": x, "lat": y, "channel": "patrol",
                           "title": f"ab-{i}-{secrets.token_hex(3)}", "source": "proactive",
                           "description": "巡查发现"}, ensure_ascii=False).encode()
        env = rf._base_environ(PATH_INFO="/api/events", REQUEST_METHOD="POST", CONTENT_TYPE="application/json",
                               CONTENT_LENGTH=str(len(body)), HTTP_COOKIE=headers["Cookie"],
                               HTTP_X_CSRFTOKEN=headers["X-CSRFToken"], HTTP_HOST="127.0.0.1",
                               **{"wsgi.input": io.BytesIO(body)})
        status = []
        out = b"".join(app(env, lambda s, h, *a: status.append(s)))
        if not status[0].startswith("201"):
            raise SystemExit(f"{status[0]} {out[:300]!r}")

    for i in range(100):
        one(i)
    if os.environ.get("AB_SQL"):
        seen = []

        def wrap(execute, sql, params, many, context):
            seen.append(sql[:160])
            return execute(sql, params, many, context)

        with connection.execute_wrapper(wrap):
            one(99_999)
        print("\n".join(seen), f"\n{len(seen)} statements")
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(100, 100 + n):
        one(i)
    t1, c1 = time.perf_counter(), time.process_time()
    if prof:
        import pstats

        prof.disable()
        with open(profile, "w") as f:
            pstats.Stats(prof, stream=f).sort_stats("cumulative").print_stats(80)
    print(json.dumps({"n": n, "cpu_ms": (c1 - c0) / n * 1000, "wall_ms": (t1 - t0) / n * 1000}))


def main(argv: list[str]) -> None:
    import django

    sys.path.insert(0, os.getcwd())
    django.setup()
    if argv[0] == "setup":
        setup()
    else:
        profile = argv[argv.index("--profile") + 1] if "--profile" in argv else None
        run(int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else 1000, profile)


if __name__ == "__main__":
    main(sys.argv[1:])
