#!/usr/bin/env python3
"""One entry point for a fresh machine: ``python3 dev.py demo`` and ``python3 dev.py test``.

It needs only Python 3.11+ and pip. It creates ``.venv`` beside this file, installs the project
and its test dependencies into it (again only when pyproject.toml changed), then:

    demo   migrate, generate the demo city if absent, create one login per role and print them,
           start the background worker, serve on http://127.0.0.1:8000 with gunicorn.
    test   run the whole test suite (pytest) on the database in DATABASE_URL (default SQLite).
    bench  run the benchmarks in bench/ and update BENCHMARKS.md.
    manage pass the rest of the command line to manage.py inside the venv.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"


def sh(*args, **kw) -> int:
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.call([str(a) for a in args], cwd=ROOT, **kw)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit("Python 3.11 or newer is needed (run: python3.11 dev.py ...)")
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".jiewang-installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    quiet = ["-q"] if os.environ.get("CI") else []
    if sh(PY, "-m", "pip", "install", *quiet, "--upgrade", "pip") != 0:
        sys.exit("pip upgrade failed")
    if sh(PY, "-m", "pip", "install", *quiet, "-e", ".[test]") != 0:
        sys.exit("installing the project failed")
    stamp.write_text(digest)


def manage(*args) -> int:
    return sh(PY, "manage.py", *args)


def demo(argv: list[str]) -> int:
    scale = os.environ.get("JIEWANG_DEMO_SCALE", "city")
    for step in (("migrate", "--noinput"), ("seed_demo", "--scale", scale, "--seed", "1")):
        if manage(*step) != 0:
            return 1
    manage("collectstatic", "--noinput", "-v", "0")
    worker = subprocess.Popen([str(PY), "manage.py", "run_worker"], cwd=ROOT)
    bind = os.environ.get("JIEWANG_BIND", "127.0.0.1:8000")
    print(f"\n  Jiewang demo: http://{bind}/   API docs: http://{bind}/api/docs\n", flush=True)
    server = subprocess.Popen(
        [str(VENV / "bin" / "gunicorn"), "config.wsgi:application", "--bind", bind,
         "--workers", os.environ.get("WEB_CONCURRENCY", "2"), "--access-logfile", "-"],
        cwd=ROOT,
    )

    def stop(*_):
        for p in (server, worker):
            if p.poll() is None:
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop()
        for p in (server, worker):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def test(argv: list[str]) -> int:
    return sh(PY, "-m", "pytest", *argv)


def bench(argv: list[str]) -> int:
    return sh(PY, "-m", "bench", *argv)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test", "bench", "manage"}:
        print(__doc__)
        return 2
    ensure_venv()
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "manage":
        return manage(*rest)
    return {"demo": demo, "test": test, "bench": bench}[cmd](rest)


if __name__ == "__main__":
    sys.exit(main())
